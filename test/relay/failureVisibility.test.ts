import { describe, expect, it } from 'vitest';
import { postInbound, type SmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { useSmsopsWithSink } from '../helpers/smsopsWithSink.js';
import { waitUntil } from '../helpers/waitUntil.js';
import type { WebhookSink } from '../helpers/webhookSink.js';

const rig = useSmsopsWithSink({ env: { SLACK_RELAY_PACE_MS: '0' } });
let t: SmsopsUnderTest;
let sink: WebhookSink;

const TEXT = 'Hello from a customer, never logged';
const inbound = (from: string) => postInbound(t, { from, text: TEXT });
const logged = () => t.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
const healthz = async () => {
  const response = await fetch(`${t.smsops.url}/healthz`);
  return { status: response.status, body: (await response.json()) as { reasons: string[] } };
};

describe('failing destinations, as an operator sees them', () => {
  it('logs a PortSIP that keeps failing once, with its URL masked, however many attempts fail', async () => {
    ({ t, sink } = await rig.start(
      { RELAY_RETRY_BASE_MS: '20' },
      { portsipPath: '/emc/Wavix - US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90', beforeSmsops: (pbx) => pbx.respondWith(503) },
    ));
    await inbound('447400000001');
    await inbound('447400000002');
    await waitUntil(() => sink.received.length >= 10, 10_000, '10 failed attempts');
    const lines = logged().filter((l) => String(l.msg).startsWith('relay attempts fail'));
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        kind: 'portsip',
        destination: expect.stringContaining('/emc/Wavix - US/a558…'),
        error: 'HTTP 503',
        failedAttempts: 1,
      }),
    ]);
    expect(t.logs.join('\n')).not.toContain('a558d635');
    expect(t.logs.join('\n')).not.toContain(TEXT);
  });

  it('logs webhooks refused while the database is locked once, however many are refused', async () => {
    ({ t, sink } = await rig.start({}, { portsipPath: '/emc/inbound' }));
    // Another process holding the write lock (an operator's sqlite3 in BEGIN IMMEDIATE) refuses every webhook, as a
    // full disk does: 2,841 lines in 5 minutes in a probe.
    t.db.exec('BEGIN IMMEDIATE');
    try {
      const statuses = await Promise.all(
        Array.from({ length: 20 }, (_, i) => inbound(`4474000001${10 + i}`).then((r) => r.status)),
      );
      expect(statuses).toEqual(Array(20).fill(503));
    } finally {
      t.db.exec('ROLLBACK');
    }
    const lines = logged().filter((l) => String(l.msg).startsWith('webhook not stored'));
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        route: 'inbound',
        msg: 'webhook not stored, answered 503',
        refusedSinceLastWarning: 1,
      }),
    ]);
    expect(String(lines[0]?.error)).toContain('locked by another process');
  });

  it('says a revoked Slack token once at error level and answers /healthz 503 at once, until a post gets through', async () => {
    ({ t, sink } = await rig.start({ RELAY_RETRY_BASE_MS: '20' }, { portsipPath: '/pbx' }));
    expect((await healthz()).status).toBe(200);
    t.fakeSlack.handle('chat.postMessage', () => ({ ok: false, error: 'token_revoked' }));
    await inbound('447400000003');
    await waitUntil(() => t.fakeSlack.callsTo('chat.postMessage').length >= 3, 10_000, 'refused posts');

    const errors = logged().filter((l) => l.level === 'error' && String(l.msg).includes('SLACK_BOT_TOKEN'));
    expect(errors.map((l) => l.msg)).toEqual([expect.stringContaining('Slack refuses SLACK_BOT_TOKEN (token_revoked)')]);
    const failing = await healthz();
    expect(failing.status).toBe(503);
    expect(failing.body.reasons).toEqual([expect.stringContaining('Slack refuses SLACK_BOT_TOKEN (token_revoked)')]);
    expect(await (await fetch(`${t.smsops.url}/metrics`)).text()).toContain('smsops_slack_token_refused 1');
    // PortSIP got the SMS all the same.
    expect(sink.received).toHaveLength(1);

    t.fakeSlack.handle('chat.postMessage', undefined);
    await waitUntil(async () => (await healthz()).status === 200, 10_000, '/healthz 200 once Slack takes a post');
  });
});
