import { afterEach, describe, expect, it } from 'vitest';
import {
  ALERT_CHANNEL,
  OUTSIDER,
  postInbound,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
} from '../helpers/smsopsUnderTest.js';

/** `/sms inbox` pages through every stored message, ten a page, each page saying how many follow and how to see them. */

let t: SmsopsUnderTest;
afterEach(async () => {
  await stopCheckingSecrets(t);
});

const SUPPORT = '+14155550100';
const SENT = 15;
const MEMBER = 'U0MEMBER03';

/** The texts ("sms 3") a page shows, in order, and its footer. */
async function inbox(text: string, userId?: string): Promise<{ texts: string[]; all: string; fallback: string }> {
  const { body } = await runCommand(t, text, userId ? { userId } : {});
  const all = readable(body);
  return { texts: all.match(/sms \d+/g) ?? [], all, fallback: body.text };
}

describe('/sms inbox with more messages than one page', () => {
  it('shows ten, says how many more and the command for them, and page 2 shows the rest', async () => {
    t = await startSmsopsUnderTest();
    for (let i = 0; i < SENT; i++) {
      const answer = await postInbound(t, { from: String(447400100000 + i), text: `sms ${i}` });
      expect(answer.status).toBe(200);
    }
    const newest = Array.from({ length: SENT }, (_, i) => `sms ${SENT - 1 - i}`);

    const first = await inbox(`inbox ${SUPPORT}`);
    expect(first.texts).toEqual(newest.slice(0, 10));
    expect(first.all).toContain(
      `Page 1 of 2 (messages 1–10 of 15). …and 5 more messages — \`/sms inbox ${SUPPORT} page 2\` shows the next ones.`,
    );
    expect(first.fallback).toBe('10 received, 0 replies (page 1 of 2, 15 messages)');

    const second = await inbox(`inbox ${SUPPORT} page 2`);
    expect(second.texts).toEqual(newest.slice(10));
    expect(second.all).toContain(`Page 2 of 2 (messages 11–15 of 15). \`/sms inbox ${SUPPORT}\` starts again from the first.`);

    const past = await inbox(`inbox ${SUPPORT} page 3`);
    expect(past.texts).toEqual(newest.slice(10));
    expect(past.all).toContain('There is no page 3; this is the last. Page 2 of 2 (messages 11–15 of 15).');

    const all = await inbox('inbox');
    expect(all.texts).toEqual(newest.slice(0, 10));
    expect(all.all).toContain('…and 5 more messages — `/sms inbox page 2` shows the next ones.');
    expect((await inbox('inbox page 2')).texts).toEqual(newest.slice(10));
  });

  it('hides the text and sender on every page from someone outside the channel, as on the first', async () => {
    t = await startSmsopsUnderTest();
    for (let i = 0; i < SENT; i++) await postInbound(t, { from: String(447400100000 + i), text: `sms ${i}` });
    // With no route or inbox channel, the SMS are posted in the alert channel.
    t.fakeSlack.setChannelMembers(ALERT_CHANNEL, [MEMBER]);

    const outside = await inbox(`inbox ${SUPPORT} page 2`, OUTSIDER);
    expect(outside.texts).toEqual([]);
    expect(outside.all).not.toContain('447400');
    expect(outside.all).toContain('The text and sender of 5 messages are hidden');
    expect(outside.all).toContain('Page 2 of 2 (messages 11–15 of 15).');

    const member = await inbox(`inbox ${SUPPORT} page 2`, MEMBER);
    expect(member.texts).toEqual(['sms 4', 'sms 3', 'sms 2', 'sms 1', 'sms 0']);
  });
});
