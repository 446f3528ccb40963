/** Wavix's MessageDeliveryStatus (the OpenAPI's enum): what a delivery report can say about a message. */
export const WAVIX_DELIVERY_STATUSES = [
  'accepted',
  'pending',
  'sent',
  'delivered',
  'undelivered',
  'expired',
  'rejected',
  'dlr_expired',
] as const;

export type WavixDeliveryStatus = (typeof WAVIX_DELIVERY_STATUSES)[number];

const KNOWN: ReadonlySet<string> = new Set<string>(WAVIX_DELIVERY_STATUSES);

/**
 * A report's status as one of Wavix's, or undefined. Wavix's webhooks have been seen to vary its case and spacing
 * ("DELIVERED", " delivered"), so it is read trimmed and in lower case: the same report must mean the same whether it
 * arrives before or after smsops recorded the send it is about.
 */
export function readWavixDeliveryStatus(raw: string): WavixDeliveryStatus | undefined {
  const status = raw.trim().toLowerCase();
  return KNOWN.has(status) ? (status as WavixDeliveryStatus) : undefined;
}
