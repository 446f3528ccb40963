import { type LookupRound, lookUpUnknownReplies, type ReplyLookupDeps } from '../core/conversations/replyLookup.js';
import { lookupBackoffMs, REPLY_LOOKUP_MAX_AGE_MS } from '../core/conversations/replyLookupSchedule.js';
import type { ConversationRepliesRepository } from '../core/ports/conversationReplies.js';
import { duration } from '../core/wording.js';
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
}

/**
 * The `reply-lookups` job: each minute, the replies whose send's outcome is unknown and whose look is due are looked
 * up at Wavix by their tag (core/conversations/replyLookup.ts). A run Wavix does not answer is recorded failed and
 * counted; the runs after it call Wavix again only once its back-off (1, 2, 4… minutes, at most 30) is over.
 */
export function createReplyLookupJob(deps: {
  wavix: Pick<WavixClient, 'messages'>;
  replies: ReplyLookupDeps['replies'] & Pick<ConversationRepliesRepository, 'awaitingLookup' | 'dueForLookup'>;
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
  let failing: { since: number; error: string; inARow: number; retryAt: number } | null = null;

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
      return { outcome: 'ok', summary: done };
    },
    idle: () => {
      const now = deps.now();
      return failing === null && deps.replies.dueForLookup(now, now - REPLY_LOOKUP_MAX_AGE_MS, 1).length === 0;
    },
    health: () => ({
      waiting: deps.replies.awaitingLookup(deps.now() - REPLY_LOOKUP_MAX_AGE_MS),
      failing: failing && { since: failing.since, error: failing.error, inARow: failing.inARow },
    }),
  };
}
