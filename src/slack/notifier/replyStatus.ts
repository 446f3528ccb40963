import type { webApi } from '@slack/bolt';
import { replyCost } from '../../core/model/smsSegments.js';
import type { ConversationRepliesRepository, ConversationReply } from '../../core/ports/conversationReplies.js';
import type { ReplyNotifier } from '../../core/ports/replyNotifier.js';
import { describeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { slackErrorCode } from '../slackErrorCode.js';
import { replyStatusMessage } from '../ui/replyStatus.js';
import { escapeMrkdwn, graphemePrefix } from '../ui/text.js';

export interface ReplyStatusNotifierOptions {
  client: webApi.WebClient;
  replies: Pick<ConversationRepliesRepository, 'get' | 'setStatusTs'>;
  logger: Logger;
}

/** Replies whose segments line (with the characters that forced UCS-2) is remembered between their first lines. */
const MAX_REMEMBERED_COSTS = 1_000;
/** A context element holds at most 3,000 characters (Block Kit), counted after escaping (one character up to five). */
const MAX_NOTICE = 590;

/**
 * The status line under a reply sent from a Slack thread, and the notices about messages not taken as replies.
 * `showReplyStatus` is also what the composition root calls when a delivery report changes a reply
 * (`onReplyStatusChanged`). Calls for one reply run one after another and each shows the reply's latest recorded
 * state, so a delivery report arriving while "Sending…" is still being posted edits that line instead of posting a
 * second one.
 */
export function createReplyStatusNotifier(options: ReplyStatusNotifierOptions): ReplyNotifier {
  const { client, replies, logger } = options;
  const queues = new Map<number, Promise<void>>();
  // smsops' estimate in the words first shown (with what plain punctuation would save): Wavix's count, recorded, is
  // shown beside it when it differs. After a restart the recorded estimate's words serve.
  const costs = new Map<number, string>();

  // The recorded state wins, except when the store could not record what the caller knows (the SMS went out, or its
  // outcome became unknown, but the database was locked or closed): the line then says what happened all the same.
  const latest = (id: number, known: ConversationReply | undefined): ConversationReply | undefined => {
    let recorded: ConversationReply | undefined;
    try {
      recorded = replies.get(id);
    } catch (error) {
      logger.warn('a reply could not be read to show its status', { replyId: id, error: describeError(error) });
    }
    if (!recorded) return known;
    if (known && recorded.status === 'sending' && known.status !== 'sending') return { ...known, statusTs: recorded.statusTs };
    return recorded;
  };

  const render = async (id: number, known: ConversationReply | undefined, wavixSaid: string | undefined) => {
    const reply = latest(id, known);
    if (!reply) return;
    const message = replyStatusMessage(reply, replyCost(reply, costs.get(id)), wavixSaid);
    try {
      if (reply.statusTs) {
        try {
          await client.chat.update({
            channel: reply.slackChannel,
            ts: reply.statusTs,
            text: message.text,
            blocks: message.blocks,
          });
          return;
        } catch (error) {
          // Someone deleted the line in Slack: its edits all fail, and "Undelivered" was never read. Posted again below.
          if (slackErrorCode(error) !== 'message_not_found') throw error;
        }
      }
      const posted = await client.chat.postMessage({
        channel: reply.slackChannel,
        thread_ts: reply.threadTs,
        text: message.text,
        blocks: message.blocks,
        unfurl_links: false,
        unfurl_media: false,
      });
      if (posted.ts) replies.setStatusTs(id, posted.ts);
    } catch (error) {
      logger.warn('the status of a reply could not be shown in Slack', { replyId: id, error: describeError(error) });
    }
  };

  // Wavix's words for a refusal are not remembered: a failed reply's line is drawn once, and they may quote the reply.
  const showReplyStatus = (replyOrId: ConversationReply | number, cost?: string, wavixSaid?: string): Promise<void> => {
    const id = typeof replyOrId === 'number' ? replyOrId : replyOrId.id;
    const known = typeof replyOrId === 'number' ? undefined : replyOrId;
    if (cost !== undefined) {
      if (!costs.has(id) && costs.size >= MAX_REMEMBERED_COSTS) costs.delete(costs.keys().next().value as number);
      costs.set(id, cost);
    }
    const next = (queues.get(id) ?? Promise.resolve()).then(() => render(id, known, wavixSaid));
    queues.set(id, next);
    void next.finally(() => {
      if (queues.get(id) === next) queues.delete(id);
    });
    return next;
  };

  const notice = (text: string) => {
    const shown = escapeMrkdwn(graphemePrefix(text, MAX_NOTICE).kept);
    return { text: shown, blocks: [{ type: 'context' as const, elements: [{ type: 'mrkdwn' as const, text: shown }] }] };
  };

  return {
    showReplyStatus,
    sayInThread: async (channel, threadTs, text) => {
      try {
        await client.chat.postMessage({
          channel,
          thread_ts: threadTs,
          ...notice(text),
          unfurl_links: false,
          unfurl_media: false,
        });
      } catch (error) {
        logger.warn('a notice about a reply could not be posted', { channel, error: describeError(error) });
      }
    },
    tellPerson: async (channel, threadTs, userId, text) => {
      try {
        await client.chat.postEphemeral({ channel, thread_ts: threadTs, user: userId, ...notice(text) });
      } catch (error) {
        logger.warn('a refusal could not be shown to the person', { channel, user: userId, error: describeError(error) });
      }
    },
  };
}
