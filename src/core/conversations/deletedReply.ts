import { describeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { AuditRepository } from '../ports/audit.js';
import type { ConversationRepliesRepository, ReplyStatus } from '../ports/conversationReplies.js';
import { replyAuditEntry } from './replyAudit.js';
import type { SendsInFlight } from './sendsInFlight.js';

/** Why a reply deleted while it waited its turn was not sent (its status reason and audit detail). */
export const DELETED_BEFORE_SENT = 'its writer deleted it in Slack before it went out';

/** Said to the writer of a reply their deletion stopped before it went out. */
export const WITHDRAWN_TEXT = 'Your reply was deleted before it went out: it was not sent to the customer.';

/**
 * How long a deletion of a message no reply was taken from is kept in mind: Slack retries an event it could not
 * deliver (smsops down or unreachable, a socket reconnecting) up to three times over some minutes, in no set order, so
 * a reply's deletion can come before the reply itself.
 */
const UNSEEN_KEPT_MS = 60 * 60_000;
/** At most this many such deletions kept (every deleted thread reply in the bot's channels is one): the oldest go. */
const UNSEEN_MAX = 10_000;

/**
 * Deletions of messages no reply had been taken from yet: a reply taken from one of them later is withdrawn. (Also
 * kept for edits delivered before their message: its writer is told the edit is not sent.)
 */
export interface DeletedUnseen {
  remember(channel: string, ts: string): void;
  has(channel: string, ts: string): boolean;
}

export function createDeletedUnseen(now: () => number = Date.now, keptMs = UNSEEN_KEPT_MS, max = UNSEEN_MAX): DeletedUnseen {
  const deletedAt = new Map<string, number>();
  const key = (channel: string, ts: string) => `${channel} ${ts}`;
  return {
    remember: (channel, ts) => {
      const k = key(channel, ts);
      deletedAt.delete(k);
      deletedAt.set(k, now());
      for (const [oldest, at] of deletedAt) {
        if (deletedAt.size <= max && now() - at < keptMs) break;
        deletedAt.delete(oldest);
      }
    },
    has: (channel, ts) => {
      const at = deletedAt.get(key(channel, ts));
      return at !== undefined && now() - at < keptMs;
    },
  };
}

/** What became of a reply whose Slack message was deleted: `withdrawn` when the deletion stopped it in time. */
export interface DeletedReply {
  status: ReplyStatus;
  withdrawn: boolean;
  /**
   * Its send is under way in this process: it stops before Wavix is called again, or Wavix has it; the send tells the
   * writer which, once it knows (deletedReplyText of how it ended).
   */
  toldBySend?: true;
}

/**
 * What the writer of a deleted reply is told, or nothing when the reply never reached the customer anyway (its status
 * line says why).
 */
export function deletedReplyText(deleted: DeletedReply): string | undefined {
  if (deleted.withdrawn) return WITHDRAWN_TEXT;
  const again = 'To correct it, post a new reply in this thread.';
  switch (deleted.status) {
    case 'queued':
    case 'sending':
      return `Your reply was deleted, but it was already being sent: the customer gets it as an SMS all the same (deleting it in Slack does not take it back). ${again}`;
    case 'unknown':
      return `Your reply was deleted, but it may have gone out as an SMS (its status line in this thread says so): deleting it in Slack does not take it back. ${again}`;
    case 'accepted':
    case 'pending':
    case 'sent':
    case 'delivered':
      return `Your reply was deleted, but the customer already has it as an SMS: deleting it in Slack does not take it back. ${again}`;
    default:
      return undefined;
  }
}

/**
 * The reply taken from the deleted Slack message at `ts`, if any. Still waiting its turn (queued behind the thread's
 * earlier replies, or its checks), it is not sent: a person who deletes a reply means it not to go, and its send has
 * not begun. Being sent by this process, it stops before Wavix is called again (its send says what became of it). Once
 * Wavix has it, the SMS is the customer's whatever Slack shows: the caller says so to its writer.
 */
export function replyDeleted(
  deps: {
    replies: Pick<ConversationRepliesRepository, 'bySlackMessage' | 'withdraw'>;
    audit: Pick<AuditRepository, 'record'>;
    logger: Logger;
    /** Where a deletion of a message no reply was taken from is kept, for the reply Slack may deliver after it. */
    unseen?: Pick<DeletedUnseen, 'remember'>;
    /** The sends under way in this process: one deleted meanwhile stops before its next call to Wavix. */
    sends?: Pick<SendsInFlight, 'deleted'>;
  },
  channel: string,
  ts: string,
): DeletedReply | undefined {
  const reply = deps.replies.bySlackMessage(channel, ts);
  if (!reply) {
    deps.unseen?.remember(channel, ts);
    return undefined;
  }
  if (reply.status === 'sending' && deps.sends?.deleted(reply.id))
    return { status: reply.status, withdrawn: false, toldBySend: true };
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
