import { afterEach, describe, expect, it } from 'vitest';
import { type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * The app uninstalled (or its token revoked) while smsops runs and no SMS comes in, overnight say: the auth.test smsops
 * asks every 10 minutes got token_revoked and wrote a debug line, so /healthz answered ok and
 * smsops_slack_token_refused stayed 0 until the next SMS's post failed, alerts included never reaching anyone.
 */

let t: SmsopsUnderTest | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

async function health(u: SmsopsUnderTest) {
  const response = await fetch(`${u.smsops.url}/healthz`);
  return { status: response.status, body: (await response.json()) as { reasons: string[] } };
}
const refusedGauge = async (u: SmsopsUnderTest) =>
  /^smsops_slack_token_refused (\d)$/m.exec(await (await fetch(`${u.smsops.url}/metrics`)).text())?.[1];

describe('a bot token revoked while no SMS comes in', () => {
  it('is said by /healthz, /metrics and the log at the next periodic check, and cleared once Slack takes it again', async () => {
    const u = await startSmsopsUnderTest({}, { slackClockCheck: { everyMs: 200 } });
    t = u;
    expect((await health(u)).status).toBe(200);

    u.fakeSlack.handle('auth.test', () => ({ ok: false, error: 'token_revoked' }));
    const refused = await waitUntil(
      async () => {
        const h = await health(u);
        return h.status === 503 && h;
      },
      5_000,
      '/healthz 503 after the check',
    );
    expect(refused.body.reasons).toEqual([expect.stringContaining('Slack refuses SLACK_BOT_TOKEN (token_revoked)')]);
    expect(await refusedGauge(u)).toBe('1');
    // Said once at error level, however many checks see it.
    await waitUntil(() => u.fakeSlack.callsTo('auth.test').filter((c) => c.error).length >= 3, 5_000, 'more checks');
    expect(u.logs.filter((l) => l.includes('"level":"error"') && l.includes('SLACK_BOT_TOKEN (token_revoked)'))).toHaveLength(1);
    // Nothing was posted to Slack meanwhile (no SMS): the check alone told.
    expect(u.fakeSlack.callsTo('chat.postMessage')).toHaveLength(0);

    // Slack takes the token again (a refusal of its own in error, a user reactivated): no restart needed.
    u.fakeSlack.handle('auth.test', undefined);
    await waitUntil(async () => (await health(u)).status === 200, 5_000, '/healthz 200 again');
    expect(await refusedGauge(u)).toBe('0');
  });

  it('is said in Socket Mode too, where Slack’s time is not followed', async () => {
    const u = await startSmsopsUnderTest(
      { SLACK_APP_TOKEN: 'xapp-1-A0SOCKET01-0000-secretpart0123456789' },
      { slackClockCheck: { everyMs: 200 } },
    );
    t = u;
    // The socket stays down here: the token check does not need it.
    u.fakeSlack.handle('apps.connections.open', () => ({ ok: false, error: 'internal_error' }));
    u.fakeSlack.handle('auth.test', () => ({ ok: false, error: 'account_inactive' }));
    const refused = await waitUntil(
      async () => {
        const h = await health(u);
        return h.status === 503 && h;
      },
      5_000,
      '/healthz 503 after the check',
    );
    expect(refused.body.reasons).toEqual([expect.stringContaining('Slack refuses SLACK_BOT_TOKEN (account_inactive)')]);
    expect(await refusedGauge(u)).toBe('1');
  });

  it('is not taken for a refusal when Slack cannot be reached or answers another error', async () => {
    const u = await startSmsopsUnderTest({}, { slackClockCheck: { everyMs: 200 } });
    t = u;
    u.fakeSlack.handle('auth.test', () => ({ ok: false, error: 'internal_error' }));
    await waitUntil(() => u.fakeSlack.callsTo('auth.test').filter((c) => c.error).length >= 3, 5_000, 'checks');
    expect((await health(u)).status).toBe(200);
    expect(await refusedGauge(u)).toBe('0');
  });
});
