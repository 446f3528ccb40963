import type { webApi } from '@slack/bolt';
import { localDay } from '../core/localDay.js';
import { parseConversationKey } from '../core/model/conversationKey.js';
import type { DeliveriesRepository } from '../core/ports/deliveries.js';
import type { InboundRepository } from '../core/ports/inbound.js';
import type { SlackThreadsRepository } from '../core/ports/slackThreads.js';
import { describeError } from '../errors.js';
import type { SlackPostsRepository } from '../store/repositories/slackPosts.js';
import { slackErrorCode } from './slackErrorCode.js';
import { type ThreadStartTurns, threadStartKey } from './threadStarts.js';
import { customerThreadStart } from './ui/groupedPost.js';

export interface GroupedAnswerDeps {
  inbound: Pick<InboundRepository, 'get'>;
  deliveries: Pick<DeliveriesRepository, 'forMessage'>;
  posts: Pick<SlackPostsRepository, 'forMessage'>;
  threads: Pick<SlackThreadsRepository, 'get' | 'set'>;
  /**
   * Rejects rate-limited calls: the press comes while the relay fills the channel's rate limit, and a 429 on Bolt's
   * own client would pause every answer to people for its Retry-After.
   */
  client: webApi.WebClient;
  /** The zone whose midnight starts a conversation's new thread (SCHEDULE_TIMEZONE), as the relay files them. */
  threadTimeZone?: string;
  /** The relay's turns at starting a day's thread (./threadStarts.ts): a start here waits for one under way there. */
  threadStarts?: ThreadStartTurns;
  /** The relay's clock: the thread started is the day of the press, where the customer's next SMS go. */
  now?: () => number;
}

export type GroupedAnswer =
  | { kind: 'started' | 'exists'; customer: string }
  | { kind: 'unknown' }
  | { kind: 'rateLimited'; seconds: number }
  | { kind: 'failed'; why: string };

/**
 * "Answer" beside one SMS of a grouped post: starts that customer's thread of the day with a post of its own
 * (the relay's later single posts of the conversation go under it, and a reply in it reaches exactly that customer
 * from that number, through the conversation key its thread is filed under), or says the day's thread exists.
 * Only an SMS the pressed post shows counts, so a forged value cannot open a thread for another channel's customer.
 */
export async function startCustomerThread(
  deps: GroupedAnswerDeps,
  press: { channel: string; postTs: string; messageId: number; userId: string },
): Promise<GroupedAnswer> {
  const message = deps.inbound.get(press.messageId);
  const shown = deps.posts
    .forMessage(press.messageId)
    .some((p) => p.channel === press.channel && p.ts === press.postTs && p.layout === 'batch');
  const key = deps.deliveries
    .forMessage(press.messageId)
    .find((d) => d.destinationKind === 'slack' && d.destination === press.channel)?.conversationKey;
  const parties = key === undefined ? undefined : parseConversationKey(key);
  if (!message || !shown || key === undefined || !parties) return { kind: 'unknown' };
  const customer = parties.customerNumber;
  // The day of the press, not of the SMS: the post goes up now, and the relay files the customer's next SMS under
  // today's thread. Filed under the SMS's day (one from 23:58 answered at 00:02), the thread promised "their next SMS
  // of the day come here" while those started another thread beside it, and "exists" pointed at yesterday's (a probe).
  const day = localDay((deps.now ?? Date.now)(), deps.threadTimeZone);
  const start = () => postThreadStart(deps, press, key, day, customer, parties.smsopsNumber);
  // In the conversation's turn: the relay posting the customer's next SMS meanwhile would otherwise start the day's
  // thread beside this one, and whichever lost left its post standing, no one's (a reply under it went nowhere).
  return deps.threadStarts ? deps.threadStarts(threadStartKey(press.channel, key, day), start) : start();
}

async function postThreadStart(
  deps: GroupedAnswerDeps,
  press: { channel: string; userId: string },
  key: string,
  day: string,
  customer: string,
  smsopsNumber: string,
): Promise<GroupedAnswer> {
  if (deps.threads.get(press.channel, key, day)) return { kind: 'exists', customer };
  const start = customerThreadStart(customer, smsopsNumber, press.userId);
  let ts: string | undefined;
  try {
    const answer = await deps.client.chat.postMessage({
      channel: press.channel,
      text: start.text,
      blocks: start.blocks,
      unfurl_links: false,
      unfurl_media: false,
    } as webApi.ChatPostMessageArguments);
    ts = answer.ts;
  } catch (error) {
    const e = error as { code?: string; retryAfter?: number };
    if (e.code === 'slack_webapi_rate_limited_error') return { kind: 'rateLimited', seconds: Math.max(1, e.retryAfter ?? 1) };
    return { kind: 'failed', why: slackErrorCode(error) ?? describeError(error) };
  }
  if (!ts) return { kind: 'failed', why: 'Slack answered without the post' };
  deps.threads.set(press.channel, key, day, ts);
  // Two presses at once (or the relay starting the day's thread meanwhile): the first thread filed wins, and the
  // other post, which no reply could reach the customer from, is taken back.
  if (deps.threads.get(press.channel, key, day) === ts) return { kind: 'started', customer };
  await deps.client.chat.delete({ channel: press.channel, ts }).catch(() => undefined);
  return { kind: 'exists', customer };
}
