import { afterEach, describe, expect, it } from 'vitest';
import { REPLY_THREAD, relayedThread as relayedThreadOf, replyInThread } from '../helpers/replyThreads.js';
import { ADMIN, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

/*
 * Another process (an operator's sqlite3 session, a backup tool) holding the database's write lock while a person
 * answers an SMS from its thread. Slack got its 200 before smsops met the lock and never sends the event again.
 */

const { inbox: INBOX, replier: REPLIER } = REPLY_THREAD;

let t: SmsopsUnderTest | undefined;

afterEach(async () => {
  await t?.stop();
  t = undefined;
});

async function start(options: { replyWriteWaitMs?: number } = {}): Promise<SmsopsUnderTest> {
  t = await startSmsopsUnderTest({ SLACK_INBOX_CHANNEL: INBOX, SLACK_RELAY_PACE_MS: '0' }, options);
  t.fakeSlack.setChannelMembers(INBOX, [ADMIN, REPLIER]);
  return t;
}

let counter = 0;

const relayedThread = (s: SmsopsUnderTest) => relayedThreadOf(s, 'in-locked');

const reply = (s: SmsopsUnderTest, threadTs: string, text: string) => {
  const ts = `1800000700.${String(++counter).padStart(6, '0')}`;
  return replyInThread(s, threadTs, ts, text, `EvLocked${counter}`);
};

/** Another connection takes the write lock now and gives it back after `ms`. */
function holdWriteLock(s: SmsopsUnderTest, ms: number): Promise<void> {
  s.db.exec('BEGIN IMMEDIATE');
  return new Promise((resolve) =>
    setTimeout(() => {
      s.db.exec('ROLLBACK');
      resolve();
    }, ms),
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const outbound = (s: SmsopsUnderTest) => s.emulator.state().messages.filter((m) => m.direction === 'outbound');
const lines = (s: SmsopsUnderTest, threadTs: string) =>
  s.fakeSlack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.thread_ts === threadTs)
    .map((c) => String(c.args.text));
const replyRows = (s: SmsopsUnderTest) => s.db.prepare('SELECT status FROM conversation_replies').all();

describe('a reply meeting another process’s write lock', () => {
  it('goes out once the lock passes, when the lock was there as the event came in', async () => {
    const s = await start();
    const threadTs = await relayedThread(s);
    const released = holdWriteLock(s, 1500);
    await reply(s, threadTs, 'answer during a lock');
    await released;
    await waitUntil(
      () => outbound(s).length === 1,
      10_000,
      () => 'the SMS at Wavix',
    );
    expect(outbound(s)[0]?.message_body.text).toBe('answer during a lock');
    await waitUntil(
      () => s.fakeSlack.callsTo('chat.update').some((c) => String(c.args.text).startsWith('Sent')),
      5000,
      () => 'the Sent line',
    );
    expect(replyRows(s)).toEqual([{ status: 'accepted' }]);
  });

  it('goes out once the lock passes, when the lock came while the thread waited to order its replies', async () => {
    const s = await start();
    const threadTs = await relayedThread(s);
    await reply(s, threadTs, 'answer during a lock');
    await waitUntil(
      () => replyRows(s).length === 1,
      5000,
      () => 'the reply taken in',
    );
    await holdWriteLock(s, 1500);
    await waitUntil(
      () => outbound(s).length === 1,
      10_000,
      () => `the SMS at Wavix; the reply is ${JSON.stringify(replyRows(s))}`,
    );
    await waitUntil(
      () => (replyRows(s)[0] as { status: string }).status === 'accepted',
      5000,
      () => 'the reply recorded as sent',
    );
  });

  it('is said not sent, to its writer, when the lock outlasts the wait as the event comes in; nothing sent', async () => {
    const s = await start({ replyWriteWaitMs: 300 });
    const threadTs = await relayedThread(s);
    const released = holdWriteLock(s, 1500);
    await reply(s, threadTs, 'answer during a long lock');
    const [told] = await s.fakeSlack.waitFor('chat.postEphemeral', 1, 10_000);
    expect(told?.args).toMatchObject({ user: REPLIER, thread_ts: threadTs });
    expect(told?.args.text).toBe(
      'Your reply was not sent: smsops could not record it (the database is locked by another process); post it again.',
    );
    await released;
    await sleep(500);
    expect(outbound(s)).toEqual([]);
    expect(replyRows(s)).toEqual([]);
  });

  it('is "Not sent" in the thread when the lock outlasts the wait before the send, and marked so once it passes', async () => {
    const s = await start({ replyWriteWaitMs: 300 });
    const threadTs = await relayedThread(s);
    await reply(s, threadTs, 'answer during a long lock');
    await waitUntil(
      () => replyRows(s).length === 1,
      5000,
      () => 'the reply taken in',
    );
    const released = holdWriteLock(s, 2000);
    await waitUntil(
      () => lines(s, threadTs).some((line) => line.startsWith('Not sent')),
      10_000,
      () => `the Not sent line; lines: ${lines(s, threadTs).join(' | ')}`,
    );
    expect(lines(s, threadTs).filter((line) => line.startsWith('Not sent'))).toEqual([
      'Not sent: smsops could not record it (the database is locked by another process); post it again. · 1 segment, GSM-7',
    ]);
    await released;
    await waitUntil(
      () => (replyRows(s)[0] as { status: string }).status === 'blocked',
      5000,
      () => `the reply marked not sent; it is ${JSON.stringify(replyRows(s))}`,
    );
    expect(outbound(s)).toEqual([]);
  });
});
