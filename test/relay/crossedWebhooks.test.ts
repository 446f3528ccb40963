import { describe, expect, it } from 'vitest';
import { type SmsopsUnderTest, WEBHOOK_SECRET } from '../helpers/smsopsUnderTest.js';
import { useSmsopsWithSink } from '../helpers/smsopsWithSink.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';
import type { WebhookSink } from '../helpers/webhookSink.js';

/**
 * Wavix's two SMS webhooks end with the same secret, so one pasted into the other's field in Wavix's portal still
 * reaches smsops: a delivery report at the inbound URL, an SMS at the DLR URL. Each is taken as what it is.
 */

const rig = useSmsopsWithSink({ portsipPath: '/emc/wavix', env: { RELAY_RETRY_BASE_MS: '20', SLACK_RELAY_PACE_MS: '0' } });
let t: SmsopsUnderTest;
let sink: WebhookSink;

async function post(route: 'inbound' | 'dlr', body: unknown) {
  const response = await fetch(`${t.smsops.url}/webhooks/wavix/${route}/${WEBHOOK_SECRET}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return response.status;
}

const count = (sql: string, id: string) => t.db.prepare(sql).pluck().get(id) as number;

describe('webhooks posted to the other route', () => {
  it('takes a delivery report posted to the inbound URL as a report: no SMS from the team’s own number', async () => {
    ({ t, sink } = await rig.start());
    const report = {
      delivered: null,
      error: null,
      from: '14155550100',
      message_id: 'dlr-on-inbound-1',
      message_type: 'sms',
      segments_count: 1,
      sent: '2026-11-25T10:00:02',
      status: 'sent',
      to: '447400123456',
      tag: 'a tag',
      charge: '0.0100',
      carrier_fees: '0.0000',
    };
    expect(await post('inbound', report)).toBe(200);
    expect(count('SELECT count(*) FROM delivery_reports WHERE wavix_message_id = ?', 'dlr-on-inbound-1')).toBe(1);
    expect(count('SELECT count(*) FROM inbound_messages WHERE wavix_message_id = ?', 'dlr-on-inbound-1')).toBe(0);
    await sleep(300);
    expect(sink.received).toHaveLength(0);
    expect(t.fakeSlack.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(0);
    expect(t.logs.some((l) => l.includes('a delivery report came to smsops’ inbound SMS webhook'))).toBe(true);
  });

  it('takes an SMS posted to the delivery report URL as an SMS, relayed to PortSIP (it was refused and lost)', async () => {
    ({ t, sink } = await rig.start());
    const sms = {
      message_id: 'sms-on-dlr-1',
      from: '447400123456',
      to: '14155550100',
      message_body: { text: 'hello', media: null },
      received_at: '2026-11-25T10:00:00.000Z',
    };
    expect(await post('dlr', sms)).toBe(200);
    await waitUntil(
      () => sink.received.length === 1,
      5_000,
      () => 'the SMS at PortSIP',
    );
    expect(JSON.parse(sink.received[0]?.body.toString() ?? '{}')).toMatchObject({ message_id: 'sms-on-dlr-1' });
    expect(count('SELECT count(*) FROM rejected_webhooks WHERE route = ?', 'dlr')).toBe(0);
    expect(t.logs.some((l) => l.includes('an inbound SMS came to smsops’ delivery report webhook'))).toBe(true);
    // A repeat is the duplicate it is.
    expect(await post('dlr', sms)).toBe(200);
    expect(count('SELECT count(*) FROM inbound_messages WHERE wavix_message_id = ?', 'sms-on-dlr-1')).toBe(1);
  });
});

describe('an SMS that merely carries a status', () => {
  it('relays an inbound SMS with a status field and no message_body (its text under another name) to PortSIP', async () => {
    ({ t, sink } = await rig.start());
    const sms = {
      message_id: 'sms-with-status-1',
      from: '447400123456',
      to: '14155550100',
      text: 'hello from a drifted payload',
      status: 'received',
      received_at: '2026-11-25T10:00:00.000Z',
    };
    expect(await post('inbound', sms)).toBe(200);
    await waitUntil(
      () => sink.received.length === 1,
      5_000,
      () => 'the SMS at PortSIP',
    );
    expect(sink.received[0]?.body.toString()).toBe(JSON.stringify(sms));
    expect(count('SELECT count(*) FROM inbound_messages WHERE wavix_message_id = ?', 'sms-with-status-1')).toBe(1);
  });
});
