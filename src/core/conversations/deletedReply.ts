import { describeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { AuditRepository } from '../ports/audit.js';
import type { ConversationRepliesRepository, ReplyStatus } from '../ports/conversationReplies.js';
import { replyAuditEntry } from './replyFromThread.js';

/** Why a reply deleted while it waited its turn was not sent (its status reason and audit detail). */
export const DELETED_BEFORE_SENT = 'its writer deleted it in Slack before it went out';

/** What became of a reply whose Slack message was deleted: `withdrawn` when the deletion stopped it in time. */
export interface DeletedReply {
  status: ReplyStatus;
  withdrawn: boolean;
}

/**
 * The reply taken from the deleted Slack message at `ts`, if any. Still waiting its turn (queued behind the thread's
 * earlier replies, or its checks), it is not sent: a person who deletes a reply means it not to go, and its send has
 * not begun. Once begun, the SMS is the customer's whatever Slack shows: the caller says so to its writer.
 */
export function replyDeleted(
  deps: {
    replies: Pick<ConversationRepliesRepository, 'bySlackMessage' | 'withdraw'>;
    audit: Pick<AuditRepository, 'record'>;
    logger: Logger;
  },
  channel: string,
  ts: string,
): DeletedReply | undefined {
  const reply = deps.replies.bySlackMessage(channel, ts);
  if (!reply) return undefined;
  if (reply.status !== 'queued') return { status: reply.status, withdrawn: false };
  const withdrawn = deps.replies.withdraw(reply.id, DELETED_BEFORE_SENT);
  if (!withdrawn) {
    // Its send began in between.
    const now = deps.replies.bySlackMessage(channel, ts);
    return now ? { status: now.status, withdrawn: false } : undefined;
  }
  try {
    deps.audit.record(replyAuditEntry(withdrawn, 'refused', DELETED_BEFORE_SENT, 'deleted_in_slack'));
  } catch (error) {
    deps.logger.error('a reply could not be audited', { error: describeError(error) });
  }
  return { status: withdrawn.status, withdrawn: true };
}
