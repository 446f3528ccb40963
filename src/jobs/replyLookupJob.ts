import { type LookupRound, lookUpUnknownReplies, type ReplyLookupDeps } from '../core/conversations/replyLookup.js';
import { lookupBackoffMs, REPLY_LOOKUP_MAX_AGE_MS } from '../core/conversations/replyLookupSchedule.js';
import { type CheckRound, checkHeldReplyReports, type ReplyReportCheckDeps } from '../core/conversations/replyReportChecks.js';
import type { ConversationRepliesRepository } from '../core/ports/conversationReplies.js';
import { duration } from '../core/wording.js';
import { describeError } from '../errors.js';
import { warnOncePerMinute } from '../logOncePerMinute.js';
import type { MetricsRegistry } from '../metrics.js';
import { cancellableBy, type WavixClient } from '../wavix/client.js';
import type { JobOutcome } from './scheduler.js';

/** Every minute: the first look is due a minute after a send's outcome became unknown. */
export const REPLY_LOOKUP_SCHEDULE = '* * * * *';

/** Where the look-ups stand, for /healthz: never a reason to fail (no SMS waits on them). */
export interface ReplyLookupHealth {
  /** Replies of unknown outcome still to be looked up. */
  waiting: number;
  /** Wavix has not answered a look-up since then (epoch ms), with its words; null while it answers. */
  failing: { since: number; error: string; inARow: number } | null;
}

export interface ReplyLookupJob {
  run(cancellation?: AbortSignal): Promise<JobOutcome>;
  /** No reply's look is due and Wavix is not being backed off from: a tick has nothing to do or say. */
  idle(): boolean;
  health(): ReplyLookupHealth;
  /**
   * Confirms at Wavix the delivery reports of replies held for it (a webhook just held one): at most one round at a
   * time, another after it when asked meanwhile.
   */
  confirmHeldReports(cancellation?: AbortSignal): Promise<void>;
}

/**
 * The `reply-lookups` job: each minute, the replies whose send's outcome is unknown and whose look is due are looked
 * up at Wavix by their tag (core/conversations/replyLookup.ts). A run Wavix does not answer is recorded failed and
 * counted; the runs after it call Wavix again only once its back-off (1, 2, 4… minutes, at most 30) is over.
 */
export function createReplyLookupJob(deps: {
  wavix: Pick<WavixClient, 'messages'>;
  replies: ReplyLookupDeps['replies'] &
    ReplyReportCheckDeps['replies'] &
    Pick<ConversationRepliesRepository, 'awaitingLookup' | 'dueForLookup'>;
  checks: ReplyReportCheckDeps['checks'];
  audit: ReplyLookupDeps['audit'];
  notifier: ReplyLookupDeps['notifier'];
  metrics: Pick<MetricsRegistry, 'counter'>;
  logger: ReplyLookupDeps['logger'];
  now: () => number;
}): ReplyLookupJob {
  const looks = deps.metrics.counter(
    'smsops_reply_lookups_total',
    'Replies of unknown outcome looked up at Wavix by their tag, by result: found (settled as Wavix says), no_record (not sent, after the last look), not_yet (no record yet, looked up again), failed (Wavix did not answer; looked up again after a back-off).',
    ['result'],
    { initial: (['found', 'no_record', 'not_yet', 'failed'] as const).map((result) => ({ result })) },
  );
  const checked = deps.metrics.counter(
    'smsops_reply_report_checks_total',
    "Delivery reports of replies that would change them past undoing (a new Wavix id, a first final status), confirmed at Wavix before they apply, by result: applied (Wavix agreed), refused (Wavix contradicted it: forged, or not this reply's), not_yet (Wavix's record has not caught up; asked again), failed (Wavix did not answer, or answered about the message in a shape smsops cannot read; kept, asked again, given up after 3 days).",
    ['result'],
    { initial: (['applied', 'refused', 'not_yet', 'failed'] as const).map((result) => ({ result })) },
  );
  // Neither the id nor the number nor Wavix's words: what was refused, and how many since the last line.
  const refusedLine = warnOncePerMinute(
    deps.logger,
    "a reply's delivery report was refused: Wavix's record of the message contradicts it (a forged report, by whoever holds the webhook secret?); the reply is unchanged",
    {},
    { countField: 'refusedSinceLastWarning', now: deps.now },
  );
  let failing: { since: number; error: string; inARow: number; retryAt: number } | null = null;

  const countChecks = (round: CheckRound) => {
    if (round.applied > 0) checked.inc({ result: 'applied' }, round.applied);
    if (round.refused > 0) checked.inc({ result: 'refused' }, round.refused);
    if (round.notYet > 0) checked.inc({ result: 'not_yet' }, round.notYet);
    if (round.unreadable > 0 || round.failed) checked.inc({ result: 'failed' }, round.unreadable + (round.failed ? 1 : 0));
  };
  const checkRound = async (messages: Pick<WavixClient, 'messages'>['messages']): Promise<CheckRound> => {
    const round = await checkHeldReplyReports(
      {
        ...deps,
        message: (id) => messages.record(id),
        onRefused: (why) => refusedLine(why, { reason: why }),
      },
      failing?.inARow ?? 0,
    );
    countChecks(round);
    return round;
  };
  // One round at a time (a webhook's and the job's would apply the same report twice), and one more queued at most.
  let running: Promise<CheckRound> | null = null;
  let queued: Promise<CheckRound> | null = null;
  const checkHeld = (messages: Pick<WavixClient, 'messages'>['messages']): Promise<CheckRound> => {
    if (queued) return queued;
    if (running) {
      const next = running.then(() => {
        queued = null;
        return checkHeld(messages);
      });
      queued = next;
      return next;
    }
    const round = checkRound(messages).finally(() => {
      running = null;
    });
    running = round;
    return round;
  };

  const count = (round: LookupRound) => {
    if (round.found > 0) looks.inc({ result: 'found' }, round.found);
    if (round.noRecord > 0) looks.inc({ result: 'no_record' }, round.noRecord);
    if (round.notYet > 0) looks.inc({ result: 'not_yet' }, round.notYet);
    if (round.failed) looks.inc({ result: 'failed' });
  };

  return {
    run: async (cancellation) => {
      const now = deps.now();
      if (failing && now < failing.retryAt) {
        return {
          outcome: 'skipped',
          reason: `backing off: Wavix did not answer the last look-up (${failing.error}); the next in ${duration(failing.retryAt - now)}`,
        };
      }
      const messages = cancellableBy(deps.wavix, cancellation).messages;
      const checks = await checkHeld(messages);
      const checksDone =
        checks.applied + checks.refused + checks.notYet + checks.unreadable > 0 || checks.failed
          ? `; delivery reports confirmed at Wavix: ${checks.applied} applied, ${checks.refused} refused, ${checks.notYet} not yet${checks.unreadable > 0 ? `, ${checks.unreadable} whose record Wavix answered in a shape smsops cannot read (kept, asked again later)` : ''}`
          : '';
      if (checks.failed) {
        const inARow = (failing?.inARow ?? 0) + 1;
        const backoff = lookupBackoffMs(inARow);
        failing = { since: failing?.since ?? now, error: checks.failed.error, inARow, retryAt: deps.now() + backoff };
        return {
          outcome: 'failed',
          error: `Wavix did not answer the confirmation of a reply's delivery report: ${checks.failed.error.replace(/\.$/, '')}. The report is kept, not applied; asked again in ${duration(backoff)}.`,
        };
      }
      const round = await lookUpUnknownReplies(
        { ...deps, tagged: (tag, after, before) => messages.tagged(tag, after, before) },
        failing?.inARow ?? 0,
      );
      count(round);
      const done = `${round.found} found, ${round.noRecord} not sent (no record at Wavix), ${round.notYet} not yet found`;
      if (round.failed) {
        const inARow = (failing?.inARow ?? 0) + 1;
        const backoff = lookupBackoffMs(inARow);
        failing = { since: failing?.since ?? now, error: round.failed.error, inARow, retryAt: deps.now() + backoff };
        const before = round.found + round.noRecord + round.notYet > 0 ? ` Before it: ${done}.` : '';
        return {
          outcome: 'failed',
          error: `Wavix did not answer the look-up of a reply of unknown outcome: ${round.failed.error.replace(/\.$/, '')}. Its line stays "May have been sent"; the next look in ${duration(backoff)}.${before}`,
        };
      }
      failing = null;
      return { outcome: 'ok', summary: `${done}${checksDone}` };
    },
    idle: () => {
      const now = deps.now();
      return (
        failing === null &&
        deps.replies.dueForLookup(now, now - REPLY_LOOKUP_MAX_AGE_MS, 1).length === 0 &&
        deps.checks.due(now, 1).length === 0
      );
    },
    confirmHeldReports: async (cancellation) => {
      await checkHeld(cancellableBy(deps.wavix, cancellation).messages).catch((error: unknown) =>
        deps.logger.warn("the check of a reply's delivery report at Wavix failed", { error: describeError(error) }),
      );
    },
    health: () => ({
      waiting: deps.replies.awaitingLookup(deps.now() - REPLY_LOOKUP_MAX_AGE_MS),
      failing: failing && { since: failing.since, error: failing.error, inARow: failing.inARow },
    }),
  };
}
