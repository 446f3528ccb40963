import { type NewAuditEntry, REPLY_AUDIT_ACTION } from '../model/audit.js';
import type { ConversationReply } from '../ports/conversationReplies.js';

/** Who sent what to whom: never the text itself, only its size. `reason` is the refusal's code. */
export function replyAuditEntry(
  reply: ConversationReply,
  outcome: 'ok' | 'refused' | 'failed' | 'unknown',
  detail: string | null,
  reason: string | null = null,
): NewAuditEntry {
  return {
    actor: reply.slackUser,
    action: REPLY_AUDIT_ACTION,
    target: reply.toNumber,
    params: {
      from: reply.fromNumber,
      to: reply.toNumber,
      length: reply.textLength,
      // What Wavix bills: its count once it gave one, else smsops' estimate.
      segments: reply.wavixSegments ?? reply.segments,
      segmentsCountedBy: reply.wavixSegments === null ? 'smsops' : 'wavix',
      encoding: reply.encoding,
      wavixMessageId: reply.wavixMessageId,
      channel: reply.slackChannel,
      reason,
    },
    outcome,
    detail,
  };
}
