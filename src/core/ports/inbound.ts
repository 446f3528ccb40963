import type { DeliveryTarget, InboundMessage, NewInboundMessage } from '../model/inboundMessage.js';

export interface InboundRepository {
  /**
   * Stores the message and enqueues one delivery per target in a single transaction, so a message that was
   * acknowledged to Wavix always has its deliveries. A message id seen before is a duplicate: nothing is written.
   */
  insertWithDeliveries(
    message: NewInboundMessage,
    targets: readonly DeliveryTarget[],
  ): {
    id: number;
    duplicate: boolean;
    /** The message as stored, when it was new (so its deliveries need not read it back). */
    stored?: InboundMessage;
  };
  get(id: number): InboundMessage | undefined;
  getByWavixId(wavixMessageId: string): InboundMessage | undefined;
  /**
   * Newest first; `number` in Wavix's digits form filters to one of our numbers (`side` 'smsops', the default) or to
   * one customer (`side` 'customer': the messages they sent).
   */
  recent(limit: number, number?: string, side?: 'smsops' | 'customer'): InboundMessage[];
}
