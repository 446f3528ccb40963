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

/**
 * How far along its life a status says a message is. Statuses only move forward at Wavix; dlr_expired ("no
 * report came in time") ranks below the real outcomes because a late report may still settle it.
 */
export const STATUS_PROGRESS: Readonly<Record<string, number>> = {
  accepted: 0,
  pending: 1,
  sent: 2,
  dlr_expired: 3,
  delivered: 4,
  undelivered: 4,
  expired: 4,
  rejected: 4,
};
/** A status Wavix does not document: taken as interim (kept as sent by the webhooks). */
export const UNKNOWN_STATUS_PROGRESS = 1;
