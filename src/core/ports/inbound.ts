import type { DeliveryTarget, InboundMessage, NewInboundMessage } from '../model/inboundMessage.js';

export interface InboundRepository {
  /**
   * Stores the message and enqueues one delivery per target in a single transaction, so a message that was
   * acknowledged to Wavix always has its deliveries. A message id seen before is a duplicate: nothing is written.
   */
  insertWithDeliveries(message: NewInboundMessage, targets: readonly DeliveryTarget[]): { id: number; duplicate: boolean };
  get(id: number): InboundMessage | undefined;
  getByWavixId(wavixMessageId: string): InboundMessage | undefined;
  /** Newest first; `toNumber` in Wavix's digits form filters to one of our numbers. */
  recent(limit: number, toNumber?: string): InboundMessage[];
}
