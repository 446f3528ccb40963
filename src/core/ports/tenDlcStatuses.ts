/**
 * The US 10DLC statuses smsops has seen, as far as a reply needs them: campaigns from polling Wavix, and numbers on a
 * campaign from Wavix's NumberStatusChanged webhooks only (Wavix's campaign listing does not name its numbers).
 * Statuses are Wavix's words as given (APPROVED, PENDING, REJECTED, …).
 */
export interface TenDlcStatusRecord {
  campaignId: string | null;
  /** Wavix digits, for a number on a campaign; null for a campaign. */
  number: string | null;
  status: string;
}

export interface TenDlcStatusesReader {
  /** Every campaign, or every number on a campaign, smsops knows of; empty when it never heard of any. */
  ofKind(kind: 'campaign' | 'number'): TenDlcStatusRecord[];
}
