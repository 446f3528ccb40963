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
