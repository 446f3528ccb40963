import type { webApi } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../src/core/model/inboundMessage.js';
import { startCustomerThread } from '../../src/slack/groupedAnswer.js';

/**
 * "Answer" pressed just after the team's midnight on an SMS of just before it: the thread it starts is the one the
 * relay files the customer's next SMS under (today's, in SCHEDULE_TIMEZONE), as its post promises.
 */
const CHANNEL = 'C0INBOX001';
const KEY = '447400100003→14155550100';
const POST_TS = '1700000000.000100';

function rig(ingestedAt: number, pressedAt: number, filed: Record<string, string> = {}) {
  const threads = new Map(Object.entries(filed));
  const posted: string[] = [];
  const client = {
    chat: {
      postMessage: async () => {
        posted.push('start');
        return { ok: true, ts: '1700000000.000900' };
      },
      delete: async () => ({ ok: true }),
    },
  } as unknown as webApi.WebClient;
  const deps = {
    inbound: { get: () => ({ id: 7, ingestedAt }) as unknown as InboundMessage },
    deliveries: {
      forMessage: () => [{ destinationKind: 'slack', destination: CHANNEL, conversationKey: KEY }] as never,
    },
    posts: { forMessage: () => [{ channel: CHANNEL, ts: POST_TS, layout: 'batch' }] as never },
    threads: {
      get: (_c: string, _k: string, day: string) => threads.get(day),
      set: (_c: string, _k: string, day: string, ts: string) => {
        if (!threads.has(day)) threads.set(day, ts);
      },
    },
    client,
    threadTimeZone: 'America/New_York',
    now: () => pressedAt,
  };
  return { deps, threads, posted };
}

const press = { channel: CHANNEL, postTs: POST_TS, messageId: 7, userId: 'U0REPLY001' };

describe('Answer across the team’s midnight', () => {
  // 23:58 and 00:02 in New York (04:58 and 05:02 UTC, 1 March).
  const before = Date.parse('2026-03-01T04:58:00Z');
  const after = Date.parse('2026-03-01T05:02:00Z');

  it('starts the thread of the day it is pressed, where the relay puts their next SMS', async () => {
    const { deps, threads } = rig(before, after);
    expect((await startCustomerThread(deps, press)).kind).toBe('started');
    expect([...threads.keys()]).toEqual(['2026-03-01']);
  });

  it("points to today's thread when they have one, not to yesterday's", async () => {
    const { deps, posted } = rig(before, after, { '2026-02-28': '1700000000.000050' });
    expect((await startCustomerThread(deps, press)).kind).toBe('started');
    expect(posted).toEqual(['start']);
    const today = rig(before, after, { '2026-03-01': '1700000000.000070' });
    expect((await startCustomerThread(today.deps, press)).kind).toBe('exists');
  });
});
