export const HOUR_MS = 3_600_000;

/** Wavix outbound statuses that count as a failed message; the others are delivered, or still in progress/unknown. */
export const FAILED_OUTBOUND_STATUSES = ['undelivered', 'expired', 'rejected'] as const;

export interface TrafficCounts {
  sent: number;
  delivered: number;
  failed: number;
  inbound: number;
  relayed: number;
}

export interface TrafficHour extends TrafficCounts {
  hourStart: number;
}

export interface NumberTraffic extends TrafficCounts {
  number: string;
}

export interface FailureReason {
  reason: string;
  count: number;
}

/** '+1 415 555 0100' and '14155550100' are the same number; an alphanumeric Sender ID is kept as written. */
export function normaliseTrafficNumber(number: string): string {
  const trimmed = number.trim();
  return /^[\d\s+().-]+$/.test(trimmed) ? trimmed.replace(/\D/g, '') : trimmed;
}

/** Traffic is counted in whole UTC hours: the start of the hour `ms` falls in. */
export const hourStartOf = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;
