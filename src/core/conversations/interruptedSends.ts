import { describeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { ConversationRepliesRepository, ConversationReply } from '../ports/conversationReplies.js';
import type { ReplyNotifier } from '../ports/replyNotifier.js';
import { INTERRUPTED_SEND_REASON, STOPPED_BEFORE_SENDING_REASON } from './sendOutcome.js';

interface Deps {
  replies: Pick<ConversationRepliesRepository, 'markInterruptedSends' | 'markUnsent' | 'lookUpAtStart'>;
  notifier: Pick<ReplyNotifier, 'showReplyStatus'>;
  logger: Logger;
}

/**
 * Replies a stopped process left behind. Those left `sending` (killed mid-send: Wavix may have sent them) become
 * `unknown`, and their status line stops saying "Sending…"; those left `queued` (taken in, Wavix never called) are
 * "Not sent" (markUnsentReplies). Run at start, before Slack events are taken: one process holds the database (the
 * instance lease), so no reply is in flight then, and every such row is one nobody will finish. Nothing is sent
 * again by itself: the text is not kept, and whether to send is the person's call. Status lines are updated in the
 * background; Slack being slow never holds up the start.
 */
export function markInterruptedSends(deps: Deps): Promise<void> {
  let interrupted: ConversationReply[];
  try {
    interrupted = deps.replies.markInterruptedSends(INTERRUPTED_SEND_REASON);
  } catch (error) {
    deps.logger.error('replies left sending could not be marked', { error: describeError(error) });
    interrupted = [];
  }
  if (interrupted.length > 0) {
    deps.logger.warn('replies left sending by a stopped smsops may have been sent', { replies: interrupted.map((r) => r.id) });
  }
  // Every reply of unknown outcome is looked up at Wavix at once (the reply-lookups job's next run): its delivery
  // report may have come while smsops was down, and an interrupted send's should not wait a minute more.
  try {
    const due = deps.replies.lookUpAtStart();
    if (due > 0) deps.logger.info('replies of unknown outcome are looked up at Wavix after the start', { replies: due });
  } catch (error) {
    deps.logger.error('replies of unknown outcome could not be set to be looked up', { error: describeError(error) });
  }
  return Promise.all([markUnsentReplies(deps), ...interrupted.map((reply) => deps.notifier.showReplyStatus(reply))]).then(
    () => undefined,
  );
}

/**
 * Replies taken in but not sent (waiting on Slack's membership answer, or on the thread's earlier replies) become
 * `blocked`, and their thread says "Not sent: smsops stopped before sending it; post it again". At start, and when
 * a stop gives up waiting for replies; a reply given up on this way is never sent afterwards (startSending refuses).
 */
export function markUnsentReplies(
  deps: Omit<Deps, 'replies'> & { replies: Pick<ConversationRepliesRepository, 'markUnsent'> },
  options: { showWithinMs?: number } = {},
): Promise<void> {
  let unsent: ConversationReply[];
  try {
    unsent = deps.replies.markUnsent(STOPPED_BEFORE_SENDING_REASON);
  } catch (error) {
    deps.logger.error('replies not yet sent could not be marked', { error: describeError(error) });
    return Promise.resolve();
  }
  if (unsent.length > 0) {
    deps.logger.warn('replies not yet sent when smsops stopped were not sent', { replies: unsent.map((r) => r.id) });
  }
  const shown = Promise.all(unsent.map((reply) => deps.notifier.showReplyStatus(reply))).then(() => undefined);
  if (options.showWithinMs === undefined) return shown;
  // A stop waits for Slack this long at most: a Slack that never answers must not hold it.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, options.showWithinMs)));
  return Promise.race([shown, late]).finally(() => clearTimeout(timer));
}
