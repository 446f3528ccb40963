import { describeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { readWavixDeliveryStatus } from '../model/wavixDeliveryStatus.js';
import type { AuditRepository } from '../ports/audit.js';
import type { ConversationRepliesRepository, ConversationReply } from '../ports/conversationReplies.js';
import type { ReplyNotifier } from '../ports/replyNotifier.js';
import { WavixCallFailure } from '../ports/wavixFailure.js';
import { applyReplyDeliveryReport } from '../replyDelivery.js';
import { replyAuditEntry } from './replyAudit.js';
import {
  lookupBackoffMs,
  NO_RECORD_AT_WAVIX_REASON,
  REPLY_LOOKUP_AFTER_MS,
  REPLY_LOOKUP_MAX_AGE_MS,
} from './replyLookupSchedule.js';
import { replyTagOf } from './replyTag.js';

/** A message Wavix lists for a tag, as far as settling a reply needs it. */
export interface TaggedSend {
  message_id: string;
  tag?: string | null | undefined;
  status: string;
  segments?: number | null | undefined;
  error_message?: string | null | undefined;
}

export interface ReplyLookupDeps {
  replies: Pick<
    ConversationRepliesRepository,
    | 'dueForLookup'
    | 'lookupAgainAt'
    | 'restartLookupCounts'
    | 'noRecordAtWavix'
    | 'applyDeliveryStatus'
    | 'linkTaggedSend'
    | 'byWavixMessageId'
  >;
  audit: Pick<AuditRepository, 'record'>;
  /**
   * Wavix's outbound messages sent with `tag` on the days from `sentAfter` to `sentBefore` (YYYY-MM-DD, UTC);
   * `complete` false: Wavix listed more than was read, so a tag not among them may still be on its list.
   */
  tagged(tag: string, sentAfter: string, sentBefore: string): Promise<{ items: TaggedSend[]; complete: boolean }>;
  notifier: Pick<ReplyNotifier, 'showReplyStatus'>;
  logger: Logger;
  now: () => number;
}

/** What one round of look-ups did; `failed`: Wavix did not answer one, so the round stopped there. */
export interface LookupRound {
  found: number;
  noRecord: number;
  notYet: number;
  failed: { error: string } | null;
}

/** Look-ups one round makes at most: each is a Wavix request. */
const ROUND_LIMIT = 20;

/** Wavix's days are read in UTC (the emulator's reading; the OpenAPI names no zone): a day either side covers any. */
const DAY_MS = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Replies whose send's outcome is unknown ("May have been sent") looked up at Wavix by the tag they were sent with,
 * those whose look is due. Found: it moves on as the delivery report carrying its tag would have moved it (same
 * words, same audit). Not found: counted, and after the last look (REPLY_LOOKUP_AFTER_MS) it is "Not sent", since
 * Wavix keeps no record of it. Wavix not answering changes nothing on the line: the reply is looked up again after
 * `failuresInARow`'s back-off, and the round stops (the next one tries the others).
 */
export async function lookUpUnknownReplies(deps: ReplyLookupDeps, failuresInARow: number): Promise<LookupRound> {
  const round: LookupRound = { found: 0, noRecord: 0, notYet: 0, failed: null };
  const now = deps.now();
  for (const { reply, lookups } of deps.replies.dueForLookup(now, now - REPLY_LOOKUP_MAX_AGE_MS, ROUND_LIMIT)) {
    const tag = replyTagOf(reply);
    let listed: { items: TaggedSend[]; complete: boolean };
    try {
      listed = await deps.tagged(tag, dayOf(reply.createdAt - DAY_MS), dayOf(now + DAY_MS));
    } catch (error) {
      deps.replies.lookupAgainAt(reply.id, deps.now() + lookupBackoffMs(failuresInARow + 1), false);
      deps.replies.restartLookupCounts();
      deps.logger.warn('a reply of unknown outcome could not be looked up at Wavix', {
        replyId: reply.id,
        ...(error instanceof WavixCallFailure ? { failure: error.kind, status: error.status } : { error: describeError(error) }),
      });
      round.failed = { error: error instanceof WavixCallFailure ? error.userMessage : describeError(error) };
      return round;
    }
    // Exact: a tag is one reply's, whatever Wavix's filter matches.
    const sent = likeliestReached(listed.items.filter((message) => message.tag === tag));
    if (sent) {
      await found(deps, reply, sent, tag);
      round.found += 1;
    } else if (!listed.complete) {
      // Wavix matched the tag loosely and listed more than was read: not a look without a record of it, which would
      // tell its writer to post again a reply that may be on a later page. Looked up again at the last look's gap.
      deps.replies.lookupAgainAt(reply.id, deps.now() + (REPLY_LOOKUP_AFTER_MS.at(-1) as number), false);
      deps.logger.warn('a reply of unknown outcome was not among the messages Wavix listed for its tag, which went on', {
        replyId: reply.id,
        listed: listed.items.length,
      });
      round.notYet += 1;
    } else if (await noRecord(deps, reply, lookups + 1)) round.noRecord += 1;
    else round.notYet += 1;
  }
  return round;
}

/**
 * The tag listed more than once (a send Wavix made twice): the customer has the reply if any copy reached them, so the
 * copy furthest along towards them speaks for it. The first listed, a failed copy, made the line "Undelivered: …"
 * while another was delivered, inviting its writer to send a third (a probe).
 */
const TOWARDS_THE_CUSTOMER: Readonly<Record<string, number>> = { delivered: 5, sent: 4, pending: 3, accepted: 2, dlr_expired: 1 };
function likeliestReached(copies: TaggedSend[]): TaggedSend | undefined {
  const rank = (copy: TaggedSend) => TOWARDS_THE_CUSTOMER[readWavixDeliveryStatus(copy.status) ?? 'accepted'] ?? 0;
  return copies.reduce<TaggedSend | undefined>(
    (best, copy) => (best === undefined || rank(copy) > rank(best) ? copy : best),
    undefined,
  );
}

/** Wavix lists the send: applied as its delivery report would be, and its status line moves on. */
async function found(deps: ReplyLookupDeps, reply: ConversationReply, sent: TaggedSend, tag: string): Promise<void> {
  // A status Wavix does not document still says it took the SMS: read as accepted ("Sent"), as a send's answer is.
  const status = readWavixDeliveryStatus(sent.status) ? sent.status : 'accepted';
  const changed = applyReplyDeliveryReport(
    deps.replies,
    { wavixMessageId: sent.message_id, status, error: sent.error_message ?? null, tag, segments: sent.segments ?? null },
    deps.audit,
  );
  deps.logger.info('a reply of unknown outcome was found at Wavix', { replyId: reply.id, status: changed?.status ?? status });
  if (changed) await deps.notifier.showReplyStatus(changed);
  // Linked, but its status moved nothing (another reply holds the Wavix id?): looked up again later rather than lost.
  else deps.replies.lookupAgainAt(reply.id, deps.now() + (REPLY_LOOKUP_AFTER_MS.at(-1) as number), false);
}

/**
 * Wavix has no record of it this time. After the last look, at least as long after the send as the schedule's last
 * gap, it was not sent: said on its line, audited failed. Before that, the next look is set, the schedule's gap after
 * this one at least. `looks` counts the answered looks since Wavix last failed one. Returns whether it is settled.
 */
async function noRecord(deps: ReplyLookupDeps, reply: ConversationReply, looks: number): Promise<boolean> {
  const now = deps.now();
  const sinceUnknown = now - reply.statusAt;
  const last = REPLY_LOOKUP_AFTER_MS.at(-1) as number;
  if (looks >= REPLY_LOOKUP_AFTER_MS.length && sinceUnknown >= last) {
    const settled = deps.replies.noRecordAtWavix(reply.id, NO_RECORD_AT_WAVIX_REASON);
    // A delivery report linked it meanwhile: that report has said where it stands.
    if (!settled) return false;
    deps.audit.record(
      replyAuditEntry(settled, 'failed', `Wavix has no record of it after ${looks} looks by its tag: the send was not made`),
    );
    deps.logger.info('a reply of unknown outcome was not sent: Wavix has no record of it', { replyId: reply.id });
    await deps.notifier.showReplyStatus(settled);
    return true;
  }
  // The schedule's gaps hold between the looks Wavix answered, not only since the send: after an outage (a failed look
  // starts every reply's count again), looks due long since came a minute apart, and the one deciding "not sent, post
  // it again" came seconds after Wavix was back, its list perhaps still catching up (a probe).
  const step = Math.min(looks, REPLY_LOOKUP_AFTER_MS.length - 1);
  const gap = (REPLY_LOOKUP_AFTER_MS[step] as number) - (REPLY_LOOKUP_AFTER_MS[step - 1] ?? 0);
  const next = REPLY_LOOKUP_AFTER_MS[step] as number;
  deps.replies.lookupAgainAt(reply.id, Math.max(reply.statusAt + next, now + gap), true);
  return false;
}
