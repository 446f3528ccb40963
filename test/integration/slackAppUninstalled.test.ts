import { afterEach, describe, expect, it } from 'vitest';
import { type FakeSlackSocket, startFakeSlackSocket } from '../helpers/fakeSlackSocket.js';
import { postInbound, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * The Slack app uninstalled (or its bot token revoked) while smsops runs: Slack says so with app_uninstalled and
 * tokens_revoked, which smsops was not subscribed to, so /healthz answered ok until the auth.test of up to 10 minutes
 * later or a relayed SMS's post was refused. Signed events to the real Bolt receiver (HTTP mode).
 */

let t: SmsopsUnderTest | undefined;
let ws: FakeSlackSocket | undefined;
afterEach(async () => {
  await t?.stop();
  await ws?.close();
  t = undefined;
  ws = undefined;
});

async function health(u: SmsopsUnderTest) {
  const response = await fetch(`${u.smsops.url}/healthz`);
  return { status: response.status, body: (await response.json()) as { reasons?: string[] } };
}
const refusedGauge = async (u: SmsopsUnderTest) =>
  /^smsops_slack_token_refused (\d)$/m.exec(await (await fetch(`${u.smsops.url}/metrics`)).text())?.[1];
const errorLines = (u: SmsopsUnderTest) => u.logs.filter((l) => l.includes('"level":"error"'));
/** The bot user the fake Slack's auth.test names (src/sandbox/fakeSlackApi.ts's default). */
const BOT_USER = 'UBOT';
/**
 * smsops knows its bot user: production asks at start; here (no start-up check) the first request Bolt authorizes
 * asks in the background (a Home opened on its Messages tab, which smsops leaves alone).
 */
async function started(u: SmsopsUnderTest): Promise<void> {
  await u.slack.event({ type: 'app_home_opened', user: 'U0ADMIN001', channel: 'D0HOME0001', tab: 'messages' });
  await waitUntil(() => u.fakeSlack.callsTo('auth.test').length > 0, 5_000, 'the bot’s ids asked');
  await new Promise((resolve) => setTimeout(resolve, 200));
}

async function unhealthyWithin(u: SmsopsUnderTest, ms: number) {
  return waitUntil(
    async () => {
      const h = await health(u);
      return h.status === 503 && h;
    },
    ms,
    `/healthz 503 within ${ms} ms`,
  );
}

describe('the Slack app uninstalled while smsops runs', () => {
  it('is said by /healthz, /metrics and one error line within a second; no post is tried; a passing auth.test clears it', async () => {
    // Checks every 300 ms, which Slack refuses as it would a revoked token, until the test says otherwise.
    const u = await startSmsopsUnderTest({}, { slackClockCheck: { everyMs: 300 } });
    t = u;
    await started(u);
    expect((await health(u)).status).toBe(200);
    // Slack sends both, in either order. Slack refuses the token from the moment the app_uninstalled event is in: set
    // before it, a check every 300 ms on a loaded machine saw token_revoked first, and its line (the token's words,
    // not the uninstall's) was the one error line.
    expect((await u.slack.event({ type: 'app_uninstalled' })).status).toBe(200);
    u.fakeSlack.handle('auth.test', () => ({ ok: false, error: 'token_revoked' }));
    const refused = await unhealthyWithin(u, 1_000);
    expect(refused.body.reasons).toEqual([
      expect.stringMatching(/Slack app was uninstalled.*SLACK_BOT_TOKEN.*reinstalled and smsops restarted with the new/),
    ]);
    expect(await refusedGauge(u)).toBe('1');
    expect((await u.slack.event({ type: 'tokens_revoked', tokens: { bot: [BOT_USER] } })).status).toBe(200);
    // The checks that follow see token_revoked: said once, with the uninstall's words kept.
    await waitUntil(() => u.fakeSlack.callsTo('auth.test').filter((c) => c.error).length >= 2, 5_000, 'checks');
    expect(errorLines(u)).toHaveLength(1);
    expect(errorLines(u)[0]).toContain('The Slack app was uninstalled');
    expect(errorLines(u)[0]).not.toContain('xoxb-');
    expect((await health(u)).body.reasons).toEqual([expect.stringContaining('Slack app was uninstalled')]);

    // An SMS now is stored, and waits: no post Slack could only refuse.
    expect((await postInbound(u, { text: 'while uninstalled' })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(u.fakeSlack.callsTo('chat.postMessage')).toHaveLength(0);

    // Slack takes the token again (here the same; after a reinstall, the new one smsops was restarted with).
    u.fakeSlack.handle('auth.test', undefined);
    await waitUntil(async () => (await health(u)).status === 200, 5_000, '/healthz 200 again');
    expect(await refusedGauge(u)).toBe('0');
    // What waited is posted.
    await u.fakeSlack.waitFor('chat.postMessage', 1);
  });

  it('after a restart, where only auth.test’s token_revoked is left to say it, holds the posts too; invalid_auth does not', async () => {
    // No event comes again after a restart: the check's answer is Slack's word. Retries 200 ms apart, as a day's are.
    const u = await startSmsopsUnderTest({ RELAY_RETRY_BASE_MS: '200' }, { slackClockCheck: { everyMs: 300 } });
    t = u;
    u.fakeSlack.handle('auth.test', () => ({ ok: false, error: 'token_revoked' }));
    u.fakeSlack.handle('chat.postMessage', () => ({ ok: false, error: 'token_revoked' }));
    await waitUntil(() => u.fakeSlack.callsTo('auth.test').filter((c) => c.error).length >= 2, 5_000, 'checks');
    expect((await health(u)).status).toBe(503);
    expect((await postInbound(u, { text: 'after the restart' })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    // Each try could only be refused: none made, none of the SMS's attempts spent (24 h of them made it dead).
    expect(u.fakeSlack.callsTo('chat.postMessage')).toHaveLength(0);

    // Slack takes the token again (the reinstalled app's, smsops restarted with it): what waited is posted.
    u.fakeSlack.handle('chat.postMessage', undefined);
    u.fakeSlack.handle('auth.test', undefined);
    await waitUntil(async () => (await health(u)).status === 200, 5_000, '/healthz 200 again');
    await u.fakeSlack.waitFor('chat.postMessage', 1);
  });

  it('goes on trying the posts while auth.test answers invalid_auth, which can be Slack’s own error', async () => {
    const u = await startSmsopsUnderTest({ RELAY_RETRY_BASE_MS: '200' }, { slackClockCheck: { everyMs: 300 } });
    t = u;
    u.fakeSlack.handle('auth.test', () => ({ ok: false, error: 'invalid_auth' }));
    u.fakeSlack.handle('chat.postMessage', () => ({ ok: false, error: 'invalid_auth' }));
    await waitUntil(() => u.fakeSlack.callsTo('auth.test').filter((c) => c.error).length >= 2, 5_000, 'checks');
    expect((await health(u)).status).toBe(503);
    expect((await postInbound(u, { text: 'while refused' })).status).toBe(200);
    await waitUntil(() => u.fakeSlack.callsTo('chat.postMessage').length >= 2 || undefined, 5_000, 'posts tried');
  });

  it('is said for a tokens_revoked naming the bot’s token', async () => {
    const u = await startSmsopsUnderTest();
    t = u;
    await started(u);
    expect((await u.slack.event({ type: 'tokens_revoked', tokens: { oauth: ['U0ADMIN001'], bot: [BOT_USER] } })).status).toBe(
      200,
    );
    const refused = await unhealthyWithin(u, 1_000);
    expect(refused.body.reasons).toEqual([expect.stringContaining('Slack revoked the app’s bot token SLACK_BOT_TOKEN')]);
    expect(await refusedGauge(u)).toBe('1');
    expect(errorLines(u)).toHaveLength(1);
  });

  it('changes nothing for a tokens_revoked naming users’ tokens only, or another bot', async () => {
    const u = await startSmsopsUnderTest();
    t = u;
    await started(u);
    expect((await u.slack.event({ type: 'tokens_revoked', tokens: { oauth: ['U0ADMIN001'] } })).status).toBe(200);
    expect((await u.slack.event({ type: 'tokens_revoked', tokens: { oauth: ['U0ADMIN001'], bot: [] } })).status).toBe(200);
    expect((await u.slack.event({ type: 'tokens_revoked', tokens: { bot: ['U0OTHERBOT'] } })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await health(u)).status).toBe(200);
    expect(await refusedGauge(u)).toBe('0');
    expect(errorLines(u)).toHaveLength(0);
  });

  it('is said in Socket Mode too, where the events come over the socket', async () => {
    const socket = await startFakeSlackSocket();
    ws = socket;
    const u = await startSmsopsUnderTest({ SLACK_APP_TOKEN: 'xapp-1-A0SOCKET01-0000-secretpart0123456789' });
    t = u;
    u.fakeSlack.handle('apps.connections.open', () => ({ url: socket.url }));
    await waitUntil(
      async () =>
        /^Socket Mode connected/.test(
          ((await (await fetch(`${u.smsops.url}/healthz`)).json()) as { slack?: string }).slack ?? '',
        ),
      10_000,
      'the socket connected',
    );
    socket.send({
      type: 'events_api',
      envelope_id: 'env-uninstalled',
      accepts_response_payload: false,
      retry_attempt: 0,
      retry_reason: '',
      payload: {
        token: 'x',
        team_id: 'T1',
        api_app_id: 'A0SOCKET01',
        type: 'event_callback',
        event_id: 'Ev0UNINSTALL1',
        event_time: Math.floor(Date.now() / 1000),
        event: { type: 'app_uninstalled' },
      },
    });
    const refused = await unhealthyWithin(u, 1_000);
    expect(refused.body.reasons).toEqual([expect.stringContaining('Slack app was uninstalled')]);
    expect(socket.received.some((m) => m.envelope_id === 'env-uninstalled')).toBe(true);
  });
});
