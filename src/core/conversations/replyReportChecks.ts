import { describeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { readWavixDeliveryStatus } from '../model/wavixDeliveryStatus.js';
import type { AuditRepository } from '../ports/audit.js';
import {
  type ConversationRepliesRepository,
  type ConversationReply,
  FINAL_REPLY_STATUSES,
} from '../ports/conversationReplies.js';
import type { ReplyNotifier } from '../ports/replyNotifier.js';
import type { HeldReplyReport, ReplyReportChecksRepository } from '../ports/replyReportChecks.js';
import { WavixCallFailure } from '../ports/wavixFailure.js';
import { applyReplyDeliveryReport } from '../replyDelivery.js';
import type { TaggedSend } from './replyLookup.js';
import { lookupBackoffMs } from './replyLookupSchedule.js';
import { replyTagOf } from './replyTag.js';

export interface ReplyReportCheckDeps {
  checks: Pick<ReplyReportChecksRepository, 'due' | 'askAgainAt' | 'decide'>;
  replies: Pick<ConversationRepliesRepository, 'get' | 'applyDeliveryStatus' | 'linkTaggedSend' | 'byWavixMessageId'>;
  audit: Pick<AuditRepository, 'record'>;
  /** Wavix's record of a message (`GET /v3/messages/{id}`), or null when Wavix has none (404). Throws when not answered. */
  message(wavixMessageId: string): Promise<TaggedSend | null>;
  notifier: Pick<ReplyNotifier, 'showReplyStatus'>;
  /** A report Wavix contradicted: counted and logged by the caller (never its id, number or text). */
  onRefused(why: RefusalReason): void;
  logger: Logger;
  now: () => number;
}

export type RefusalReason = 'unknown_at_wavix' | 'other_reply' | 'other_status' | 'never_agreed';

export interface CheckRound {
  applied: number;
  refused: number;
  notYet: number;
  /**
   * Wavix answered about one message in a way that says nothing of it (a shape smsops cannot read, a 4xx other than
   * 404): kept and asked again later, but the round goes on, since Wavix itself answers.
   */
  unreadable: number;
  /** Wavix did not answer one: the round stopped there, its report kept for the next. */
  failed: { error: string } | null;
}

/** Checks one round makes at most: each is a Wavix request, and replies are few. */
const ROUND_LIMIT = 20;

/**
 * Failures that are Wavix's answer about the one message asked for, not Wavix being unreachable: its record in a shape
 * smsops cannot read, or a request refused for that id. Stopping the round (and the reply-lookups job's look-ups with
 * it) on one of them held every other reply up behind one odd record, for good.
 */
const ABOUT_THIS_MESSAGE: ReadonlySet<string> = new Set(['invalid_response', 'bad_request', 'validation', 'too_large']);

/**
 * How long a held report may wait for Wavix to agree (its record still says an earlier status): a carrier's final
 * report can come up to 3 days after the send (README, Secrets). Past it, it is refused: Wavix never said so.
 */
export const HELD_REPORT_MAX_AGE_MS = 3 * 24 * 60 * 60_000;

type Verdict =
  | { kind: 'apply'; status: string; error: string | null; segments: number | null }
  | {
      kind: 'refuse';
      why: RefusalReason;
      /**
       * Wavix's own final status when it contradicts the report's: applied all the same. A report past the reply's
       * cap of waiting ones (MAX_HELD_PER_REPLY) is not held, so forged ones filling it ahead of the real outcome lost
       * it; Wavix's record is what the real report would have said.
       */
      record?: { status: string; error: string | null; segments: number | null };
    }
  | { kind: 'not_yet' };

/**
 * What Wavix's record says of a held report. The message must exist (or, for the id the reply holds, be waited for);
 * carry the reply's tag unless the reply already holds its id (which came from Wavix: the OpenAPI lists `tag` on a
 * message, but whether and how Wavix returns it is not documented); and its status must not contradict the report:
 * another final status refuses it, an earlier one (Wavix's record lagging its reports, undocumented) waits. What is
 * applied is Wavix's record, not the report's words.
 */
export function judgeHeldReport(held: HeldReplyReport, reply: ConversationReply, wavix: TaggedSend | null): Verdict {
  // The reply's own id came from Wavix (its answer to the send, or a report Wavix confirmed by the tag): it is this
  // reply's message whatever the record's tag says (Wavix may return it trimmed, cut or recased: undocumented), and a
  // record Wavix does not find yet is its record lagging, not a forgery. Refusing either lost a genuine final status:
  // a second one is never taken.
  const knowsId = reply.wavixMessageId === held.wavixMessageId;
  if (wavix === null && knowsId) return { kind: 'not_yet' };
  if (wavix === null || wavix.message_id !== held.wavixMessageId) return { kind: 'refuse', why: 'unknown_at_wavix' };
  if (!knowsId && wavix.tag !== replyTagOf(reply)) return { kind: 'refuse', why: 'other_reply' };
  const reported = readWavixDeliveryStatus(held.status);
  const recorded = readWavixDeliveryStatus(wavix.status);
  const reportedFinal = reported !== undefined && FINAL_REPLY_STATUSES.has(reported);
  const recordedFinal = recorded !== undefined && FINAL_REPLY_STATUSES.has(recorded);
  // "No receipt in the expected window" is the one final status a late carrier receipt still ends (its rank,
  // ../model/wavixDeliveryStatus.ts): a real outcome reported over it waits for Wavix's record to catch up.
  if (reportedFinal && recorded === 'dlr_expired' && reported !== 'dlr_expired') return { kind: 'not_yet' };
  if (reportedFinal && recordedFinal && reported !== recorded)
    return {
      kind: 'refuse',
      why: 'other_status',
      record: { status: recorded, error: wavix.error_message ?? null, segments: wavix.segments ?? held.segments },
    };
  if (reportedFinal && !recordedFinal) return { kind: 'not_yet' };
  return {
    kind: 'apply',
    // A status Wavix does not document still says it took the SMS: read as accepted, as a send's answer is.
    status: recorded ?? 'accepted',
    error: wavix.error_message ?? held.error,
    segments: wavix.segments ?? held.segments,
  };
}

/**
 * The held delivery reports of replies whose check is due, each confirmed at Wavix: applied as Wavix records it when
 * Wavix agrees (the status line moves on, audited as the report would have been), refused when it contradicts it,
 * asked again later when its record has not caught up, or when Wavix does not answer (the round stops there: the
 * report is kept, never applied unconfirmed nor dropped).
 */
export async function checkHeldReplyReports(deps: ReplyReportCheckDeps, failuresInARow: number): Promise<CheckRound> {
  const round: CheckRound = { applied: 0, refused: 0, notYet: 0, unreadable: 0, failed: null };
  for (const held of deps.checks.due(deps.now(), ROUND_LIMIT)) {
    const reply = deps.replies.get(held.replyId);
    if (!reply) {
      deps.checks.decide(held.id, 'refused');
      continue;
    }
    let wavix: TaggedSend | null;
    try {
      wavix = await deps.message(held.wavixMessageId);
    } catch (error) {
      // Never confirmed in the time a genuine report has to be (Wavix down for days, or its record never readable):
      // given up as one Wavix never agreed with, instead of held, and asked about, for good.
      if (deps.now() - held.receivedAt >= HELD_REPORT_MAX_AGE_MS) {
        deps.checks.decide(held.id, 'refused');
        deps.onRefused('never_agreed');
        round.refused += 1;
        continue;
      }
      // Wavix refusing to look up an id the reply does not hold (a 400/422: not an id of its own) says it has no such
      // message, as a 404 does: refused at once, so a forged report does not hold one of the reply's waiting places.
      if (
        error instanceof WavixCallFailure &&
        (error.kind === 'bad_request' || error.kind === 'validation') &&
        reply.wavixMessageId !== held.wavixMessageId
      ) {
        deps.checks.decide(held.id, 'refused');
        deps.onRefused('unknown_at_wavix');
        round.refused += 1;
        continue;
      }
      const aboutThisMessage = error instanceof WavixCallFailure && ABOUT_THIS_MESSAGE.has(error.kind);
      deps.checks.askAgainAt(held.id, deps.now() + lookupBackoffMs(aboutThisMessage ? held.tries + 1 : failuresInARow + 1));
      deps.logger.warn("a reply's delivery report could not be confirmed at Wavix: kept, asked again later", {
        replyId: reply.id,
        ...(error instanceof WavixCallFailure ? { failure: error.kind, status: error.status } : { error: describeError(error) }),
      });
      if (aboutThisMessage) {
        round.unreadable += 1;
        continue;
      }
      round.failed = { error: error instanceof WavixCallFailure ? error.userMessage : describeError(error) };
      return round;
    }
    const verdict = judgeHeldReport(held, reply, wavix);
    if (verdict.kind === 'apply') {
      deps.checks.decide(held.id, 'applied');
      const changed = applyReplyDeliveryReport(
        deps.replies,
        { wavixMessageId: held.wavixMessageId, tag: replyTagOf(reply), ...verdict },
        deps.audit,
      );
      round.applied += 1;
      if (changed) await deps.notifier.showReplyStatus(changed);
    } else if (verdict.kind === 'refuse' || deps.now() - held.receivedAt >= HELD_REPORT_MAX_AGE_MS) {
      deps.checks.decide(held.id, 'refused');
      deps.onRefused(verdict.kind === 'refuse' ? verdict.why : 'never_agreed');
      round.refused += 1;
      if (verdict.kind === 'refuse' && verdict.record) {
        const changed = applyReplyDeliveryReport(
          deps.replies,
          { wavixMessageId: held.wavixMessageId, tag: replyTagOf(reply), ...verdict.record },
          deps.audit,
        );
        if (changed) await deps.notifier.showReplyStatus(changed);
      }
    } else {
      deps.checks.askAgainAt(held.id, deps.now() + lookupBackoffMs(held.tries + 1));
      round.notYet += 1;
    }
  }
  return round;
}
