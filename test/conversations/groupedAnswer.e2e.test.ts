import { afterEach, describe, expect, it } from 'vitest';
import { REPLY_THREAD, replyInThread } from '../helpers/replyThreads.js';
import { ADMIN, postInbound, readable, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

const { inbox: INBOX, replier: REPLIER } = REPLY_THREAD;
const CUSTOMERS = ['447400100001', '447400100002', '447400100003'] as const;
const OUR_NUMBERS = ['14155550100', '16135550123', '14155550100'] as const;

let t: SmsopsUnderTest | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

// biome-ignore lint/suspicious/noExplicitAny: Slack blocks are read structurally
type Block = any;

/** Three customers' SMS in one grouped post, as a storm makes them: Slack held the first post back (429) meanwhile. */
async function groupedPostOfThree(s: SmsopsUnderTest): Promise<{ ts: string; blocks: Block[] }> {
  s.fakeSlack.rateLimit('chat.postMessage', 1, 1);
  expect((await postInbound(s, { from: CUSTOMERS[0], to: OUR_NUMBERS[0], text: 'first' })).status).toBe(200);
  await waitUntil(() => s.fakeSlack.calls.some((c) => c.method === 'chat.postMessage' && c.rateLimited), 5000, 'the 429');
  for (const [i, from] of CUSTOMERS.entries())
    if (i > 0) expect((await postInbound(s, { from, to: OUR_NUMBERS[i], text: `text ${i}` })).status).toBe(200);
  const [post] = await s.fakeSlack.waitFor('chat.postMessage', 1, 10_000);
  expect(String(post?.args.text)).toBe('3 inbound messages');
  return { ts: String(post?.result?.ts), blocks: post?.args.blocks as Block[] };
}

const answerValueOf = (blocks: Block[], customerDigits: string): string => {
  const formatted = customerDigits.replace(/^44(\d{4})(\d{6})$/, '+44 $1 $2');
  const header = blocks.find((b) => b.accessory && String(b.text?.text).includes(formatted));
  return String(header?.accessory?.value);
};

describe('answering a customer whose SMS were grouped under a storm', () => {
  it("starts that customer's own thread from the grouped post, and a reply there reaches them alone, from the number they texted", async () => {
    t = await startSmsopsUnderTest({ SLACK_INBOX_CHANNEL: INBOX, SLACK_RELAY_PACE_MS: '0' });
    t.fakeSlack.setChannelMembers(INBOX, [ADMIN, REPLIER]);
    const s = t;
    const grouped = await groupedPostOfThree(s);
    // Every SMS of the post has its own button; none of the three customers has a thread yet.
    expect(grouped.blocks.filter((b: Block) => b.accessory?.type === 'button')).toHaveLength(3);
    expect(s.db.prepare('SELECT count(*) AS n FROM slack_threads').get()).toEqual({ n: 0 });

    const value = answerValueOf(grouped.blocks, CUSTOMERS[2]);
    const before = s.fakeSlack.callsTo('chat.postMessage').filter((c) => !c.rateLimited).length;
    await s.slack.blockAction({
      actionId: 'grouped_sms_answer',
      value,
      userId: REPLIER,
      channelId: INBOX,
      messageTs: grouped.ts,
    });
    const start = (await s.fakeSlack.waitFor('chat.postMessage', before + 1, 5000))[before];
    expect(readable(start?.args.blocks)).toContain('+44 7400 100003');
    expect(readable(start?.args.blocks)).toContain('+1 415 555 0100');
    const startTs = String(start?.result?.ts);
    const told = await s.fakeSlack.waitForResponses(1, 5000);
    expect(readable(told.at(-1)?.body)).toContain('A thread for');
    expect(s.db.prepare('SELECT conversation_key AS k FROM slack_threads WHERE thread_ts = ?').get(startTs)).toEqual({
      k: `${CUSTOMERS[2]}→${OUR_NUMBERS[2]}`,
    });

    await replyInThread(s, startTs, s.fakeSlack.nextTs(), 'Sorry, we are on it', 'EvGroupedAnswer1');
    await waitUntil(
      () => s.emulator.state().messages.some((m) => m.direction === 'outbound'),
      10_000,
      () =>
        `the reply at Wavix; logs:\n${s.logs
          .filter((l) => /repl/i.test(l))
          .slice(-8)
          .join('\n')}`,
    );
    const sent = s.emulator.state().messages.filter((m) => m.direction === 'outbound');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ to: `+${CUSTOMERS[2]}`, from: `+${OUR_NUMBERS[2]}` });

    // Pressed again: no second thread, the person is pointed at the one there is.
    await s.slack.blockAction({ actionId: 'grouped_sms_answer', value, userId: ADMIN, channelId: INBOX, messageTs: grouped.ts });
    const again = await s.fakeSlack.waitForResponses(2, 5000);
    expect(readable(again.at(-1)?.body)).toContain('already has a conversation thread');
    // A value naming an SMS this post does not show (forged): nothing started.
    await s.slack.blockAction({
      actionId: 'grouped_sms_answer',
      value: '999',
      userId: ADMIN,
      channelId: INBOX,
      messageTs: grouped.ts,
    });
    const forged = await s.fakeSlack.waitForResponses(3, 5000);
    expect(readable(forged.at(-1)?.body)).toContain('nothing was started');
    expect(s.fakeSlack.callsTo('chat.postMessage').filter((c) => /Conversation with/.test(String(c.args.text)))).toHaveLength(1);
  });
});

describe('a grouped SMS from a hostile sender name', () => {
  it('starts its thread without a mention or formatting in the post or its notification text', async () => {
    t = await startSmsopsUnderTest({ SLACK_INBOX_CHANNEL: INBOX, SLACK_RELAY_PACE_MS: '0' });
    t.fakeSlack.setChannelMembers(INBOX, [ADMIN, REPLIER]);
    const s = t;
    const hostile = '<!channel> `x` *URGENT*';
    s.fakeSlack.rateLimit('chat.postMessage', 1, 1);
    expect((await postInbound(s, { from: CUSTOMERS[0], to: OUR_NUMBERS[0], text: 'first' })).status).toBe(200);
    await waitUntil(() => s.fakeSlack.calls.some((c) => c.method === 'chat.postMessage' && c.rateLimited), 5000, 'the 429');
    expect((await postInbound(s, { from: hostile, to: OUR_NUMBERS[0], text: 'Your code is 1234' })).status).toBe(200);
    const [post] = await s.fakeSlack.waitFor('chat.postMessage', 1, 10_000);
    const blocks = post?.args.blocks as Block[];
    const header = blocks.find((b) => b.accessory && String(b.text?.text).includes('&lt;!channel&gt;'));
    const before = s.fakeSlack.callsTo('chat.postMessage').filter((c) => !c.rateLimited).length;
    await s.slack.blockAction({
      actionId: 'grouped_sms_answer',
      value: String(header?.accessory?.value),
      userId: REPLIER,
      channelId: INBOX,
      messageTs: String(post?.result?.ts),
    });
    const start = (await s.fakeSlack.waitFor('chat.postMessage', before + 1, 5000))[before];
    const posted = JSON.stringify([start?.args.text, start?.args.blocks]);
    expect(posted).toContain('Conversation with');
    expect(posted).not.toContain('<!channel>');
    expect(posted).not.toMatch(/\*URGENT\*|`x`/);
    // A name (or a national form kept as sent, 07400123456) has no number: no `/sms inbox +…` command is offered for it, nor a reply promised.
    expect(posted).not.toContain('/sms inbox +');
    expect(readable(start?.args.blocks)).toContain('a reply in this thread is not sent: this SMS came from a name');
    expect(readable(start?.args.blocks)).not.toContain('is texted to');
    const told = await s.fakeSlack.waitForResponses(1, 5000);
    expect(readable(told.at(-1)?.body)).toContain('a reply there is not sent');
  });
});
