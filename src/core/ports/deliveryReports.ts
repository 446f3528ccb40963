import type { NewDeliveryReport, OutboundMessageUpsert, StoredDeliveryReport } from '../model/outboundMessage.js';

export interface DeliveryReportsRepository {
  /**
   * Records what Wavix says of an outbound message (from its message list or a report); later facts win. Null, and
   * nothing stored, for a text whose customer `/sms forget` removed.
   */
  upsertOutbound(message: OutboundMessageUpsert): number | null;
  /**
   * Stores a delivery report linked to its outbound message (created from the report if smsops had not seen it).
   * Wavix's retry of the same report (same message and status) is a duplicate and changes nothing.
   */
  recordReport(report: NewDeliveryReport): { id: number; duplicate: boolean; outboundMessageId: number | null };
  reportsFor(wavixMessageId: string): StoredDeliveryReport[];
  outboundStatus(wavixMessageId: string): { status: string; errorMessage: string | null } | undefined;
}
