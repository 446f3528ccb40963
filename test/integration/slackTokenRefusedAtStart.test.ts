import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import { productionEnv, startSmsopsProcess } from '../helpers/smsopsProcess.js';
import { waitUntil } from '../helpers/waitUntil.js';

const WEBHOOK_SECRET = 'whsec_token_refused_0123456789abcdef';

/**
 * A bot token Slack refuses at start is said by /healthz and /metrics at once, not only once a relayed SMS's post
 * fails: with no SMS coming in, the start-up check's error line was all, and /healthz said ok. Real process.
 */
describe('a Slack token refused at start (real process)', () => {
  const rig = useRealProcessRig('smsops-token-refused-');

  it('answers /healthz 503 and smsops_slack_token_refused 1 with no SMS relayed', { timeout: 60_000 }, async () => {
    // invalid_auth, which can be Slack's own error, so relayed posts go on being tried (a token_revoked holds them until
    // an auth.test passes: test/integration/slackAppUninstalled.test.ts).
    rig.fakeSlack.handle('auth.test', () => ({ ok: false, error: 'invalid_auth' }));
    const smsops = rig.track(
      await startSmsopsProcess(rig.dir, {
        ...productionEnv({
          port: rig.port,
          databasePath: join(rig.dir, 'smsops.db'),
          webhookSecret: WEBHOOK_SECRET,
        }),
        SLACK_API_URL: rig.fakeSlack.url,
      }),
    );
    await smsops.waitForLine(/Slack rejected SLACK_BOT_TOKEN \(invalid_auth\)/, 15_000);

    const health = await fetch(`${rig.base}/healthz`);
    expect(health.status).toBe(503);
    expect(((await health.json()) as { reasons: string[] }).reasons).toEqual([
      expect.stringContaining('Slack refuses SLACK_BOT_TOKEN (invalid_auth)'),
    ]);
    expect(await (await fetch(`${rig.base}/metrics`)).text()).toMatch(/^smsops_slack_token_refused 1$/m);
    // Said once: the relay does not log it again.
    expect(smsops.logs.filter((l) => l.includes('SLACK_BOT_TOKEN (invalid_auth)'))).toHaveLength(1);

    // As before, it ends when a relayed SMS's post gets through (here the token was taken again).
    const stored = await fetch(`${rig.base}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        message_id: 'after-refusal-1',
        message_type: 'sms',
        from: '447400123456',
        to: '14155550100',
        message_body: { text: 'Hello', media: null },
        received_at: '2026-11-25T10:00:00.000Z',
      }),
    });
    expect(stored.status).toBe(200);
    await waitUntil(async () => (await fetch(`${rig.base}/healthz`)).status === 200, 15_000, '/healthz 200 after a post');
    expect(await (await fetch(`${rig.base}/metrics`)).text()).toMatch(/^smsops_slack_token_refused 0$/m);
  });
});
