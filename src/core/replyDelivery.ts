import { replyAuditEntry } from './conversations/replyAudit.js';
import { NO_RECORD_AT_WAVIX_REASON } from './conversations/replyLookupSchedule.js';
import { parseReplyTag } from './conversations/replyTag.js';
import { readWavixDeliveryStatus } from './model/wavixDeliveryStatus.js';
import type { AuditRepository } from './ports/audit.js';
import {
  type ConversationRepliesRepository,
  type ConversationReply,
  FINAL_REPLY_STATUSES,
  type ReplyStatus,
} from './ports/conversationReplies.js';
import type { ReplyReportChecksRepository } from './ports/replyReportChecks.js';

/**
 * A delivery report that may be about a reply sent from Slack: the reply moves forward to the reported status (with
 * Wavix's reason when it failed). Returns the reply when it changed; undefined when the message is no reply, the
 * status is not one of Wavix's, or the report changes nothing (a repeat, or an interim status after a final one).
 * A report that arrives before smsops recorded the reply's Wavix id is stored with the other reports and applied
 * when the id is recorded (ConversationRepliesRepository.submitted), or links the reply by its tag.
 */
export function applyReplyDeliveryReport(
  replies: Pick<ConversationRepliesRepository, 'applyDeliveryStatus' | 'linkTaggedSend' | 'byWavixMessageId'>,
  report: { wavixMessageId: string; status: string; error: string | null; tag?: string | null; segments?: number | null },
  audit?: Pick<AuditRepository, 'record'>,
): ConversationReply | undefined {
  const status = readWavixDeliveryStatus(report.status);
  if (status === undefined) return undefined;
  // A send whose answer was lost (a 5xx, a timeout, a broken connection) left the reply without Wavix's id: the
  // reply's own tag in the report says which reply it is, so its status line can move on from "May have been sent".
  const tagged = parseReplyTag(report.tag);
  if (tagged) replies.linkTaggedSend(tagged.slackChannel, tagged.slackMessageTs, report.wavixMessageId);
  const before = audit ? replies.byWavixMessageId(report.wavixMessageId) : undefined;
  const changed = replies.applyDeliveryStatus(report.wavixMessageId, status, report.error, undefined, report.segments);
  // Its send was audited "unknown": Wavix reporting on it proves Wavix took it, which the audit says beside it.
  if (changed && before?.status === 'unknown') {
    audit?.record(
      replyAuditEntry(changed, 'ok', `Wavix reported it ${changed.status}: the send whose outcome was unknown went out`),
    );
  }
  // Its send was refused with a 4xx, or its look-ups found no record of it at Wavix, yet Wavix reports on it by the
  // reply's tag: it went out after all.
  if (changed && before?.status === 'failed') {
    const what = before.statusReason === NO_RECORD_AT_WAVIX_REASON ? 'the send it had no record of' : 'the send it refused';
    audit?.record(replyAuditEntry(changed, 'ok', `Wavix reported it ${changed.status}: ${what} went out`));
  }
  return changed;
}

/** A report as the webhook read it. */
export interface ReplyReportFields {
  wavixMessageId: string;
  status: string;
  error: string | null;
  tag?: string | null;
  segments?: number | null;
}

/** The statuses a reply takes a Wavix id in from a report carrying its tag (as linkTaggedSend's own condition). */
const LINKABLE: ReadonlySet<ReplyStatus> = new Set(['sending', 'unknown', 'failed']);

/**
 * Whether `status` would settle `reply` for good: a final status where the reply had none (`dlr_expired`, "no report
 * came in time", and `failed` linked to a Wavix message still give way to a real outcome).
 */
const settlesFirst = (reply: ConversationReply, status: ReplyStatus) =>
  FINAL_REPLY_STATUSES.has(status) &&
  reply.status !== status &&
  (!FINAL_REPLY_STATUSES.has(reply.status) || reply.status === 'dlr_expired' || reply.status === 'failed');

/**
 * What a delivery report is to the replies: about none (`none`, most reports: the account's other traffic), one it may
 * simply move on (`apply`: an interim status, a repeat), or one it would change past undoing (`confirm`): it links a
 * Wavix id the reply did not know (by the reply's tag), or gives it its first final status. Whoever holds the webhook
 * secret can post such a report (a reply's tag is in its Slack link, its Wavix id on its status line), and a second
 * final status, or a second id, is ignored: so those are confirmed at Wavix first (./conversations/replyReportChecks.ts).
 */
export function replyReportKind(
  replies: Pick<ConversationRepliesRepository, 'bySlackMessage' | 'byWavixMessageId'>,
  report: ReplyReportFields,
): { kind: 'none' | 'apply' } | { kind: 'confirm'; reply: ConversationReply } {
  const status = readWavixDeliveryStatus(report.status);
  if (status === undefined) return { kind: 'none' };
  const tagged = parseReplyTag(report.tag);
  const byTag = tagged ? replies.bySlackMessage(tagged.slackChannel, tagged.slackMessageTs) : undefined;
  if (byTag && byTag.wavixMessageId === null && LINKABLE.has(byTag.status)) return { kind: 'confirm', reply: byTag };
  const byId = byTag?.wavixMessageId === report.wavixMessageId ? byTag : replies.byWavixMessageId(report.wavixMessageId);
  if (byId === undefined) return { kind: byTag ? 'apply' : 'none' };
  return settlesFirst(byId, status) ? { kind: 'confirm', reply: byId } : { kind: 'apply' };
}

/**
 * A delivery report at the webhook: applied to its reply at once when it cannot change it past undoing, else held for
 * Wavix's confirmation (`held`: the caller starts the check once the report is committed). A report about no reply
 * costs one indexed read (two with a reply's tag), and nothing is held for it.
 */
export function takeReplyDeliveryReport(
  deps: {
    replies: Pick<
      ConversationRepliesRepository,
      'applyDeliveryStatus' | 'linkTaggedSend' | 'byWavixMessageId' | 'bySlackMessage'
    >;
    checks: Pick<ReplyReportChecksRepository, 'hold'>;
    audit?: Pick<AuditRepository, 'record'> | undefined;
    now: () => number;
  },
  report: ReplyReportFields,
): { reply?: ConversationReply; held?: 'held' | 'repeat' | 'too_many' } {
  const kind = replyReportKind(deps.replies, report);
  if (kind.kind === 'none') return {};
  if (kind.kind === 'confirm') {
    const held = deps.checks.hold({
      replyId: kind.reply.id,
      wavixMessageId: report.wavixMessageId,
      status: report.status,
      error: report.error,
      segments: report.segments ?? null,
      receivedAt: deps.now(),
    });
    return { held };
  }
  const reply = applyReplyDeliveryReport(deps.replies, report, deps.audit);
  return reply ? { reply } : {};
}
