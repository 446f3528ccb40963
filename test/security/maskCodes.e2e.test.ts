import { describe, expect, it } from 'vitest';
import { readable, type SmsopsUnderTest, WEBHOOK_SECRET } from '../helpers/smsopsUnderTest.js';
import { useSmsopsWithSink } from '../helpers/smsopsWithSink.js';
import { waitUntil } from '../helpers/waitUntil.js';
import type { WebhookSink } from '../helpers/webhookSink.js';

const rig = useSmsopsWithSink({
  portsipPath: '/emc/Wavix - US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90',
  env: { RELAY_RETRY_BASE_MS: '20', SLACK_RELAY_PACE_MS: '0' },
  checkSecrets: false,
});
let t: SmsopsUnderTest;
let sink: WebhookSink;

async function start(env: Record<string, string>) {
  ({ t, sink } = await rig.start(env));
}

const raw = Buffer.from(
  '{"message_id":"otp-1", "message_type":"sms","from":"447400123456","to":"14155550100","message_body":{"text":"Your verification code is 482913. Order 5551234 ships.","media":null},"received_at":"2026-11-25T10:00:00Z"}',
);

async function relayOne() {
  const response = await fetch(`${t.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: raw,
  });
  expect(response.status).toBe(200);
  const [post] = await t.fakeSlack.waitFor('chat.postMessage');
  const [delivered] = await waitUntil(() => sink.received.length > 0 && sink.received, 5000, 'the SMS at PortSIP');
  return { shown: readable({ text: post?.args.text, blocks: post?.args.blocks }), portsip: delivered?.body };
}

describe('SMS_MASK_CODES', () => {
  it('=1 shows the one-time code as dots in Slack while PortSIP receives the exact bytes', async () => {
    await start({ SMS_MASK_CODES: '1' });
    const { shown, portsip } = await relayOne();
    expect(shown).not.toContain('482913');
    expect(shown).toContain('Your verification code is ••••••. Order 5551234 ships.');
    expect(portsip?.equals(raw)).toBe(true);
  });

  it('=1 keeps the code masked when the post is edited in place with its PortSIP state', async () => {
    await start({ SMS_MASK_CODES: '1' });
    sink.respondWith(503);
    const response = await fetch(`${t.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: raw,
    });
    expect(response.status).toBe(200);
    await t.fakeSlack.waitFor('chat.postMessage');
    sink.respondWith(200);
    const edit = await waitUntil(
      () => t.fakeSlack.callsTo('chat.update').find((c) => readable({ blocks: c.args.blocks }).includes('PortSIP ✓')),
      10_000,
      'the post edited to show PortSIP ✓',
    );
    const shown = readable({ text: edit.args.text, blocks: edit.args.blocks });
    expect(shown).not.toContain('482913');
    expect(shown).toContain('Your verification code is ••••••.');
  });

  it('is off by default: the text is posted as received', async () => {
    await start({});
    const { shown, portsip } = await relayOne();
    expect(shown).toContain('Your verification code is 482913.');
    expect(portsip?.equals(raw)).toBe(true);
  });
});
