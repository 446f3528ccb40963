import { afterEach, describe, expect, it } from 'vitest';
import {
  ADMIN,
  PUBLIC_BASE_URL,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
  WEBHOOK_SECRET,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

/**
 * A PortSIP route naming smsops' own inbound webhook: the relay posted each SMS back to smsops, which answered it as a
 * duplicate (200), so every SMS showed delivered ("PortSIP ✓", doctor's last delivery) while PortSIP got none.
 */

let t: SmsopsUnderTest | undefined;
let sink: WebhookSink | undefined;
afterEach(async () => {
  if (t) await stopCheckingSecrets(t);
  await sink?.close();
  t = sink = undefined;
});

const UUID = '0d3c1111-aaaa-3333-4444-555566667777';

// biome-ignore lint/suspicious/noExplicitAny: Slack message bodies are asserted structurally
const sectionWith = (body: any, text: string) =>
  body.blocks.find((b: { type: string; text?: { text: string } }) => b.type === 'section' && b.text?.text.includes(text));

async function post(smsops: SmsopsUnderTest, messageId: string, to: string): Promise<void> {
  const response = await fetch(`${smsops.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      message_id: messageId,
      message_type: 'sms',
      from: '447400800001',
      to,
      message_body: { text: 'hello', media: null },
      received_at: '2026-11-25T10:00:00.000Z',
    }),
  });
  expect(response.status).toBe(200);
}

describe('a PortSIP route pointing back at smsops', () => {
  it('is refused by /sms route set, in words, whether named by its listener, localhost or PUBLIC_BASE_URL', async () => {
    sink = await startWebhookSink();
    t = await startSmsopsUnderTest();
    const smsops = t;
    const port = new URL(smsops.smsops.url).port;
    const own = [
      `${smsops.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`,
      `http://localhost:${port}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`,
      `http://127.0.0.1:${port}/emc/Wavix - US/${UUID}`,
      `${PUBLIC_BASE_URL}/webhooks/wavix/inbound/${UUID}`,
      `https://pbx.example.com:8887/webhooks/wavix/inbound/${WEBHOOK_SECRET}`,
    ];
    for (const url of own) {
      const answer = readable((await runCommand(smsops, `route set +1 415 555 0151 ${url}`)).body);
      expect(answer, url).toContain('smsops does not send to');
      expect(answer, url).toMatch(/it is smsops’ own (webhook|listener)/);
      expect(answer, url).toContain('none would reach PortSIP');
      expect(answer, url).not.toContain('Route saved');
    }
    expect(smsops.db.prepare('SELECT count(*) AS n FROM routes').get()).toEqual({ n: 0 });

    // PortSIP on this host, on its own port, is still a route.
    const pbx = readable((await runCommand(smsops, `route set +1 415 555 0151 ${sink.url}/emc/Wavix - US/${UUID}`)).body);
    expect(pbx).toContain('Route saved');
    // A PBX behind the same proxy as PUBLIC_BASE_URL, on another path, is not smsops.
    const sameProxy = readable(
      (await runCommand(smsops, `route set +1 415 555 0152 ${PUBLIC_BASE_URL}/webhooks/portsip/${UUID}`)).body,
    );
    expect(sameProxy).not.toContain('smsops’ own');
  });

  it('already stored: its SMS is not shown delivered, the attempt fails saying why, and doctor fails the route', async () => {
    t = await startSmsopsUnderTest({ SLACK_RELAY_PACE_MS: '0', RELAY_RETRY_BASE_MS: '20000' });
    const smsops = t;
    // As a route set before smsops checked this was stored.
    const looped = `${smsops.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`;
    smsops.db
      .prepare(
        'INSERT INTO routes (number, portsip_url, slack_channel, created_by, created_at, updated_at) VALUES (?, ?, NULL, ?, ?, ?)',
      )
      .run('+14155550151', looped, ADMIN, Date.now(), Date.now());

    await post(smsops, 'loop-1', '14155550151');
    const attempt = await waitUntil(
      () =>
        smsops.db
          .prepare(
            "SELECT status, last_status_code AS code, last_error AS error FROM deliveries WHERE destination_kind = 'portsip' AND attempts >= 1",
          )
          .get() as { status: string; code: number; error: string } | undefined,
      5000,
      'the attempt at smsops’ own webhook',
    );
    expect(attempt.status).not.toBe('delivered');
    expect(attempt.code).toBe(421);
    expect(attempt.error).toContain('this is smsops’ own webhook, not PortSIP: a route points back at smsops');
    // Stored once: the post back was not taken as a duplicate of it.
    expect(smsops.db.prepare("SELECT count(*) AS n FROM inbound_messages WHERE wavix_message_id = 'loop-1'").get()).toEqual({
      n: 1,
    });

    const before = smsops.fakeSlack.responses.length;
    await runCommand(smsops, 'doctor');
    const report = (await smsops.fakeSlack.waitForResponses(before + 2))[before + 1]?.body;
    const route = sectionWith(report, 'PortSIP route +1 415 555 0151');
    expect(route.text.text).toContain(':x:');
    expect(route.text.text).toContain('it is smsops’ own webhook');
    expect(route.text.text).toContain('/sms route set');
  });
});
