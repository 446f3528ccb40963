import { describe, expect, it } from 'vitest';
import { createAlertsRepository } from '../../src/store/repositories/alerts.js';
import { createInboundRepository } from '../../src/store/repositories/inbound.js';
import { useSmsopsWithSink } from '../helpers/smsopsWithSink.js';

const rig = useSmsopsWithSink({ checkSecrets: false });

describe('/healthz', () => {
  it('is 200 with the workers in its JSON, and 503 with the reason once the oldest pending message is past the backlog threshold', async () => {
    const { t, sink } = await rig.start(
      { RELAY_RETRY_BASE_MS: '20', SLACK_RELAY_PACE_MS: '0' },
      { portsipPath: '/pbx', beforeSmsops: (pbx) => pbx.respondWith(503) },
    );
    const portsipUrl = `${sink.url}/pbx`;

    const fine = await fetch(`${t.smsops.url}/healthz`);
    expect(fine.status).toBe(200);
    const body = (await fine.json()) as { status: string; reasons: string[]; workers: Array<{ kind: string; ok: boolean }> };
    // A small backlog is always counted for the request (src/relay/pollerCache.ts reuses only costly counts).
    expect(body).toMatchObject({ status: 'ok', reasons: [], db: 'ok', backlogThresholdMinutes: 10, backlogAgeSeconds: 0 });
    expect(body.workers.map((w) => [w.kind, w.ok])).toEqual([
      ['portsip', true],
      ['slack', true],
    ]);

    // A message that arrived 11 minutes ago and is still not at PortSIP (it answers 503).
    createInboundRepository(t.db, () => Date.now() - 11 * 60_000).insertWithDeliveries(
      {
        wavixMessageId: 'old-1',
        fromNumber: '447400123456',
        toNumber: '14155550100',
        messageType: 'sms',
        text: 'old',
        media: null,
        receivedAtText: '2026-11-25T10:00:00Z',
        receivedAt: null,
        contentType: 'application/json',
        rawBody: Buffer.from('{}'),
      },
      [{ kind: 'portsip', destination: portsipUrl }],
    );
    // The first poll's count may be given again for up to ten times what it took when it was not cheap (a loaded
    // machine: src/relay/pollerCache.ts), so the 503 is awaited for a moment rather than asked of the very next poll.
    let late = await fetch(`${t.smsops.url}/healthz`);
    for (const until = Date.now() + 3_000; late.status !== 503 && Date.now() < until; ) {
      await late.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 50));
      late = await fetch(`${t.smsops.url}/healthz`);
    }
    expect(late.status).toBe(503);
    const lateBody = (await late.json()) as { status: string; reasons: string[] };
    expect(lateBody.status).toBe('failing');
    expect(lateBody.reasons).toEqual(['the oldest undelivered inbound SMS is 11 min old (threshold 10 min)']);

    // The threshold is the relay backlog alert's: switched off, the backlog no longer fails the check.
    createAlertsRepository(t.db).changeSetting('backlog_minutes', 'off', 'U0ADMIN001');
    expect((await fetch(`${t.smsops.url}/healthz`)).status).toBe(200);
  });
});
