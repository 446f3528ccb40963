import type { FailureReason, NumberTraffic, TrafficCounts, TrafficHour } from '../model/traffic.js';

/**
 * Hourly traffic per number, derived from the messages smsops stores. Every range is read in whole UTC hours: an
 * hour counts when it overlaps [fromMs, toMs). Numbers are given with or without '+' and are reported in Wavix's
 * digits form; an alphanumeric Sender ID is its own "number".
 */
export interface TrafficRepository {
  /** Recomputes every hour overlapping [fromMs, toMs) from the messages, in one transaction. Idempotent. */
  rebuild(fromMs: number, toMs: number): void;
  /**
   * Recomputes only the hours overlapping [fromMs, toMs) whose messages changed since they were last computed
   * (tracked by triggers, migration 010): the same rows as `rebuild`, at the cost of what changed. Returns how many
   * hours it recomputed.
   */
  refresh(fromMs: number, toMs: number): number;
  /**
   * The same as `refresh`, a page of messages at a time with the event loop free between pages (an hour of a busy
   * relay holds a million messages): for the reports and jobs that run while webhooks arrive. Resolves with how many
   * hours it recomputed; an hour that changed meanwhile stays stale for the next refresh.
   */
  refreshInSteps(fromMs: number, toMs: number): Promise<number>;
  /** One row per hour of the range, oldest first, zeros where nothing happened; all numbers summed unless one is given. */
  hourly(fromMs: number, toMs: number, number?: string): TrafficHour[];
  totals(fromMs: number, toMs: number, number?: string): TrafficCounts;
  /** Numbers with any traffic in the range, busiest first. */
  perNumber(fromMs: number, toMs: number): NumberTraffic[];
  /**
   * The numbers that got inbound SMS in the range, in `perNumber`'s order, read a page of rows at a time with the
   * event loop free between pages: a week of an account whose webhook got SMS to 20,000 numbers is 400,000 rows, held
   * the loop 0.3 s in one statement (bench/trafficWatchLoop.ts).
   */
  inboundNumbersInSteps(fromMs: number, toMs: number): Promise<string[]>;
  /** The most frequent reasons outbound messages failed, most frequent first. */
  failureReasons(fromMs: number, toMs: number, number?: string, limit?: number): FailureReason[];
  /**
   * Outbound SMS finished in exactly [fromMs, toMs) per sending number, with each number's commonest failure, read from
   * the messages (the hourly rollups start on the hour, so "the last hour" read from them spanned 1 to 2 hours).
   */
  outboundFinished(
    fromMs: number,
    toMs: number,
  ): Array<{ number: string; delivered: number; failed: number; topFailure: string | null }>;
  /** When the newest inbound message to the number was stored, or null if none ever was. */
  lastInboundAt(number: string): number | null;
  /** Inbound messages per day to the number over the `days` days before `untilMs` (now by default). */
  inboundDailyAverage(number: string, days: number, untilMs?: number): number;
  /** Inbound messages to the number stored in [fromMs, toMs). */
  inboundCount(number: string, fromMs: number, toMs: number): number;
}
