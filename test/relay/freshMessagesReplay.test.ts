// A replay (or a route change) sets a delivery's attempts back to 0, but it was tried before: its row is read again,
// so a row damaged since the message was stored is set aside again, not sent from the fresh-message copy. (Found by
// the acceptance check of issue 16's relay changes.)
import { describe, expect, it } from 'vitest';
import { type SmsopsUnderTest, WEBHOOK_SECRET } from '../helpers/smsopsUnderTest.js';
import { useSmsopsWithSink } from '../helpers/smsopsWithSink.js';
import { waitUntil } from '../helpers/waitUntil.js';

const rig = useSmsopsWithSink({
  portsipPath: '/sms',
  env: { RELAY_RETRY_BASE_MS: '20', SLACK_RELAY_PACE_MS: '0' },
  checkSecrets: false,
});
let t: SmsopsUnderTest;

const portsipRow = () =>
  t.db
    .prepare(
      "SELECT d.id, d.status, d.attempts FROM deliveries d JOIN inbound_messages m ON m.id = d.inbound_message_id WHERE m.wavix_message_id = 'dmg-1' AND d.destination_kind = 'portsip'",
    )
    .get() as { id: number; status: string; attempts: number } | undefined;

describe('a replayed delivery whose stored row was damaged since', () => {
  it('is read from its row again (unreadable: not sent), not taken from the copy kept at ingest', async () => {
    const { sink, t: running } = await rig.start();
    t = running;
    sink.respondWith(503);
    const response = await fetch(`${t.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        message_id: 'dmg-1',
        message_type: 'sms',
        from: '447400123456',
        to: '14155550100',
        message_body: { text: 'x', media: null },
        received_at: '2026-11-25T10:00:00.000Z',
      }),
    });
    expect(response.status).toBe(200);
    await waitUntil(() => sink.received.length >= 1, 5000, 'a first attempt at PortSIP');
    t.db.prepare("UPDATE inbound_messages SET media = '{not json' WHERE wavix_message_id = 'dmg-1'").run();
    await waitUntil(() => portsipRow()?.status === 'dead', 10_000, 'the damaged row set aside as dead');
    sink.respondWith(200);
    const tried = sink.received.length;
    // What `/sms relay replay dead` does to it (deliveries.restart with replay: attempts 0, due now).
    t.db
      .prepare(
        "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = 0, dead_at = NULL, deterministic_failures = 0 WHERE id = ?",
      )
      .run(portsipRow()?.id);
    await waitUntil(() => (portsipRow()?.attempts ?? 0) > 0, 5000, 'the replay attempted');
    expect(portsipRow()?.status).not.toBe('delivered');
    expect(sink.received.length).toBe(tried);
  });
});
