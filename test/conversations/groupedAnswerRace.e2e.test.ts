import { afterEach, describe, expect, it } from 'vitest';
import { REPLY_THREAD, replyInThread } from '../helpers/replyThreads.js';
import { ADMIN, postInbound, readable, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

const { inbox: INBOX, replier: REPLIER } = REPLY_THREAD;
const CUSTOMERS = ['447400100001', '447400100002', '447400100003'] as const;
const OUR_NUMBER = '14155550100';

let t: SmsopsUnderTest | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

// biome-ignore lint/suspicious/noExplicitAny: Slack blocks are read structurally
type Block = any;

async function groupedPostOfThree(s: SmsopsUnderTest): Promise<{ ts: string; blocks: Block[] }> {
  s.fakeSlack.rateLimit('chat.postMessage', 1, 1);
  expect((await postInbound(s, { from: CUSTOMERS[0], to: OUR_NUMBER, text: 'first' })).status).toBe(200);
  await waitUntil(() => s.fakeSlack.calls.some((c) => c.method === 'chat.postMessage' && c.rateLimited), 5000, 'the 429');
  for (const [i, from] of CUSTOMERS.entries())
    if (i > 0) expect((await postInbound(s, { from, to: OUR_NUMBER, text: `text ${i}` })).status).toBe(200);
  const [post] = await s.fakeSlack.waitFor('chat.postMessage', 1, 10_000);
  expect(String(post?.args.text)).toBe('3 inbound messages');
  return { ts: String(post?.result?.ts), blocks: post?.args.blocks as Block[] };
}

const answerValueOf = (blocks: Block[], formatted: string): string =>
  String(blocks.find((b) => b.accessory && String(b.text?.text).includes(formatted))?.accessory?.value);

describe('a customer texting again while someone presses Answer for them', () => {
  it('posts their new SMS in the one thread of the day, where a reply reaches them, never beside it', async () => {
    t = await startSmsopsUnderTest({ SLACK_INBOX_CHANNEL: INBOX, SLACK_RELAY_PACE_MS: '0' });
    t.fakeSlack.setChannelMembers(INBOX, [ADMIN, REPLIER]);
    const s = t;
    const grouped = await groupedPostOfThree(s);
    const value = answerValueOf(grouped.blocks, '+44 7400 100003');

    // Slack is slow with the post of the customer's new SMS (a storm's tail): someone presses Answer meanwhile.
    const release = s.fakeSlack.hang('chat.postMessage', (c) => /again/.test(JSON.stringify(c.args.blocks ?? c.args.text)));
    expect((await postInbound(s, { from: CUSTOMERS[2], to: OUR_NUMBER, text: 'again, where is it?' })).status).toBe(200);
    await waitUntil(
      () => s.fakeSlack.calls.some((c) => c.method === 'chat.postMessage' && /again/.test(JSON.stringify(c.args.blocks))),
      5000,
      'the new SMS on its way to Slack',
    );
    await s.slack.blockAction({
      actionId: 'grouped_sms_answer',
      value,
      userId: REPLIER,
      channelId: INBOX,
      messageTs: grouped.ts,
    });
    await new Promise((resolve) => setTimeout(resolve, 800));
    release();
    await s.fakeSlack.waitForResponses(1, 5000);
    await waitUntil(
      () =>
        s.db.prepare('SELECT count(*) AS n FROM slack_posts').get() !== undefined &&
        s.fakeSlack.calls.some((c) => c.method === 'chat.postMessage' && /again/.test(JSON.stringify(c.args.blocks)) && c.result),
      5000,
      'the new SMS posted',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));

    const smsPost = s.fakeSlack.calls.find((c) => c.method === 'chat.postMessage' && /again/.test(JSON.stringify(c.args.blocks)));
    const threads = s.db
      .prepare('SELECT thread_ts AS ts FROM slack_threads WHERE conversation_key = ?')
      .all(`${CUSTOMERS[2]}→${OUR_NUMBER}`) as Array<{ ts: string }>;
    expect(threads).toHaveLength(1);
    const threadTs = threads[0]?.ts;
    // The new SMS is the thread's first post or in it: a reply under it reaches the customer.
    const inThread = smsPost?.result?.ts === threadTs || smsPost?.args.thread_ts === threadTs;
    expect(inThread, `the SMS post ${smsPost?.result?.ts} (thread_ts ${smsPost?.args.thread_ts}) vs the thread ${threadTs}`).toBe(
      true,
    );
    // No second start post is left standing beside it.
    const starts = s.fakeSlack.calls.filter(
      (c) => c.method === 'chat.postMessage' && /Conversation with/.test(String(c.args.text)),
    );
    const deleted = s.fakeSlack.calls.filter((c) => c.method === 'chat.delete').map((c) => c.args.ts);
    expect(starts.filter((c) => c.result?.ts !== threadTs && !deleted.includes(c.result?.ts))).toHaveLength(0);
    const told = await s.fakeSlack.waitForResponses(1, 5000);
    expect(readable(told.at(-1)?.body)).toMatch(/already has a conversation thread|A thread for/);

    // A colleague answers under the customer's new SMS, as anyone would: the customer gets it.
    const under = String(smsPost?.args.thread_ts ?? smsPost?.result?.ts);
    await replyInThread(s, under, s.fakeSlack.nextTs(), 'On its way today', 'EvGroupedRace1');
    await waitUntil(() => s.emulator.state().messages.some((m) => m.direction === 'outbound'), 10_000, 'the reply at Wavix');
    expect(s.emulator.state().messages.filter((m) => m.direction === 'outbound')[0]).toMatchObject({ to: `+${CUSTOMERS[2]}` });
  });

  it("files the customer's SMS under the thread Answer is starting when it comes in meanwhile", async () => {
    t = await startSmsopsUnderTest({ SLACK_INBOX_CHANNEL: INBOX, SLACK_RELAY_PACE_MS: '0' });
    t.fakeSlack.setChannelMembers(INBOX, [ADMIN, REPLIER]);
    const s = t;
    const grouped = await groupedPostOfThree(s);
    const value = answerValueOf(grouped.blocks, '+44 7400 100002');
    const release = s.fakeSlack.hang('chat.postMessage', (c) => /Conversation with/.test(String(c.args.text)));
    await s.slack.blockAction({
      actionId: 'grouped_sms_answer',
      value,
      userId: REPLIER,
      channelId: INBOX,
      messageTs: grouped.ts,
    });
    await waitUntil(
      () => s.fakeSlack.calls.some((c) => c.method === 'chat.postMessage' && /Conversation with/.test(String(c.args.text))),
      5000,
      'the start post on its way',
    );
    expect((await postInbound(s, { from: CUSTOMERS[1], to: OUR_NUMBER, text: 'again, hello?' })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    release();
    await waitUntil(
      () =>
        s.fakeSlack.calls.some((c) => c.method === 'chat.postMessage' && /again/.test(JSON.stringify(c.args.blocks)) && c.result),
      5000,
      'the new SMS posted',
    );
    const start = s.fakeSlack.calls.find((c) => c.method === 'chat.postMessage' && /Conversation with/.test(String(c.args.text)));
    const smsPost = s.fakeSlack.calls.find((c) => c.method === 'chat.postMessage' && /again/.test(JSON.stringify(c.args.blocks)));
    const threads = s.db
      .prepare('SELECT thread_ts AS ts FROM slack_threads WHERE conversation_key = ?')
      .all(`${CUSTOMERS[1]}→${OUR_NUMBER}`) as Array<{ ts: string }>;
    expect(threads).toHaveLength(1);
    const threadTs = threads[0]?.ts;
    expect(smsPost?.result?.ts === threadTs || smsPost?.args.thread_ts === threadTs).toBe(true);
    // Whichever post started the thread, no other start post is left standing once the presser is told.
    await s.fakeSlack.waitForResponses(1, 5000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const deleted = s.fakeSlack.calls.filter((c) => c.method === 'chat.delete').map((c) => c.args.ts);
    expect(start?.result?.ts === threadTs || deleted.includes(start?.result?.ts)).toBe(true);
  });
});
