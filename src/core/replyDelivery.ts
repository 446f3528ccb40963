import { WAVIX_DELIVERY_STATUSES } from './model/wavixDeliveryStatus.js';
import type { ConversationRepliesRepository, ConversationReply, ReplyStatus } from './ports/conversationReplies.js';

/** Wavix's delivery statuses a reply can take on; anything else a report says is ignored. */
const WAVIX_STATUSES: ReadonlySet<string> = new Set<ReplyStatus>(WAVIX_DELIVERY_STATUSES);

/**
 * A delivery report that may be about a reply sent from Slack: the reply moves forward to the reported status (with
 * Wavix's reason when it failed). Returns the reply when it changed; undefined when the message is no reply, the
 * status is not one of Wavix's, or the report changes nothing (a repeat, or an interim status after a final one).
 * A report that arrives before smsops recorded the reply's Wavix id is stored with the other reports and applied
 * when the id is recorded (ConversationRepliesRepository.submitted).
 */
export function applyReplyDeliveryReport(
  replies: Pick<ConversationRepliesRepository, 'applyDeliveryStatus'>,
  report: { wavixMessageId: string; status: string; error: string | null },
): ConversationReply | undefined {
  const status = report.status.trim().toLowerCase();
  if (!WAVIX_STATUSES.has(status)) return undefined;
  return replies.applyDeliveryStatus(report.wavixMessageId, status as ReplyStatus, report.error);
}
