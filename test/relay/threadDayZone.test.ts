import { afterEach, describe, expect, it } from 'vitest';
import {
  ALERT_CHANNEL,
  readable,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
  WEBHOOK_SECRET,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * A conversation's Slack thread of the day changes at the team's midnight (SCHEDULE_TIMEZONE), not UTC's: for a
 * New York team two SMS 30 s apart at 18:59 and 19:00 (23:59:55Z and 00:00:25Z) are one thread, and the next day's
 * first SMS, after New York's midnight, starts a new one that continues yesterday's.
 */

let t: SmsopsUnderTest;
afterEach(async () => {
  await stopCheckingSecrets(t);
});

const DAY = 86_400_000;
let counter = 0;

async function receive(text: string) {
  const body = JSON.stringify({
    message_id: `zone-${++counter}`,
    message_type: 'sms',
    from: '447400123456',
    to: '14155550100',
    message_body: { text, media: null },
    received_at: new Date(t.emulator.clock.now()).toISOString(),
  });
  const response = await fetch(`${t.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  expect(response.status).toBe(200);
  const post = await waitUntil(
    () => t.fakeSlack.callsTo('chat.postMessage').find((c) => c.result?.ts && readable(c.args).includes(text)),
    10_000,
    () => `the post of ${text}`,
  );
  return { threadTs: post.args.thread_ts as string | undefined, ts: post.result?.ts as string, shown: readable(post.args) };
}

/** Moves smsops' clock on to the next `hh:mm:ss` UTC. */
async function advanceToUtc(hours: number, minutes: number, seconds: number) {
  const now = t.emulator.clock.now();
  const target = Math.floor(now / DAY) * DAY + ((hours * 60 + minutes) * 60 + seconds) * 1000;
  await t.emulator.clock.advance((target > now ? target : target + DAY) - now);
}

const days = () => t.db.prepare('SELECT day FROM slack_threads ORDER BY day').pluck().all() as string[];

describe("a conversation's thread of the day, in the team's time zone", () => {
  it('New York: SMS either side of UTC midnight share a thread; the first after New York midnight continues it', async () => {
    t = await startSmsopsUnderTest({ SCHEDULE_TIMEZONE: 'America/New_York', SLACK_RELAY_PACE_MS: '0' });
    await advanceToUtc(23, 59, 55);
    const evening = new Date(t.emulator.clock.now());
    const before = await receive('before UTC midnight');
    expect(before.threadTs).toBeUndefined();

    await t.emulator.clock.advance(30_000);
    const after = await receive('after UTC midnight');
    expect(after.threadTs).toBe(before.ts);
    expect(after.shown).not.toContain('Continues');

    // 06:00Z is 01:00 or 02:00 in New York (winter or summer): the next day there.
    await advanceToUtc(6, 0, 0);
    const nextDay = await receive('the next New York day');
    expect(nextDay.threadTs).toBeUndefined();
    const link = `https://acme.slack.com/archives/${ALERT_CHANNEL}/p${before.ts?.replace('.', '')}`;
    expect(nextDay.shown).toContain(`:arrow_up: Continues <${link}|yesterday's thread>`);
    // The threads are New York's days: the evening's date, then the one after it.
    const eveningDay = evening.toISOString().slice(0, 10);
    // The thread is recorded once Slack answered the post: read when it is there (a loaded CI run read it before).
    await waitUntil(() => days().length === 2, 5000, 'the next day’s thread recorded');
    expect(days()).toEqual([eveningDay, new Date(evening.getTime() + DAY).toISOString().slice(0, 10)]);
  });

  it('Tokyo: the day changes at 15:00Z, not in the middle of the morning', async () => {
    t = await startSmsopsUnderTest({ SCHEDULE_TIMEZONE: 'Asia/Tokyo', SLACK_RELAY_PACE_MS: '0' });
    await advanceToUtc(23, 59, 55); // 08:59:55 in Tokyo
    const morning = await receive('Tokyo 08:59');
    await t.emulator.clock.advance(30_000);
    expect((await receive('Tokyo 09:00')).threadTs).toBe(morning.ts);

    await advanceToUtc(14, 59, 30); // 23:59:30 in Tokyo
    expect((await receive('Tokyo 23:59')).threadTs).toBe(morning.ts);
    await advanceToUtc(15, 0, 30); // 00:00:30 the next day
    const midnight = await receive('Tokyo 00:00');
    expect(midnight.threadTs).toBeUndefined();
    expect(midnight.shown).toContain("yesterday's thread");
  });
});
