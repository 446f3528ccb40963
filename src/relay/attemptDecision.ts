import { type Delivery, LAST_ERROR_MAX_CHARS } from '../core/model/delivery.js';
import type { InboundMessage } from '../core/model/inboundMessage.js';
import type { AttemptOutcome } from './attempt.js';
import { type DeliveryRetryPolicy, nextAttemptDelay, RETRY_AFTER_CAP_MS } from './retryPolicy.js';

/** The error as the store keeps it (cut to LAST_ERROR_MAX_CHARS), to compare with the one before. */
const storedError = (text: string) => (text.length > LAST_ERROR_MAX_CHARS ? `${text.slice(0, LAST_ERROR_MAX_CHARS)}…` : text);

/**
 * When a held SMS (not posted: its route's Retry-After runs) has its next turn. Not counted as an attempt (it was not
 * one: a day-old backlog reached its 10 attempts in held turns and died unposted, and each SMS was told as failed
 * that often), so its pace is its own: twice its last wait, jittered, between the backoff's base and ceiling. A route
 * answering again brings it forward as any waiting SMS.
 */
function heldDelay(delivery: Delivery, rules: DecisionRules): number {
  const lastWait = delivery.lastAttemptAt === null ? 0 : delivery.nextAttemptAt - delivery.lastAttemptAt;
  const ceiling = Math.min(rules.retry.maxDelayMs, Math.max(rules.retry.baseDelayMs, 2 * lastWait));
  return Math.max(rules.retry.baseDelayMs / 4, Math.floor(ceiling / 2 + (rules.random() * ceiling) / 2));
}

/** What an attempt's outcome makes of its delivery, to be recorded (./outbox.ts applies it to the store). */
export type Decision =
  | { kind: 'delivered'; delivery: Delivery; message: InboundMessage | undefined; outcome: AttemptOutcome; tookMs: number }
  | { kind: 'released'; delivery: Delivery }
  | {
      kind: 'failed';
      delivery: Delivery;
      message: InboundMessage | undefined;
      outcome: AttemptOutcome;
      error: string;
      nextAttemptAt: number;
      /** Until when the destination asked not to be tried again (its Retry-After, capped), null if it asked nothing. */
      retryAfterUntil: number | null;
      streak: number;
      tookMs: number;
    }
  | { kind: 'dead'; delivery: Delivery; message: InboundMessage | undefined; outcome: AttemptOutcome; error: string };

/** What the worker decides with: its clock and randomness, and the retry policy it was started with. */
export interface DecisionRules {
  now: () => number;
  random: () => number;
  retry: DeliveryRetryPolicy;
  /** Attempts in a row failing the same deterministic way before the delivery is dead. */
  deterministicLimit: number;
  /** Attempts a delivery must have had before its retry window passing makes it dead (attemptsBeforeDead). */
  minAttemptsForDead: number;
}

/**
 * One attempt's outcome as a decision: delivered; given back untried (notAttempted); failed, with when to try again
 * (the backoff, or the destination's Retry-After up to an hour); or dead (the same deterministic failure too often, or
 * its retry window past with enough attempts made).
 */
export function decideAttempt(
  rules: DecisionRules,
  delivery: Delivery,
  message: InboundMessage | undefined,
  outcome: AttemptOutcome,
  tookMs: number,
): Decision {
  if (outcome.delivered) return { kind: 'delivered', delivery, message, outcome, tookMs };
  if (outcome.notAttempted) return { kind: 'released', delivery };
  const error = outcome.error ?? (outcome.statusCode ? `HTTP ${outcome.statusCode}` : 'failed');
  // "The same way": the same error as the attempt before, deterministic both times.
  const streak = outcome.deterministic
    ? delivery.deterministicFailures > 0 && delivery.lastError === storedError(error)
      ? delivery.deterministicFailures + 1
      : 1
    : 0;
  if (streak >= rules.deterministicLimit) {
    const reason = `${error} (the same failure ${streak} times in a row: retrying cannot fix it)`;
    return { kind: 'dead', delivery, message, outcome: { ...outcome, error: reason }, error: reason };
  }
  // Not a held SMS (its route's Retry-After, answered to another SMS, runs): it was not posted. Held turns come at the
  // backoff's pace, each counted, so a backlog a day old reached its 10 attempts in ~3 minutes of one 503 Retry-After
  // and died unposted, where the 10 attempts stand for a route failing that often.
  if (
    !outcome.held &&
    rules.now() - delivery.retryWindowStartedAt >= rules.retry.deadAfterMs &&
    delivery.attempts + 1 >= rules.minAttemptsForDead
  )
    return { kind: 'dead', delivery, message, outcome, error };
  const asked = Math.min(outcome.retryAfterMs ?? 0, RETRY_AFTER_CAP_MS);
  const delay = outcome.held
    ? heldDelay(delivery, rules)
    : Math.max(nextAttemptDelay(delivery.attempts, rules.retry, rules.random), asked);
  // One moment for both: a wait the destination asked for ends exactly at the next attempt when it decided it.
  const at = rules.now();
  const retryAfterUntil = asked > 0 ? at + asked : null;
  return { kind: 'failed', delivery, message, outcome, error, nextAttemptAt: at + delay, retryAfterUntil, streak, tookMs };
}
