import type { webApi } from '@slack/bolt';
import { type ChannelMembership, RATE_LIMITED } from '../core/doctor/types.js';
import { describeError } from '../errors.js';

/** 20 pages of up to 1,000 channels: a bot in more is not expected; past that the rest are asked one by one. */
const MAX_MEMBER_PAGES = 20;

type Listed = Map<string, Extract<ChannelMembership, { ok: true }>>;

/** Slack's answer as the doctor reads it: its error code, or the rate limit with its Retry-After. */
function failureOf(error: unknown): Extract<ChannelMembership, { ok: false }> {
  const e = error as { code?: unknown; retryAfter?: unknown; data?: { error?: unknown } };
  if (e.code === 'slack_webapi_rate_limited_error') {
    return { ok: false, error: RATE_LIMITED, ...(typeof e.retryAfter === 'number' ? { retryAfterSeconds: e.retryAfter } : {}) };
  }
  const code = e.data?.error;
  return { ok: false, error: typeof code === 'string' ? code : describeError(error) };
}

/** Every public and private channel the bot is in (archived ones too), all pages; a failure is Slack's answer. */
async function botChannels(client: webApi.WebClient): Promise<Listed | Extract<ChannelMembership, { ok: false }>> {
  const listed: Listed = new Map();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_MEMBER_PAGES; page++) {
    let answer: Awaited<ReturnType<webApi.WebClient['users']['conversations']>>;
    try {
      answer = await client.users.conversations({
        types: 'public_channel,private_channel',
        exclude_archived: false,
        limit: 1000,
        ...(cursor ? { cursor } : {}),
      });
    } catch (error) {
      return failureOf(error);
    }
    for (const channel of answer.channels ?? []) {
      if (channel.id)
        listed.set(channel.id, {
          ok: true,
          isMember: true,
          name: channel.name,
          archived: channel.is_archived === true,
          sharedExternally: channel.is_ext_shared === true,
        });
    }
    cursor = answer.response_metadata?.next_cursor || undefined;
    if (!cursor) break;
  }
  return listed;
}

/**
 * Channel membership as the bot sees it, for one doctor run: the channels it is in come from one paged
 * `users.conversations` (a workspace with 800 routes, each in its own channel, is one call, not 800, which Slack
 * answers with 429s); only a channel not among them (not joined, private and never invited, a DM, mistyped) is asked
 * about with `conversations.info`, keeping Slack's own error code (not_in_channel, channel_not_found…). A rate-limited
 * call is an answer (RATE_LIMITED), so `client` must reject rate-limited calls instead of waiting them out.
 */
export function slackChannelMembership(client: webApi.WebClient): (channel: string) => Promise<ChannelMembership> {
  let listing: ReturnType<typeof botChannels> | undefined;
  return async (channel) => {
    listing ??= botChannels(client);
    const listed = await listing;
    if (listed instanceof Map) {
      const known = listed.get(channel);
      if (known) return known;
    } else if (listed.error === RATE_LIMITED) {
      return listed;
    }
    return oneChannelMembership(client, channel);
  };
}

/** One channel as the bot sees it (`conversations.info`): for a route just set, where a listing of all would be waste. */
export async function oneChannelMembership(client: webApi.WebClient, channel: string): Promise<ChannelMembership> {
  try {
    const answer = await client.conversations.info({ channel });
    return {
      ok: true,
      isMember: answer.channel?.is_member === true,
      name: answer.channel?.name,
      archived: answer.channel?.is_archived === true,
      sharedExternally: answer.channel?.is_ext_shared === true,
      // A group DM too: manifest.yml subscribes to no message.im or message.mpim events, so replies there never arrive.
      direct: answer.channel?.is_im === true || answer.channel?.is_mpim === true,
    };
  } catch (error) {
    return failureOf(error);
  }
}
