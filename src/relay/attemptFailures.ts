import { connectionFailureKind } from '../core/connectionFailure.js';
import { type Delivery, SLACK_QUEUE_DESTINATION } from '../core/model/delivery.js';
import { SLACK_TOKEN_REFUSALS, type SlackTokenRevocation, slackTokenRevocationWords } from '../core/slackToken.js';
import { maskUrl } from '../core/urls.js';
import type { Logger } from '../log.js';
import type { AttemptOutcome } from './attempt.js';
import { loggedMessageId } from './loggedMessageId.js';

/** At most one line per destination and kind of failure in this time; the line says how many failed since the last. */
export const FAILURE_LOG_EVERY_MS = 60_000;
/** Kinds of failure remembered at once: past this, those quiet for ten lines' time are forgotten. */
const REMEMBERED = 1_000;

/** Outcomes the Slack leg words itself, whole and quoting nothing: said as they are. */
const SLACK_PHRASES = new Set([
  'Slack did not answer in time',
  "Slack's answer was not JSON",
  'smsops stopped before Slack answered',
  "Slack rate limit: not posted, waiting out Slack's Retry-After for this channel",
]);

/**
 * The kind of a failed attempt, as a log line may say it: a status, a code or a fixed phrase, never the answer's body
 * (a PBX may quote the SMS back) nor an address.
 */
export function failureKind(outcome: Pick<AttemptOutcome, 'statusCode' | 'error'>): string {
  const error = outcome.error ?? '';
  const slackCode = /^Slack: (\w+)$/.exec(error);
  if (slackCode) return `Slack: ${slackCode[1]}`;
  if (outcome.statusCode !== null && outcome.statusCode > 0) return `HTTP ${outcome.statusCode}`;
  const slackHttp = /^Slack answered HTTP (\d{3})$/.exec(error);
  if (slackHttp) return `HTTP ${slackHttp[1]}`;
  if (SLACK_PHRASES.has(error)) return error;
  if (error.startsWith('no complete answer within')) return 'no answer within the deadline';
  if (error.startsWith('no outcome within')) return 'no outcome within the attempt timeout';
  const code = /\b(E[A-Z]{3,}|UND_ERR_[A-Z_]+)\b/.exec(error);
  if (code?.[1]) return code[1];
  // A certificate or TLS version refused has no code: its fixed phrase tells the log reader which of the two it is.
  const phrase = connectionFailureKind(error);
  if (phrase) return phrase;
  return error ? 'other (see /sms relay status)' : 'unknown';
}

/** A destination as log lines name it: a PortSIP URL masked, a Slack channel as its id, the Slack queue as `queue`. */
export const destinationWords = (kind: Delivery['destinationKind'], destination: string) =>
  kind === 'portsip' ? maskUrl(destination) : destination === SLACK_QUEUE_DESTINATION ? 'queue' : destination;

/** A destination's kind of failure: when its last line was written, and the failures after it (the last one's ids). */
interface Seen {
  kind: Delivery['destinationKind'];
  destination: string;
  error: string;
  loggedAt: number;
  unlogged: number;
  lastWavixMessageId: string | null;
  lastAttempt: number;
}

export interface AttemptFailures {
  /** An attempt failed and is retried with backoff. */
  failed(
    delivery: Pick<Delivery, 'destinationKind' | 'destination' | 'attempts'>,
    outcome: AttemptOutcome,
    wavixMessageId?: string | null,
  ): void;
  /** An attempt failed and its delivery is dead: not retried, so not said here (./deadDeliveryLog.ts says it). */
  died(delivery: Pick<Delivery, 'destinationKind'>, outcome: AttemptOutcome): void;
  /** An attempt got through: a destination that was failing is said to answer again, with the failures not said yet. */
  delivered(delivery: Pick<Delivery, 'destinationKind' | 'destination'>): void;
  /** Writes the failures held back since each kind's last line (at stop: no later line would say them). */
  stop(): void;
  /** Slack refuses the bot token (its code, and since when): nothing reaches Slack. Null otherwise. */
  slackTokenRefused(): SlackTokenRefusal | null;
  /**
   * The start-up check (src/slack/tokenCheck.ts) saw the token refused, and said so in the log: from now on /healthz
   * and /metrics say it too, not only once a relayed SMS's post fails (never, with no SMS coming in).
   */
  slackTokenRefusedAtStart(code: string): void;
  /**
   * The check of Slack's time every 10 minutes (auth.test) saw the token refused, or accepted: a token revoked while no
   * SMS came in (the app uninstalled overnight) was said by nothing, /healthz answering ok, until the next SMS's post.
   */
  slackTokenChecked(refusedCode: string | null): void;
  /**
   * Slack said the app was uninstalled or its bot token revoked (an event, src/slack/listeners/events/tokenRevocation.ts):
   * said at once, where before the next auth.test (up to 10 minutes) or a relayed SMS's post was the first to tell.
   */
  slackTokenRevoked(by: SlackTokenRevocation): void;
}

/** Slack refuses SLACK_BOT_TOKEN: its code, since when, and the event that said it was revoked, when one did. */
export interface SlackTokenRefusal {
  code: string;
  since: number;
  revokedBy?: SlackTokenRevocation;
  /**
   * Slack's own word that the token is gone for good (a revocation event, or auth.test answering token_revoked or
   * account_inactive): relayed posts wait, none tried, until an auth.test passes. A refusal seen by a post alone, or
   * invalid_auth (which can be Slack's own error), goes on being tried.
   */
  held?: true;
}

/**
 * auth.test's answers that say the token itself is gone (the app uninstalled, its token revoked, the bot deactivated),
 * as an app_uninstalled or tokens_revoked event does. After a restart no event is left to say it: an uninstall's
 * token_revoked at the start-up check had each relayed SMS's post tried and refused for 24 h until it died.
 */
const GONE_FOR_GOOD: ReadonlySet<string> = new Set(['token_revoked', 'account_inactive']);
const refusalOf = (code: string, since: number): SlackTokenRefusal =>
  GONE_FOR_GOOD.has(code) ? { code, since, held: true } : { code, since };

const tokenRefusedWords = (code: string) =>
  `Slack refuses SLACK_BOT_TOKEN (${code}): nothing reaches Slack (relayed SMS wait in the outbox, alerts and answers are not posted) until the token is replaced (OAuth & Permissions → Bot User OAuth Token) and smsops restarted; the relay to PortSIP goes on, /healthz answers 503`;

/**
 * Says failing deliveries in the log, which otherwise only /metrics counted: with every attempt failing, an operator
 * reading the log saw nothing. One warning per destination and kind of failure at once, then at most one a minute
 * with the count since the last; once the destination answers again, one line says so, with how long it failed and
 * the failures not said yet (so the lines' counts add up to /metrics'). A destination that goes quiet instead (its
 * deliveries dead, moved or replayed elsewhere) has its held-back count said within two minutes, and at stop. A refused
 * Slack token is said once, at error level, since no retry can help it.
 */
export function createAttemptFailures(options: { logger: Logger; now: () => number }): AttemptFailures {
  const { logger, now } = options;
  const seen = new Map<string, Seen>();
  /** Ticks once a minute while failures are held back: unref'd, it never keeps the process up. */
  let quietTimer: NodeJS.Timeout | undefined;
  /**
   * Per kind and destination: since when it fails (null once it answered again and that was said), and when its last
   * "answers again" line was written. Looked up by kind then destination: a delivery builds no key string.
   */
  const failing = {
    portsip: new Map<string, { since: number | null; recoveryLoggedAt: number }>(),
    slack: new Map<string, { since: number | null; recoveryLoggedAt: number }>(),
  };
  let tokenRefused: SlackTokenRefusal | null = null;

  const forgetQuiet = (at: number) => {
    if (seen.size < REMEMBERED) return;
    for (const [key, entry] of seen) if (at - entry.loggedAt > 10 * FAILURE_LOG_EVERY_MS) seen.delete(key);
  };

  const noteTokenRefusal = (delivery: Pick<Delivery, 'destinationKind'>, error: string, at: number) => {
    const slackCode = delivery.destinationKind === 'slack' && /^Slack: (\w+)$/.exec(error)?.[1];
    if (!slackCode || !SLACK_TOKEN_REFUSALS.has(slackCode) || tokenRefused !== null) return;
    tokenRefused = { code: slackCode, since: at };
    logger.error(tokenRefusedWords(slackCode));
  };

  /** The failures after an entry's last line, said now: no later failure of that kind may come to say them. */
  const sayHeldBack = (entry: Seen, at: number) => {
    logger.warn('relay attempts failed since the last warning and were not said yet (`/sms relay status` shows them)', {
      kind: entry.kind,
      destination: destinationWords(entry.kind, entry.destination),
      error: entry.error,
      failedAttempts: entry.unlogged,
      sinceSeconds: Math.round((at - entry.loggedAt) / 1000),
      lastWavixMessageId: loggedMessageId(entry.lastWavixMessageId),
      lastAttempt: entry.lastAttempt,
    });
    entry.loggedAt = at;
    entry.unlogged = 0;
  };
  const sayQuiet = (all: boolean) => {
    const at = now();
    let holding = false;
    for (const entry of seen.values()) {
      if (entry.unlogged === 0) continue;
      if (all || at - entry.loggedAt >= FAILURE_LOG_EVERY_MS) sayHeldBack(entry, at);
      else holding = true;
    }
    if (!holding) {
      clearInterval(quietTimer);
      quietTimer = undefined;
    }
  };

  return {
    died: (delivery, outcome) => noteTokenRefusal(delivery, failureKind(outcome), now()),
    failed: (delivery, outcome, wavixMessageId = null) => {
      const error = failureKind(outcome);
      const at = now();
      noteTokenRefusal(delivery, error, at);
      const destinations = failing[delivery.destinationKind];
      const state = destinations.get(delivery.destination);
      if (state) state.since ??= at;
      else if (destinations.size < REMEMBERED)
        destinations.set(delivery.destination, { since: at, recoveryLoggedAt: Number.NEGATIVE_INFINITY });
      const key = `${delivery.destinationKind}\n${delivery.destination}\n${error}`;
      const entry = seen.get(key);
      if (entry && at - entry.loggedAt < FAILURE_LOG_EVERY_MS) {
        entry.unlogged += 1;
        entry.lastWavixMessageId = wavixMessageId;
        entry.lastAttempt = delivery.attempts + 1;
        // Said by the next failure of its kind after a minute, or by its recovery: a destination that gets neither
        // (no SMS for it any more) has the count said by this tick, else the log's counts never reach /metrics'.
        if (quietTimer === undefined) {
          quietTimer = setInterval(() => sayQuiet(false), FAILURE_LOG_EVERY_MS);
          quietTimer.unref?.();
        }
        return;
      }
      forgetQuiet(at);
      logger.warn('relay attempts fail; retried with backoff (`/sms relay status` shows them)', {
        kind: delivery.destinationKind,
        destination: destinationWords(delivery.destinationKind, delivery.destination),
        error,
        failedAttempts: (entry?.unlogged ?? 0) + 1,
        ...(entry ? { sinceSeconds: Math.round((at - entry.loggedAt) / 1000) } : {}),
        // The attempt this line was written for (the last to fail), so `/sms relay status` or a grep finds its message.
        lastWavixMessageId: loggedMessageId(wavixMessageId),
        lastAttempt: delivery.attempts + 1,
      });
      seen.set(key, {
        kind: delivery.destinationKind,
        destination: delivery.destination,
        error,
        loggedAt: at,
        unlogged: 0,
        lastWavixMessageId: null,
        lastAttempt: 0,
      });
    },
    delivered: (delivery) => {
      if (delivery.destinationKind === 'slack' && tokenRefused !== null) {
        logger.info('Slack accepts SLACK_BOT_TOKEN again', { refusedFor: tokenRefused.code });
        tokenRefused = null;
      }
      const state = failing[delivery.destinationKind].get(delivery.destination);
      if (state?.since == null) return;
      const at = now();
      // A destination that fails every other attempt is said at most once a minute; the failures stay counted till then.
      if (at - state.recoveryLoggedAt < FAILURE_LOG_EVERY_MS) return;
      // The failures held back since each kind's last line are said now: once it works, no later failure would.
      const prefix = `${delivery.destinationKind}\n${delivery.destination}\n`;
      let unlogged = 0;
      for (const [key, entry] of seen)
        if (key.startsWith(prefix)) {
          unlogged += entry.unlogged;
          // A new outage is said at once.
          seen.delete(key);
        }
      logger.info('relay destination answers again', {
        kind: delivery.destinationKind,
        destination: destinationWords(delivery.destinationKind, delivery.destination),
        failingForSeconds: Math.round((at - state.since) / 1000),
        failedAttempts: unlogged,
      });
      state.since = null;
      state.recoveryLoggedAt = at;
    },
    stop: () => sayQuiet(true),
    slackTokenRefused: () => tokenRefused,
    slackTokenRefusedAtStart: (code) => {
      if (SLACK_TOKEN_REFUSALS.has(code)) tokenRefused ??= refusalOf(code, now());
    },
    slackTokenChecked: (refusedCode) => {
      if (refusedCode === null) {
        if (tokenRefused === null) return;
        logger.info('Slack accepts SLACK_BOT_TOKEN again (auth.test)', { refusedFor: tokenRefused.code });
        tokenRefused = null;
        return;
      }
      if (!SLACK_TOKEN_REFUSALS.has(refusedCode)) return;
      // A refusal first seen by a post (not held) is held once auth.test says the token is gone.
      if (tokenRefused !== null) {
        if (tokenRefused.held === undefined && GONE_FOR_GOOD.has(refusedCode)) tokenRefused = { ...tokenRefused, held: true };
        return;
      }
      tokenRefused = refusalOf(refusedCode, now());
      logger.error(tokenRefusedWords(refusedCode));
    },
    slackTokenRevoked: (by) => {
      // An uninstall sends both events (in either order): one error line. A refusal already said by a call (auth.test,
      // a post) takes the event's words, which say why and what to do, without a second line.
      if (tokenRefused === null) logger.error(slackTokenRevocationWords(by));
      if (tokenRefused?.revokedBy !== undefined) return;
      tokenRefused = { code: by, since: tokenRefused?.since ?? now(), revokedBy: by, held: true };
    },
  };
}
