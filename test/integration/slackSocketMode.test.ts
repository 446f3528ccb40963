import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeSlackSocket, startFakeSlackSocket } from '../helpers/fakeSlackSocket.js';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import { inboundWebhookBody, productionEnv, type SmsopsProcess, startSmsopsProcess } from '../helpers/smsopsProcess.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';

/**
 * The real process in Socket Mode (SLACK_APP_TOKEN set) while Slack cannot be connected to. It used to await the
 * socket on its start: with Slack unreachable the start failed (exit 1, the webhook listener closed with it); with
 * Slack answering apps.connections.open `internal_error` the start never ended, so the jobs never ran and SIGTERM
 * did nothing (it waited for that start) until SIGKILL. The relay must not depend on Slack being up.
 */

const WEBHOOK_SECRET = 'whsec_test_0123456789abcdefghijkl';
const APP_TOKEN = 'xapp-1-A0SOCKET01-0000-secretpart0123456789';

const exitWithin = (p: SmsopsProcess, ms: number) => Promise.race([p.exited, sleep(ms).then(() => 'still running' as const)]);

describe('Slack Socket Mode not connected (real process)', () => {
  const rig = useRealProcessRig('smsops-socket-mode-');
  let socket: FakeSlackSocket | undefined;
  afterEach(async () => {
    await socket?.close();
    socket = undefined;
  });

  const start = (slackApiUrl: string) =>
    startSmsopsProcess(rig.dir, {
      ...productionEnv({ port: rig.port, databasePath: join(rig.dir, 'smsops.db'), webhookSecret: WEBHOOK_SECRET }),
      SLACK_APP_TOKEN: APP_TOKEN,
      SLACK_API_URL: slackApiUrl,
      SLACK_RELAY_PACE_MS: '0',
      PORTSIP_WEBHOOK_URL: `${rig.sink.url}/emc/socket`,
      LOG_FORMAT: 'json',
    }).then((p) => rig.track(p));

  const relayOne = async (messageId: string) => {
    const response = await fetch(`${rig.base}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: inboundWebhookBody(messageId),
    });
    expect(response.status).toBe(200);
    await waitUntil(() => rig.sink.received.length > 0, 15_000, 'the SMS relayed to PortSIP');
  };

  const health = async () => {
    const response = await fetch(`${rig.base}/healthz`);
    return { status: response.status, body: (await response.json()) as { status: string; slack?: string } };
  };
  const connectedGauge = async () =>
    /^smsops_slack_socket_connected (\d)$/m.exec(await await fetch(`${rig.base}/metrics`).then((r) => r.text()))?.[1];

  it('starts, runs its jobs, relays, says the socket is not connected and why, and stops on SIGTERM, while Slack answers apps.connections.open internal_error', {
    timeout: 90_000,
  }, async () => {
    rig.fakeSlack.handle('apps.connections.open', () => ({ ok: false, error: 'internal_error' }));
    const p = await start(rig.fakeSlack.url);
    expect(p.logs.some((l) => l.includes('job schedules armed'))).toBe(true);
    // Tried again, each failure said in words.
    await waitUntil(() => rig.fakeSlack.callsTo('apps.connections.open').length >= 2, 20_000, 'a second connection attempt');
    await p.waitForLine(/Slack Socket Mode could not connect \(Slack answered internal_error\)/);

    await relayOne('socket-refused-1');

    const { status, body } = await health();
    // The relay works: not a failure, but the Slack side that cannot receive commands is said.
    expect(status).toBe(200);
    expect(body.slack).toMatch(
      /^Socket Mode not connected since \S+ \(\d+ failed attempts?; last: Slack answered internal_error\)/,
    );
    expect(await connectedGauge()).toBe('0');

    p.child.kill('SIGTERM');
    const exit = await exitWithin(p, 20_000);
    expect(exit, p.logs.slice(-20).join('\n')).toEqual({ code: 0, signal: null });
    expect(p.logs.join('\n')).not.toContain('secretpart0123456789');
  });

  it('starts and relays with Slack unreachable (a closed port), and stops on SIGTERM', { timeout: 90_000 }, async () => {
    const p = await start('http://127.0.0.1:9/api/');
    await p.waitForLine(/Slack Socket Mode could not connect \(Slack could not be reached\)/);
    await relayOne('socket-unreachable-1');
    expect((await health()).body.slack).toMatch(/last: Slack could not be reached/);

    p.child.kill('SIGTERM');
    expect(await exitWithin(p, 20_000)).toEqual({ code: 0, signal: null });
  });

  it('connects once Slack answers, takes commands over the socket, and connects again after Slack drops it', {
    timeout: 90_000,
  }, async () => {
    const ws = await startFakeSlackSocket();
    socket = ws;
    rig.fakeSlack.failNext('apps.connections.open', 'internal_error');
    rig.fakeSlack.handle('apps.connections.open', () => ({ url: ws.url }));
    const p = await start(rig.fakeSlack.url);
    await p.waitForLine(/Slack Socket Mode connected/);
    expect((await health()).body.slack).toMatch(/^Socket Mode connected since /);
    expect(await connectedGauge()).toBe('1');

    // The listeners get what arrives over the socket: `/sms help` is acknowledged.
    ws.send({
      type: 'slash_commands',
      envelope_id: 'env-help-1',
      accepts_response_payload: true,
      payload: {
        team_id: 'T1',
        channel_id: 'C0SOCKET01',
        user_id: 'U0SOCKET01',
        command: '/sms',
        text: 'help',
        api_app_id: 'A0SOCKET01',
        response_url: `${rig.fakeSlack.responseUrl}socket-help`,
        trigger_id: '1.2.3',
      },
    });
    await waitUntil(() => ws.received.some((m) => m.envelope_id === 'env-help-1'), 15_000, 'the ack of /sms help');

    ws.dropAll();
    await waitUntil(() => ws.accepted() >= 2 && ws.open() === 1, 20_000, 'connected again');
    await waitUntil(async () => (await health()).body.slack?.startsWith('Socket Mode connected'), 10_000, 'healthz connected');

    p.child.kill('SIGTERM');
    expect(await exitWithin(p, 20_000)).toEqual({ code: 0, signal: null });
  });

  it('resolves a host_clock_off alert a run in HTTP mode left open: Socket Mode signs nothing, so the clock no longer refuses', {
    timeout: 90_000,
  }, async () => {
    // HTTP mode with Slack's time 10 minutes behind: the alert is raised (the usual fix is the clock, or Socket Mode).
    rig.fakeSlack.setClockOffset(-10 * 60_000);
    const clockAlerts = (method: string) =>
      rig.fakeSlack.callsTo(method).filter((call) => JSON.stringify(call.args).includes("This host's clock is"));
    const http = rig.track(
      await startSmsopsProcess(rig.dir, {
        ...productionEnv({ port: rig.port, databasePath: join(rig.dir, 'smsops.db'), webhookSecret: WEBHOOK_SECRET }),
        SLACK_API_URL: rig.fakeSlack.url,
      }),
    );
    await waitUntil(() => clockAlerts('chat.postMessage').length > 0, 15_000, 'the host_clock_off alert');
    http.child.kill('SIGTERM');
    await exitWithin(http, 20_000);

    // Moved to Socket Mode (the clock untouched): nothing will ever read it again, the alert must not stay open.
    rig.fakeSlack.handle('apps.connections.open', () => ({ ok: false, error: 'internal_error' }));
    await start(rig.fakeSlack.url);
    await waitUntil(
      () => clockAlerts('chat.update').some((call) => String(call.args.text).startsWith('Resolved: ')),
      15_000,
      'the host_clock_off alert resolved',
    );
  });
});
