import type { webApi } from '@slack/bolt';
import { maskOneTimeCodes } from '../core/maskCodes.js';
import { describeError } from '../errors.js';
import { inboundBatchMessage, inboundSmsMessage } from '../slack/ui/inboundSms.js';
import type { Delivery } from '../store/repositories/deliveries.js';
import type { InboundMessage } from '../store/repositories/inbound.js';
import type { SlackThreadsRepository } from '../store/repositories/slackThreads.js';
import type { AttemptOutcome } from './outbox.js';

type Item = { delivery: Delivery; message: InboundMessage };

function failure(error: unknown): AttemptOutcome {
  const e = error as { code?: string; retryAfter?: number; data?: { error?: string } };
  if (e.code === 'slack_webapi_rate_limited_error') {
    return { delivered: false, statusCode: 429, error: 'Slack rate limit', retryAfterMs: (e.retryAfter ?? 1) * 1000 };
  }
  return { delivered: false, statusCode: null, error: e.data?.error ? `Slack: ${e.data.error}` : describeError(error) };
}

/**
 * The Slack leg. A single message goes into its conversation's thread of the day (the first one of the day starts
 * it); several due for one channel at once are coalesced into one post, so a storm costs few posts and nothing is
 * dropped. It uses its own client that rejects rate-limited calls instead of pausing: the outbox retries after
 * Retry-After, and the client that answers people is never held up by the relay.
 */
export function createSlackRelaySender(options: {
  client: webApi.WebClient;
  threads: SlackThreadsRepository;
  /** SMS_MASK_CODES: what is shown, not what is stored or relayed to PortSIP. */
  maskCodes?: boolean;
}) {
  const { client, threads } = options;
  const shown = (message: InboundMessage): InboundMessage =>
    options.maskCodes ? { ...message, text: maskOneTimeCodes(message.text) } : message;

  const postOne = async ({ delivery, message }: Item): Promise<AttemptOutcome> => {
    const channel = delivery.destination;
    const day = new Date(message.ingestedAt).toISOString().slice(0, 10);
    const threadTs = threads.get(channel, delivery.conversationKey, day);
    const rendered = inboundSmsMessage(shown(message), { replayed: delivery.replayedAt !== null });
    try {
      const posted = await client.chat.postMessage({
        channel,
        text: rendered.text,
        blocks: rendered.blocks,
        unfurl_links: false,
        unfurl_media: false,
        ...(threadTs ? { thread_ts: threadTs } : {}),
      });
      if (!threadTs && posted.ts) threads.set(channel, delivery.conversationKey, day, posted.ts);
      return { delivered: true, statusCode: 200 };
    } catch (error) {
      return failure(error);
    }
  };

  const postBatch = async (channel: string, items: Item[]): Promise<AttemptOutcome[]> => {
    const replayed = new Set(items.filter((i) => i.delivery.replayedAt !== null).map((i) => i.message.id));
    const rendered = inboundBatchMessage(
      items.map((i) => shown(i.message)),
      replayed,
    );
    try {
      await client.chat.postMessage({
        channel,
        text: rendered.text,
        blocks: rendered.blocks,
        unfurl_links: false,
        unfurl_media: false,
      });
      return items.map(() => ({ delivered: true, statusCode: 200 }));
    } catch (error) {
      return items.map(() => failure(error));
    }
  };

  return {
    send: async (batch: Item[]): Promise<AttemptOutcome[]> => {
      const byChannel = new Map<string, Item[]>();
      for (const item of batch)
        byChannel.set(item.delivery.destination, [...(byChannel.get(item.delivery.destination) ?? []), item]);
      const outcomes = new Map<number, AttemptOutcome>();
      for (const [channel, items] of byChannel) {
        const results = items.length === 1 && items[0] ? [await postOne(items[0])] : await postBatch(channel, items);
        for (const [i, item] of items.entries()) outcomes.set(item.delivery.id, results[i] ?? failure(new Error('no result')));
      }
      return batch.map((item) => outcomes.get(item.delivery.id) ?? failure(new Error('no result')));
    },
  };
}
