import { describeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { ConversationRepliesRepository } from '../ports/conversationReplies.js';
import type { ReplyNotifier } from '../ports/replyNotifier.js';
import { INTERRUPTED_SEND_REASON } from './sendOutcome.js';

/**
 * Replies a stopped process left `sending` (killed mid-send: Wavix may have sent them) become `unknown`, and their
 * status line stops saying "Sending…". Run at start, before Slack events are taken: one process holds the database
 * (the instance lease), so no reply is in flight then, and every `sending` row is one nobody will finish. Its status
 * lines are updated in the background; Slack being slow never holds up the start.
 */
export function markInterruptedSends(deps: {
  replies: Pick<ConversationRepliesRepository, 'markInterruptedSends'>;
  notifier: Pick<ReplyNotifier, 'showReplyStatus'>;
  logger: Logger;
}): Promise<void> {
  let interrupted: ReturnType<ConversationRepliesRepository['markInterruptedSends']>;
  try {
    interrupted = deps.replies.markInterruptedSends(INTERRUPTED_SEND_REASON);
  } catch (error) {
    deps.logger.error('replies left sending could not be marked', { error: describeError(error) });
    return Promise.resolve();
  }
  if (interrupted.length > 0) {
    deps.logger.warn('replies left sending by a stopped smsops may have been sent', { replies: interrupted.map((r) => r.id) });
  }
  return Promise.all(interrupted.map((reply) => deps.notifier.showReplyStatus(reply))).then(() => undefined);
}
