import type { ConversationReply } from './conversationReplies.js';

/**
 * What a reply typed in a Slack thread shows in Slack: the Notifier's `replies` part (./notifier.ts). The
 * implementation is src/slack/notifier/replyStatus.ts.
 */
export interface ReplyNotifier {
  /**
   * Shows where a reply stands on its status line: posted in the thread under the reply the first time, edited in
   * place after ("Sending…" → "Sent · Wavix id …" → "Delivered"). Always shows the reply's latest recorded state, so
   * calls may come in any order. `cost`, when given, is the segments line ("2 segments, UCS-2 because of ’"); only the
   * count and encoding are kept, so later lines show those. `wavixSaid`, with a failed reply: Wavix's own words for
   * the refusal, shown on this line only (they may quote the reply, so they are never stored). Never throws: a status
   * Slack refuses is logged.
   */
  showReplyStatus(reply: ConversationReply | number, cost?: string, wavixSaid?: string): Promise<void>;
  /** Says in the thread why a message was not taken as a reply (files, an empty text). */
  sayInThread(channel: string, threadTs: string, text: string): Promise<void>;
  /** Tells only the person who wrote why their message was not sent (ephemeral, in the thread). */
  tellPerson(channel: string, threadTs: string, userId: string, text: string): Promise<void>;
}
