import { afterEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { pressForAnswer } from '../helpers/buttonPress.js';
import { REPLY_THREAD } from '../helpers/replyThreads.js';
import {
  ADMIN,
  postInbound,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * `/sms forget` after someone pressed Answer on a grouped post: the post that started the customer's thread names their
 * number (and `/sms inbox +…`), so an erasure that left it in the channel left the number it was asked to remove.
 */
const { inbox: INBOX, replier: REPLIER, ourNumber: OUR_NUMBER } = REPLY_THREAD;
const CUSTOMER = '447400100003';
const OTHER = '447400100001';

let t: SmsopsUnderTest | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

// biome-ignore lint/suspicious/noExplicitAny: Slack blocks are read structurally
type Block = any;

describe('/sms forget of a customer someone answered from a grouped post', () => {
  it("deletes the post that started the customer's thread, which names their number", async () => {
    t = await startSmsopsUnderTest({ SLACK_INBOX_CHANNEL: INBOX, SLACK_RELAY_PACE_MS: '0' });
    t.fakeSlack.setChannelMembers(INBOX, [ADMIN, REPLIER]);
    const s = t;
    s.fakeSlack.rateLimit('chat.postMessage', 1, 1);
    expect((await postInbound(s, { from: OTHER, to: OUR_NUMBER, text: 'first' })).status).toBe(200);
    await waitUntil(() => s.fakeSlack.calls.some((c) => c.method === 'chat.postMessage' && c.rateLimited), 5000, 'the 429');
    expect((await postInbound(s, { from: CUSTOMER, to: OUR_NUMBER, text: 'my order?' })).status).toBe(200);
    const [grouped] = await s.fakeSlack.waitFor('chat.postMessage', 1, 10_000);
    expect(String(grouped?.args.text)).toBe('2 inbound messages');
    const value = String(
      ((grouped?.args.blocks ?? []) as Block[]).find((b) => b.accessory && String(b.text?.text).includes('+44 7400 100003'))
        ?.accessory?.value,
    );
    await s.slack.blockAction({
      actionId: 'grouped_sms_answer',
      value,
      userId: REPLIER,
      channelId: INBOX,
      messageTs: String(grouped?.result?.ts),
    });
    const start = await waitUntil(
      () =>
        s.fakeSlack.calls.find(
          (c) => c.method === 'chat.postMessage' && /Conversation with/.test(String(c.args.text)) && c.result,
        ),
      5000,
      'the thread started',
    );
    const startTs = String(start.result?.ts);
    expect(readable(start.args.blocks)).toContain('+44 7400 100003');
    await waitUntil(
      () =>
        s.db.prepare("SELECT count(*) FROM deliveries WHERE status NOT IN ('delivered', 'dead')").pluck().get() === 0
          ? true
          : undefined,
      10_000,
      'delivered',
    );

    const { body } = await runCommand(s, 'forget +44 7400 100003');
    const remove = (body as { blocks?: Array<{ elements?: Array<{ action_id: string; value: string }> }> }).blocks
      ?.flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id === ACTION.confirmForget)?.value;
    expect(remove).toBeDefined();
    const answer = await pressForAnswer(s, ACTION.confirmForget, String(remove), ADMIN);
    expect(answer).toContain('Removed what smsops held');
    const deleted = s.fakeSlack.callsTo('chat.delete').map((c) => String(c.args.ts));
    expect(deleted, answer).toContain(startTs);
    expect(answer).toContain('1 Slack post deleted');
  });
});
