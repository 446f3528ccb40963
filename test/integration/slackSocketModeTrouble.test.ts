import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeSlackSocket, startFakeSlackSocket } from '../helpers/fakeSlackSocket.js';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import { productionEnv, startSmsopsProcess } from '../helpers/smsopsProcess.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * The real process in Socket Mode while Slack's socket misbehaves, as Slack documents it can: a frame the client
 * library cannot read (its app_rate_limited envelope has no event: the process exited 1).
 */

const WEBHOOK_SECRET = 'whsec_test_0123456789abcdefghijkl';
const APP_TOKEN = 'xapp-1-A0SOCKET01-0000-secretpart0123456789';

describe('Slack Socket Mode trouble (real process)', () => {
  const rig = useRealProcessRig('smsops-socket-trouble-');
  let ws: FakeSlackSocket;
  afterEach(async () => {
    await ws.close();
  });

  const start = async (prepare: (socket: FakeSlackSocket) => void = () => {}) => {
    ws = await startFakeSlackSocket();
    prepare(ws);
    rig.fakeSlack.handle('apps.connections.open', () => ({ url: ws.url }));
    return startSmsopsProcess(rig.dir, {
      ...productionEnv({ port: rig.port, databasePath: join(rig.dir, 'smsops.db'), webhookSecret: WEBHOOK_SECRET }),
      SLACK_APP_TOKEN: APP_TOKEN,
      SLACK_API_URL: rig.fakeSlack.url,
      LOG_FORMAT: 'json',
    }).then((p) => rig.track(p));
  };

  const slackHealth = async () => ((await (await fetch(`${rig.base}/healthz`)).json()) as { slack?: string }).slack ?? '';
  const metrics = () => fetch(`${rig.base}/metrics`).then((r) => r.text());

  let commands = 0;
  /** `/sms help` over the socket, resolved once smsops acknowledged it: smsops is alive and reading the socket. */
  const helpIsAnswered = async () => {
    commands += 1;
    const envelopeId = `env-help-${commands}`;
    ws.send({
      type: 'slash_commands',
      envelope_id: envelopeId,
      accepts_response_payload: true,
      payload: {
        team_id: 'T1',
        channel_id: 'C0SOCKET01',
        user_id: 'U0SOCKET01',
        command: '/sms',
        text: 'help',
        api_app_id: 'A0SOCKET01',
        response_url: `${rig.fakeSlack.responseUrl}socket-help-${commands}`,
        trigger_id: '1.2.3',
      },
    });
    await waitUntil(() => ws.received.some((m) => m.envelope_id === envelopeId), 15_000, `the ack of ${envelopeId}`);
  };

  it('keeps running and taking commands when Slack sends envelopes without an event (app_rate_limited), acknowledging them and saying so', {
    timeout: 90_000,
  }, async () => {
    const p = await start();
    await p.waitForLine(/Slack Socket Mode connected/);

    // Slack's documented payload when an app gets over 30,000 events an hour: no `event` inside.
    ws.send({
      type: 'events_api',
      envelope_id: 'env-rate-limited',
      accepts_response_payload: false,
      retry_attempt: 0,
      retry_reason: '',
      payload: { token: 'x', type: 'app_rate_limited', team_id: 'T1', minute_rate_limited: 1518467820, api_app_id: 'A1' },
    });
    ws.sendRaw('null');
    ws.send({ type: 'events_api', envelope_id: 'env-no-payload' });
    ws.send({ type: 'events_api', envelope_id: 'env-no-event', payload: { type: 'event_callback' } });
    await helpIsAnswered();

    expect(p.hasExited()).toBe(false);
    // Acknowledged, so Slack does not send them again.
    for (const id of ['env-rate-limited', 'env-no-payload', 'env-no-event']) {
      expect(ws.received.some((m) => m.envelope_id === id)).toBe(true);
    }
    await p.waitForLine(/Slack is rate-limiting events to smsops: thread replies in the next minute may be lost/);
    await p.waitForLine(/Slack sent a Socket Mode message smsops cannot read: acknowledged and ignored/);
    expect(
      p.logs.some((l) => /TypeError|\bat .*\(.*:\d+:\d+\)/.test(l)),
      p.logs.join('\n'),
    ).toBe(false);
    expect(await slackHealth()).toMatch(/^Socket Mode connected since /);
    expect(await metrics()).toMatch(/^smsops_unhandled_rejections_total 0$/m);
  });
});
