import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readable, runCommand, type SmsopsUnderTest, startSmsopsUnderTest, WEBHOOK_SECRET } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

/**
 * An SMS from a Sender ID, made by the Wavix emulator: Wavix's `InboundMessage.from` "can be numeric or alphanumeric"
 * (its example is `Wavix`), so the emulator posts it as sent and smsops stores and relays it under that sender.
 */

let t: SmsopsUnderTest;
let sink: WebhookSink;
const DID = '14155550100';
const PORTSIP_PATH = '/emc/Wavix - intake/0d3c9a51-7e2b-4c1d-9f00-aa11bb22cc33';

const api = (method: string, path: string, body?: unknown) =>
  fetch(`${t.emulator.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${t.emulator.apiKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

beforeAll(async () => {
  sink = await startWebhookSink();
  t = await startSmsopsUnderTest({ RELAY_RETRY_BASE_MS: '20', SLACK_RELAY_PACE_MS: '0' });
  const routed = await runCommand(t, `route set +${DID} ${sink.url}${PORTSIP_PATH}`);
  expect(readable(routed.body)).not.toMatch(/not|invalid|error/i);
  const profile = await api('PUT', '/v1/profile', { sms_relay_url: `${t.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}` });
  expect(profile.status).toBe(200);
}, 30_000);

afterAll(async () => {
  await t?.stop();
  await sink?.close();
});

describe('an inbound SMS from the emulator', () => {
  it.each([
    ['Wavix', 'Wavix'],
    ['MyBank-2FA', 'MyBank-2FA'],
    // A phone number still reaches smsops in Wavix's digits.
    ['+1 (202) 555-0143', '12025550143'],
  ])('from %j is stored, relayed and listed from %j', async (sent, expected) => {
    const answer = await api('POST', '/_emulator/inbound', { from: sent, to: DID, text: 'Your code is 1234' });
    const inbound = (await answer.json()) as { message_id: string; webhook_status: number };
    expect(inbound.webhook_status).toBe(200);
    expect(t.db.prepare('SELECT from_number FROM inbound_messages WHERE wavix_message_id = ?').get(inbound.message_id)).toEqual({
      from_number: expected,
    });
    const relayed = await waitUntil(
      () => sink.received.find((r) => (r.json() as { message_id?: string }).message_id === inbound.message_id),
      10_000,
      'the SMS relayed to PortSIP',
    );
    expect((relayed.json() as { from: string }).from).toBe(expected);
    const listed = (await (await api('GET', '/v3/messages?type=inbound')).json()) as {
      items: Array<{ message_id: string; from: string }>;
    };
    expect(listed.items.find((m) => m.message_id === inbound.message_id)?.from).toBe(expected);
  });
});
