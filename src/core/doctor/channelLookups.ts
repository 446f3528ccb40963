import { type ChannelMembership, RATE_LIMITED } from './types.js';

/**
 * At most this many channel look-ups are out at once: Slack answers a burst of hundreds (one per route's channel) with
 * 429s, and a few at a time still finish a large workspace within the group's time limit.
 */
export const CHANNEL_LOOKUPS_AT_ONCE = 4;

export const isRateLimited = (seen: ChannelMembership): seen is Extract<ChannelMembership, { ok: false }> =>
  !seen.ok && seen.error === RATE_LIMITED;

/** "Slack rate-limited these checks (retry after 30 s)": why a check could not be made, instead of blaming the link. */
export const rateLimitedWording = (retryAfterSeconds: number | undefined) =>
  `Slack rate-limited these checks${retryAfterSeconds !== undefined ? ` (retry after ${retryAfterSeconds} s)` : ''}`;

/**
 * One doctor run's channel look-ups: each channel asked once (two groups name the same channels), a few at a time,
 * and none after Slack rate-limited one: the rest get that answer at once, since asking on would only earn more 429s.
 */
export function channelLookups(
  ask: (channel: string) => Promise<ChannelMembership>,
  atOnce = CHANNEL_LOOKUPS_AT_ONCE,
): (channel: string) => Promise<ChannelMembership> {
  const asked = new Map<string, Promise<ChannelMembership>>();
  const waiting: Array<() => void> = [];
  let running = 0;
  let limited: ChannelMembership | undefined;
  const lookUp = async (channel: string): Promise<ChannelMembership> => {
    while (!limited && running >= atOnce) await new Promise<void>((resolve) => waiting.push(resolve));
    if (limited) return limited;
    running += 1;
    try {
      const seen = await ask(channel);
      if (isRateLimited(seen) && !limited) {
        limited = seen;
        // Every look-up still waiting for its turn gets this answer now.
        for (const wake of waiting.splice(0)) wake();
      }
      return seen;
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  };
  return (channel) => {
    let seen = asked.get(channel);
    if (!seen) {
      seen = lookUp(channel);
      asked.set(channel, seen);
    }
    return seen;
  };
}
