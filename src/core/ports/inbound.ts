import type { Delivery, DeliveryChannel } from '../model/delivery.js';
import type { DeliveryTarget, InboundMessage, NewInboundMessage } from '../model/inboundMessage.js';

export interface InboundRepository {
  /**
   * Stores the message and enqueues one delivery per target in a single transaction, so a message that was
   * acknowledged to Wavix always has its deliveries. A message id seen before is a duplicate: nothing is written.
   */
  insertWithDeliveries(
    message: NewInboundMessage,
    targets: readonly DeliveryTarget[],
    options?: {
      /**
       * Asked for each new delivery: the end of its lease when the relay takes it at once, stored in flight (no claim of
       * its own: one write instead of an insert and a lease), or null to store it pending, claimed in due order. Only a
       * delivery that heads its conversation (nothing before it pending or in flight there) may be taken: `isHead`
       * answers that with a read, so the relay asks it last, once nothing cheaper said no.
       */
      leaseNewHead?: (kind: DeliveryChannel, isHead: () => boolean, destination: string) => number | null;
    },
  ): {
    id: number;
    duplicate: boolean;
    /**
     * A duplicate whose body is not byte for byte the one stored under that message id (Wavix's retries are): the
     * stored one stays, this one is not kept here.
     */
    conflict?: true;
    /** The message as stored, when it was new (so its deliveries need not read it back). */
    stored?: InboundMessage;
    /** Its deliveries stored in flight, leased to the relay by `leaseNewHead`, as stored. */
    leased?: Delivery[];
  };
  get(id: number): InboundMessage | undefined;
  getByWavixId(wavixMessageId: string): InboundMessage | undefined;
  /**
   * Newest first; `number` in Wavix's digits form filters to one of our numbers (`side` 'smsops', the default) or to
   * one customer (`side` 'customer': the messages they sent).
   */
  recent(limit: number, number?: string, side?: 'smsops' | 'customer'): InboundMessage[];
  /**
   * As `recent`, the ids and arrival times (`ingestedAt`) only, read from the indexes: `/sms inbox` pages through
   * them and counts them, and reads only the messages of the page asked for.
   */
  recentKeys(limit: number, number?: string, side?: 'smsops' | 'customer'): Array<{ id: number; at: number }>;
}
