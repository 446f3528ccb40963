// The fresh-message cache is keyed by inbound_messages.id, an INTEGER PRIMARY KEY without AUTOINCREMENT: once the
// newest row is deleted (retention, after a quiet spell), SQLite gives its id to the next message, whose first attempt
// must send its own body, not the deleted one's. (Found by the acceptance check of issue 16's relay changes.)
import { describe, expect, it } from 'vitest';
import { type SmsopsUnderTest, WEBHOOK_SECRET } from '../helpers/smsopsUnderTest.js';
import { useSmsopsWithSink } from '../helpers/smsopsWithSink.js';
import { waitUntil } from '../helpers/waitUntil.js';

const rig = useSmsopsWithSink({
  portsipPath: '/sms',
  env: { RELAY_RETRY_BASE_MS: '20', SLACK_RELAY_PACE_MS: '0' },
  checkSecrets: false,
});

const body = (messageId: string, text: string) =>
  JSON.stringify({
    message_id: messageId,
    message_type: 'sms',
    from: '447400123456',
    to: '14155550100',
    message_body: { text, media: null },
    received_at: '2026-11-25T10:00:00.000Z',
  });

const post = (t: SmsopsUnderTest, raw: string) =>
  fetch(`${t.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: raw,
  });

describe('a message whose id was used by a deleted message', () => {
  it('is relayed with its own content, not the deleted message it shares an id with', async () => {
    const { t, sink } = await rig.start();
    expect((await post(t, body('old-1', 'old text, since deleted by retention'))).status).toBe(200);
    await waitUntil(() => sink.received.length >= 1, 5000, 'the old message at PortSIP');
    await waitUntil(
      () =>
        (t.db.prepare("SELECT count(*) AS n FROM deliveries WHERE status IN ('pending', 'in_flight')").get() as { n: number })
          .n === 0,
      5000,
      'both legs of the old message done',
    );
    const oldId = (t.db.prepare("SELECT id FROM inbound_messages WHERE wavix_message_id = 'old-1'").get() as { id: number }).id;
    // What retention does to a finished message past the window (src/store/retention/tables.ts).
    t.db.transaction(() => {
      t.db.prepare('DELETE FROM slack_post_messages WHERE inbound_message_id = ?').run(oldId);
      t.db.prepare('DELETE FROM deliveries WHERE inbound_message_id = ?').run(oldId);
      t.db.prepare('DELETE FROM inbound_messages WHERE id = ?').run(oldId);
    })();

    expect((await post(t, body('new-1', 'the new text'))).status).toBe(200);
    const newId = (t.db.prepare("SELECT id FROM inbound_messages WHERE wavix_message_id = 'new-1'").get() as { id: number }).id;
    expect(newId).toBe(oldId); // the precondition: SQLite reused the id
    await waitUntil(() => sink.received.length >= 2, 5000, 'the new message at PortSIP');
    expect((sink.received[1]?.json() as { message_id: string } | undefined)?.message_id).toBe('new-1');
  });
});
