import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  readable,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
  WEBHOOK_SECRET,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

/**
 * An inbound SMS's received_at as Wavix may write it: ISO 8601 forms V8's Date.parse refuses are read for what they
 * say, and dates that do not exist or years no SMS was sent in are not moved to another day: a schema warning, and
 * smsops' own arrival time, as for any received_at that is not a date-time. The webhook is still answered 200,
 * stored and relayed byte for byte.
 */

let t: SmsopsUnderTest;
let sink: WebhookSink;

beforeAll(async () => {
  sink = await startWebhookSink();
  t = await startSmsopsUnderTest({
    PORTSIP_WEBHOOK_URL: `${sink.url}/emc/wavix`,
    RELAY_RETRY_BASE_MS: '20',
    SLACK_RELAY_PACE_MS: '0',
  });
}, 30_000);
afterAll(async () => {
  await stopCheckingSecrets(t);
  await sink.close();
});

let counter = 0;
async function receive(receivedAt: string) {
  const id = `received-at-${++counter}`;
  const raw = JSON.stringify({
    message_id: id,
    message_type: 'sms',
    from: '447400123456',
    to: '14155550100',
    message_body: { text: `hello ${counter}`, media: null },
    received_at: receivedAt,
  });
  const arrival = Date.now(); // smsops runs on real time here: the test never moves its clock
  const response = await fetch(`${t.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: raw,
  });
  expect(response.status).toBe(200);
  const stored = t.db
    .prepare('SELECT received_at, received_at_text, raw_body FROM inbound_messages WHERE wavix_message_id = ?')
    .get(id) as { received_at: number; received_at_text: string; raw_body: Buffer };
  expect(stored.received_at_text).toBe(receivedAt);
  expect(stored.raw_body.toString('utf8')).toBe(raw);
  await waitUntil(() => sink.received.find((r) => r.body.toString('utf8') === raw), 10_000, 'PortSIP');
  const post = await waitUntil(
    () => t.fakeSlack.callsTo('chat.postMessage').find((c) => readable(c.args).includes(`hello ${counter}`)),
    10_000,
    'the Slack post',
  );
  const warning = t.db.prepare('SELECT problems FROM schema_warnings WHERE wavix_message_id = ?').pluck().get(id) as
    | string
    | undefined;
  return { receivedAt: stored.received_at, arrival, post: readable(post.args), warnings: JSON.parse(warning ?? '[]') };
}

describe("an inbound SMS's received_at", () => {
  it.each([
    ['2026-11-27T17:34:00+00', Date.UTC(2026, 10, 27, 17, 34)],
    ['20261127T173400Z', Date.UTC(2026, 10, 27, 17, 34)],
    ['2026-11-27T17:34:00,5Z', Date.UTC(2026, 10, 27, 17, 34, 0, 500)],
    ['2026-11-27T18:34:00 +0100', Date.UTC(2026, 10, 27, 17, 34)],
  ])('%s, valid ISO 8601, is read as it says, with no warning', async (text, expected) => {
    const seen = await receive(text);
    expect(seen.receivedAt).toBe(expected);
    expect(seen.warnings).toEqual([]);
    expect(seen.post).toContain('2026-11-27 17:34 UTC');
  });

  it.each([
    ['2026-02-29T10:00:00Z', '2026-03-01'],
    ['2026-02-31', '2026-03-03'],
    ['0000-01-01', '2000-01-01'], // V8 reads it as 2000
    ['+275760-09-13', '+275760'],
  ])('%s, a date no SMS arrived on, is warned and taken as the arrival, not %s', async (text, moved) => {
    const seen = await receive(text);
    expect(seen.warnings).toEqual(['received_at is not a date-time']);
    expect(Math.abs(seen.receivedAt - seen.arrival)).toBeLessThan(60_000);
    expect(seen.post).not.toContain(moved);
    expect(seen.post).toContain(`${new Date(seen.arrival).toISOString().slice(0, 10)} `);
  });
});
