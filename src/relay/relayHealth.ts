import { slackTokenRevocationWords } from '../core/slackToken.js';
import type { WriteHealth } from '../store/writeHealth.js';
import type { SlackTokenRefusal } from './attemptFailures.js';
import type { OutboxWorkerStatus } from './outbox.js';

/** What /healthz and the relay_stalled alert read: the same verdict, so the page and the alert never disagree. */
export interface RelayHealth {
  /** Why the relay is not working, in words; empty when it is. */
  problems: string[];
  /**
   * Why a destination cannot be reached at all while the relay itself works (Slack refusing the token): failing for
   * /healthz, but not a stall, so not `relay_stalled` (an alert Slack would refuse too, tried again every second).
   */
  unreachable: string[];
  db: { writable: boolean; reason: string | null };
  workers: Array<{
    kind: string;
    ok: boolean;
    secondsSinceLoop: number;
    consecutiveErrors: number;
    restarts: number;
    lastError: string | null;
  }>;
}

export function judgeRelayHealth(input: {
  workers: readonly OutboxWorkerStatus[];
  writes: ReturnType<WriteHealth['state']>;
  /** Slack refuses SLACK_BOT_TOKEN (./attemptFailures.ts). */
  slackTokenRefused?: SlackTokenRefusal | null;
  now: number;
}): RelayHealth {
  const problems: string[] = [];
  if (!input.writes.writable) problems.push(`the database cannot be written: ${input.writes.reason ?? 'unknown reason'}`);
  const workers = input.workers.map((w) => {
    const sinceLoop = input.now - w.lastLoopAt;
    const ok = w.running && sinceLoop <= w.expectedIntervalMs;
    if (!ok)
      problems.push(
        `the ${w.kind} delivery worker has not completed a loop for ${Math.round(sinceLoop / 1000)} s` +
          `${w.lastError ? ` (last error: ${w.lastError})` : ''}`,
      );
    return {
      kind: w.kind,
      ok,
      secondsSinceLoop: Math.max(0, Math.round(sinceLoop / 1000)),
      consecutiveErrors: w.consecutiveErrors,
      restarts: w.restarts,
      lastError: w.lastError,
    };
  });
  const refused = input.slackTokenRefused;
  const since = refused && new Date(refused.since).toISOString();
  const unreachable = refused
    ? [
        refused.revokedBy
          ? `${slackTokenRevocationWords(refused.revokedBy)} (since ${since})`
          : `Slack refuses SLACK_BOT_TOKEN (${refused.code}) since ${since}: no relayed SMS, alert or answer reaches Slack until it accepts the token again (a new SLACK_BOT_TOKEN needs a restart)`,
      ]
    : [];
  return { problems, unreachable, db: { writable: input.writes.writable, reason: input.writes.reason }, workers };
}
