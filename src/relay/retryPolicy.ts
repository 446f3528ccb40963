// When a failed delivery is tried again, and when it is given up as dead: the policy the outbox worker (./outbox.ts)
// applies and the Slack post updater reuses for its own backoff.

export interface DeliveryRetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  /** A delivery still failing this long after the message arrived is dead (alerted, kept for replay). */
  deadAfterMs: number;
}

export const DEFAULT_RELAY_RETRY: DeliveryRetryPolicy = {
  baseDelayMs: 1_000,
  maxDelayMs: 5 * 60_000,
  deadAfterMs: 24 * 3_600_000,
};

/** Attempts in a row failing the same deterministic way before a delivery is set aside as dead. */
export const DEFAULT_DETERMINISTIC_LIMIT = 3;

/**
 * Full-jitter exponential backoff: spreads retries of many failing deliveries instead of synchronising them.
 * Ours rather than a retry library's: the next attempt time is persisted per delivery in SQLite, so it survives restarts.
 */
export function nextAttemptDelay(attempts: number, policy: DeliveryRetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempts, 30));
  return Math.max(policy.baseDelayMs / 4, Math.floor(random() * ceiling));
}

/**
 * The longest wait a destination's Retry-After may set (the PortSIP and Slack senders cap theirs at an hour too): with
 * the backoff's ceiling, how far ahead a due time can be, which tells a due time set before the clock went back.
 */
export const RETRY_AFTER_CAP_MS = 3_600_000;

/** The most attempts a delivery must have had before its retry window can make it dead (see attemptsBeforeDead). */
export const MAX_ATTEMPTS_BEFORE_DEAD = 10;

/**
 * How many attempts a delivery must have had, besides its window having passed, before it is dead: as many as the
 * backoff makes in the window on average, at most 10. The window is wall-clock time since the message arrived, so
 * without this a message that waited out a long outage of smsops (or a clock stepped forward a day) would be dead
 * after a single failed attempt: one PortSIP hiccup at start-up would bury a whole backlog. Ten attempts take about
 * four minutes of the default backoff.
 */
export function attemptsBeforeDead(policy: DeliveryRetryPolicy, pollMs: number): number {
  let elapsed = 0;
  for (let attempts = 1; attempts < MAX_ATTEMPTS_BEFORE_DEAD; attempts++) {
    // The mean of nextAttemptDelay's full jitter (half its ceiling, never below its floor); an idle worker finds a
    // due retry at its next look, so a retry never comes sooner than one poll.
    const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempts - 1));
    elapsed += Math.max(policy.baseDelayMs / 4, ceiling / 2, pollMs);
    if (elapsed >= policy.deadAfterMs) return attempts;
  }
  return MAX_ATTEMPTS_BEFORE_DEAD;
}
