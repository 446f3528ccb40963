import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenDlcWebhookUrls } from '../../src/jobs/tenDlcWebhookUrls.js';
import { type SmsopsUnderTest, startSmsopsUnderTest, stopCheckingSecrets, WEBHOOK_SECRET } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * What the inbox channel and the alert channel show of a sender and of a 10DLC status webhook, whatever Wavix passes on:
 * an alphanumeric sender, one with a line break and mrkdwn in it, half an emoji, a 10DLC number of 200,000 characters.
 */

let t: SmsopsUnderTest;
beforeAll(async () => {
  t = await startSmsopsUnderTest({ SLACK_RELAY_PACE_MS: '0' });
});
afterAll(() => stopCheckingSecrets(t));

const post = (path: string, body: string) =>
  fetch(`${t.smsops.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
    (r) => r.status,
  );

/** The chat.postMessage of the SMS with this Wavix id: its fallback text and the mrkdwn of its first block. */
async function postOf(messageId: string, from: string): Promise<{ text: string; header: string }> {
  // The sender is written as JSON would carry it (`\ud800` stays an escape: JSON.stringify would keep it as one).
  const body = `{"message_id":"${messageId}","message_type":"sms","from":${from},"to":"14155550100","message_body":{"text":"hello","media":null},"received_at":"2026-11-25T10:00:00Z"}`;
  expect(await post(`/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, body)).toBe(200);
  const call = await waitUntil(
    () => t.fakeSlack.callsTo('chat.postMessage').find((c) => JSON.stringify(c.args.blocks ?? []).includes(messageId)),
    8000,
    `the post of ${messageId}`,
  );
  const blocks = call.args.blocks as Array<{ text?: { text: string } }>;
  return { text: String(call.args.text), header: blocks[0]?.text?.text ?? '' };
}

describe('a sender in the inbox channel', () => {
  it('an alphanumeric sender is shown as sent, without a "+"', async () => {
    const { text, header } = await postOf('alpha-1', '"ACME"');
    expect(header).toBe('*SMS* from *ACME* to +1 415 555 0100');
    expect(text).toBe('SMS from ACME: hello');
  });

  it('a sender with a line break and mrkdwn stays one bold run on the header line', async () => {
    const { text, header } = await postOf('multiline-1', '"Bank\\n*URGENT* call _now_ ~x~ `y`"');
    // Before: "*SMS* from *+Bank\n*URGENT* call…", the bold ended early and a line of the sender's own began.
    expect(header).toBe('*SMS* from *Bank ＊URGENT＊ call ＿now＿ ～x～ ｀y｀* to +1 415 555 0100');
    expect(text).toBe('SMS from Bank ＊URGENT＊ call ＿now＿ ～x～ ｀y｀: hello');
  });

  it('half an emoji in the sender is stored and shown as one U+FFFD, like the text', async () => {
    const { header } = await postOf('lone-from-1', '"1\\ud800"');
    // Before: stored as sent, read back from SQLite as three U+FFFD, shown as "+1���".
    expect(header).toBe('*SMS* from *1\uFFFD* to +1 415 555 0100');
    expect(t.db.prepare("SELECT from_number FROM inbound_messages WHERE wavix_message_id = 'lone-from-1'").pluck().get()).toBe(
      '1\uFFFD',
    );
  });
});

describe('a 10DLC status webhook in the alert channel', () => {
  it('keeps each field on one line and bounded: a 200,000-character number makes a short post', async () => {
    const urls = tenDlcWebhookUrls(t.smsops.url, WEBHOOK_SECRET);
    const before = t.fakeSlack.callsTo('chat.postMessage').length;
    const payload = { brand_id: 'BX\n*FAKE* line', campaign_id: 'CX1', number: '1'.repeat(200_000), status: 'SUSPENDED' };
    expect(await post(new URL(urls.number).pathname, JSON.stringify(payload))).toBe(200);
    // The alert (SUSPENDED) and the announcement of the change.
    const posts = await waitUntil(
      () => {
        const calls = t.fakeSlack.callsTo('chat.postMessage').slice(before);
        return calls.length >= 2 ? calls : undefined;
      },
      8000,
      'the 10DLC alert and announcement',
    );
    for (const call of posts) {
      const text = String(call.args.text);
      // Before: 200,067 characters, five times the 40,000 Slack keeps of a message's text.
      expect(text.length).toBeLessThan(1_000);
      expect(text).not.toContain('\n');
      const section = (call.args.blocks as Array<{ text?: { text: string } }>)[0]?.text?.text ?? '';
      expect(section.length).toBeLessThan(1_000);
      expect(section).toContain('(brand BX ＊FAKE＊ line)');
    }
    const announced = posts.map((c) => (c.args.blocks as Array<{ text?: { text: string } }>)[0]?.text?.text ?? '');
    expect(announced).toContainEqual(
      expect.stringMatching(/^:no_entry: 10DLC number \*1{99}…\* on campaign CX1 \(brand BX ＊FAKE＊ line\) is now `SUSPENDED`/),
    );
  });
});
