import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  readable,
  runCommand,
  type SmsopsUnderTest,
  slackTraffic,
  startSmsopsUnderTest,
  WEBHOOK_SECRET,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

const DAY = 86_400_000;
const SMS_TEXT = 'retention e2e: the door code is 7731';

let t: SmsopsUnderTest;
let sink: WebhookSink;
beforeEach(async () => {
  sink = await startWebhookSink();
  t = await startSmsopsUnderTest({
    PORTSIP_WEBHOOK_URL: `${sink.url}/emc/direct`,
    SLACK_RELAY_PACE_MS: '0',
    // A failed PortSIP attempt waits a minute (and the test puts it off further): the message stays pending.
    RELAY_RETRY_BASE_MS: '60000',
  });
});
afterEach(async () => {
  const seen = `${slackTraffic(t)}\n${t.logs.join('\n')}`;
  for (const secret of t.secrets) expect(seen).not.toContain(secret);
  // The retention job's lines carry counts only (Bolt's own debug lines are another matter: not this job's).
  const retentionLines = t.logs.filter((line) => line.includes('"job":"retention"'));
  expect(retentionLines.length).toBeGreaterThan(0);
  expect(retentionLines.join('\n')).not.toContain('door code');
  await t.stop();
  await sink.close();
});

async function postInbound(id: string): Promise<void> {
  const response = await fetch(`${t.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      message_id: id,
      message_type: 'sms',
      from: '447400123456',
      to: '14155550100',
      message_body: { text: SMS_TEXT, media: null },
      received_at: '2026-11-25T10:00:00.000Z',
    }),
  });
  expect(response.status).toBe(200);
}

const deliveryStates = (wavixId: string) =>
  t.db
    .prepare(
      `SELECT d.destination_kind || ':' || d.status || ':' || d.attempts FROM deliveries d
       JOIN inbound_messages m ON m.id = d.inbound_message_id WHERE m.wavix_message_id = ? ORDER BY d.destination_kind`,
    )
    .pluck()
    .all(wavixId) as string[];

describe('retention job (real app, emulator clock)', () => {
  it('`/sms jobs run retention` deletes an old relayed message, keeps one still pending, and shows in `/sms jobs`', async () => {
    await postInbound('relayed-1');
    await waitUntil(() => deliveryStates('relayed-1').every((s) => s.includes(':delivered:')), 5000, 'both legs delivered');
    sink.respondWith(503);
    await postInbound('pending-1');
    await waitUntil(() => deliveryStates('pending-1').includes('portsip:pending:1'), 5000, 'a failed PortSIP attempt');
    // The relay reads the same clock as retention: its next attempt is put beyond the jump, or that attempt (91 days
    // into the retry window) would make the delivery dead before retention runs.
    t.db.prepare("UPDATE deliveries SET next_attempt_at = ? WHERE status = 'pending'").run(t.emulator.clock.now() + 365 * DAY);

    await t.emulator.clock.advance(91 * DAY);
    const reply = readable((await runCommand(t, 'jobs run retention')).body);

    expect(reply).toContain('retention: ok');
    expect(reply).toContain('deleted 1 inbound_messages, 2 deliveries');
    expect(reply).toContain('1 older inbound_messages kept (a delivery still pending)');
    expect(t.db.prepare('SELECT wavix_message_id FROM inbound_messages').pluck().all()).toEqual(['pending-1']);
    expect(deliveryStates('pending-1')).toHaveLength(2);

    const jobs = readable((await runCommand(t, 'jobs')).body);
    expect(jobs).toMatch(/retention\* `30 3 \* \* \*`/);
    expect(jobs).toContain('after 90 days');
    expect(jobs).toMatch(/retention[\s\S]*last run .*: ok/);
  });
});
