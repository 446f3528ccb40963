import { replyAuditEntry } from './conversations/replyFromThread.js';
import { NO_RECORD_AT_WAVIX_REASON } from './conversations/replyLookupSchedule.js';
import { parseReplyTag } from './conversations/replyTag.js';
import { readWavixDeliveryStatus } from './model/wavixDeliveryStatus.js';
import type { AuditRepository } from './ports/audit.js';
import type { ConversationRepliesRepository, ConversationReply } from './ports/conversationReplies.js';

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
