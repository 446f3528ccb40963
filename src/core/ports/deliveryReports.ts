import type { NewDeliveryReport, OutboundMessageUpsert, StoredDeliveryReport } from '../model/outboundMessage.js';

export interface DeliveryReportsRepository {
  /** Records what Wavix says of an outbound message (from its message list or a report); later facts win. */
  upsertOutbound(message: OutboundMessageUpsert): number;
  /**
   * Stores a delivery report linked to its outbound message (created from the report if smsops had not seen it).
   * Wavix's retry of the same report (same message and status) is a duplicate and changes nothing.
   */
  recordReport(report: NewDeliveryReport): { id: number; duplicate: boolean; outboundMessageId: number };
  reportsFor(wavixMessageId: string): StoredDeliveryReport[];
  outboundStatus(wavixMessageId: string): { status: string; errorMessage: string | null } | undefined;
}
