import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeSlackSocket, startFakeSlackSocket } from '../helpers/fakeSlackSocket.js';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import { productionEnv, type SmsopsProcess, startSmsopsProcess } from '../helpers/smsopsProcess.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * The real process in Socket Mode while Slack's socket misbehaves, as Slack documents it can: a frame the client
 * library cannot read (its app_rate_limited envelope has no event: the process exited 1), a hello or an upgrade that
 * never comes (no further attempt, ever), a refresh whose TCP connection Slack keeps open (/healthz said connected
 * for seconds while nothing could arrive), Slack's disconnect reasons (never said), and a plain drop (two error lines
 * without words).
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

  const linesAt = (p: SmsopsProcess, level: string) => p.logs.filter((l) => l.includes(`"level":"${level}"`));

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

  it('acknowledges interactions and commands of a shape Slack never sends (actions not a list, no user, view null, a text that is a number) and says so in words, as HTTP mode refuses them', {
    timeout: 90_000,
  }, async () => {
    const p = await start();
    await p.waitForLine(/Slack Socket Mode connected/);
    const user = { id: 'U0SOCKET01' };
    const payloads: Record<string, Record<string, unknown>> = {
      'env-actions-true': { type: 'block_actions', user, actions: true },
      'env-no-user': { type: 'block_actions', actions: [{ action_id: 'alert_acknowledge', value: '1:2' }] },
      'env-view-null': { type: 'view_submission', user, view: null },
      'env-suggestion-no-user': { type: 'block_suggestion', action_id: 'x', block_id: 'y', value: 'a' },
    };
    for (const [envelopeId, payload] of Object.entries(payloads)) {
      ws.send({ type: 'interactive', envelope_id: envelopeId, accepts_response_payload: true, payload });
    }
    // A command whose text is not text threw in its parser (no ack, an error line).
    const command = { command: '/sms', text: 5, user_id: 'U0SOCKET01', team_id: 'T1', channel_id: 'C1' };
    ws.send({ type: 'slash_commands', envelope_id: 'env-text-number', accepts_response_payload: true, payload: command });
    payloads['env-text-number'] = command;
    const { text: _text, ...withoutText } = command;
    ws.send({ type: 'slash_commands', envelope_id: 'env-no-text', accepts_response_payload: true, payload: withoutText });
    payloads['env-no-text'] = withoutText;
    await helpIsAnswered();

    // Acknowledged (Bolt threw before any ack: Slack showed the person an error), and said once in words.
    await waitUntil(
      () => Object.keys(payloads).every((id) => ws.received.some((m) => m.envelope_id === id)),
      10_000,
      'every damaged interaction acknowledged',
    );
    await p.waitForLine(
      /"problem":"a block_actions payload without its actions".*Slack sent a Socket Mode message smsops cannot read/,
    );
    await p.waitForLine(/"problem":"a slash command whose text is not text"/);
    expect(
      p.logs.filter((l) => /TypeError|unhandled error occurred|listener failed/.test(l)),
      p.logs.join('\n'),
    ).toEqual([]);
    expect(await metrics()).toMatch(/^smsops_unhandled_rejections_total 0$/m);
    // Counted as HTTP mode counts a payload it refuses: a monitor sees the same series in both modes.
    expect(await metrics()).toMatch(
      new RegExp(`^smsops_slack_requests_refused_total\\{reason="malformed_payload"\\} ${Object.keys(payloads).length}$`, 'm'),
    );
  });

  it('gives up on an upgrade or a hello that never comes after 30 s, says why, and connects again', {
    timeout: 150_000,
  }, async () => {
    const p = await start((socket) => {
      socket.behaviour.answerUpgrade = false;
    });
    await p.waitForLine(/Slack Socket Mode could not connect \(the WebSocket upgrade did not complete within 30 s\)/, 60_000);
    ws.behaviour.answerUpgrade = true;
    ws.behaviour.hello = false;
    await p.waitForLine(/Slack Socket Mode could not connect \(Slack did not say hello within 30 s\)/, 60_000);
    expect(await slackHealth()).toMatch(/\(2 failed attempts; last: Slack did not say hello within 30 s\)/);
    ws.behaviour.hello = true;
    await waitUntil(async () => (await slackHealth()).startsWith('Socket Mode connected'), 30_000, 'connected again');
    await helpIsAnswered();
  });

  it("says not connected as soon as Slack asks for a refresh, without waiting for Slack's TCP connection to end", {
    timeout: 90_000,
  }, async () => {
    const p = await start((socket) => {
      socket.behaviour.keepTcpAfterClose = true;
    });
    await p.waitForLine(/Slack Socket Mode connected/);
    ws.behaviour.keepTcpAfterClose = false;

    ws.send({ type: 'disconnect', reason: 'refresh_requested', debug_info: { host: 'fake' } });
    await waitUntil(() => ws.closeFrames() === 1, 10_000, "smsops' close frame");
    // Slack answered the close but keeps the connection: nothing can arrive on it any more.
    expect(await slackHealth()).toMatch(
      /^Socket Mode not connected since \S+ \(Slack refreshes its connections now and then \(refresh_requested\)\)/,
    );
    expect(/^smsops_slack_socket_connected (\d)$/m.exec(await metrics())?.[1]).toBe('0');

    await waitUntil(() => ws.accepted() === 2, 20_000, 'the next connection');
    await waitUntil(async () => (await slackHealth()).startsWith('Socket Mode connected'), 10_000, 'connected again');
    await helpIsAnswered();
    await p.waitForLine(
      /Slack Socket Mode connection closed \(Slack refreshes its connections now and then \(refresh_requested\)\)/,
    );
    // The library's pong timer had run on the half-closed connection and blamed Slack.
    expect(p.logs.filter((l) => l.includes("A pong wasn't received"))).toEqual([]);
  });

  it("says that Socket Mode is switched off in the Slack app's settings (link_disabled), and waits a minute before trying again", {
    timeout: 60_000,
  }, async () => {
    const p = await start((socket) => {
      socket.behaviour.disconnectAfterHello = 'link_disabled';
    });
    const line = await p.waitForLine(/Slack Socket Mode connection closed: /);
    expect(line).toContain('"level":"error"');
    expect(line).toContain(
      "Socket Mode is switched off in the Slack app's settings (link_disabled): Slack commands, buttons and thread replies cannot arrive until it is switched on again",
    );
    expect(line).toContain('connecting again in 60 s');
    expect(await slackHealth()).toMatch(
      /\(1 failed attempt; last: Socket Mode is switched off in the Slack app's settings \(link_disabled\)\)/,
    );
  });

  it("says that another process shares the app token when Slack's hello counts its connection too (it takes a share of Slack's requests)", {
    timeout: 60_000,
  }, async () => {
    const p = await start((socket) => {
      socket.behaviour.numConnections = 2;
    });
    await p.waitForLine(/Slack counts 1 other Socket Mode connection on SLACK_APP_TOKEN: another process/);
    expect(await slackHealth()).toMatch(
      /^Socket Mode connected since \S+, with 1 other connection on the same app token when it opened \(Slack's count\)/,
    );
    // Alone on the token again: the next connection is said plainly.
    ws.behaviour.numConnections = 1;
    ws.dropAll();
    await waitUntil(
      async () => ws.accepted() >= 2 && (await slackHealth()).startsWith('Socket Mode connected'),
      20_000,
      'connected again',
    );
    expect(await slackHealth()).not.toMatch(/other connection/);
  });

  it('says that another process uses the same app token (too_many_websockets)', { timeout: 60_000 }, async () => {
    const p = await start((socket) => {
      socket.behaviour.disconnectAfterHello = 'too_many_websockets';
    });
    const line = await p.waitForLine(/Slack Socket Mode connection closed: /);
    expect(line).toContain('another process is using the same app token (too_many_websockets: at most 10 connections)');
    expect(await slackHealth()).toMatch(/last: another process is using the same app token/);
  });

  it("logs a dropped connection once, in words, without the Socket Mode library's wordless error lines", {
    timeout: 90_000,
  }, async () => {
    const p = await start();
    await p.waitForLine(/Slack Socket Mode connected/);
    ws.dropAll();
    await waitUntil(() => ws.accepted() === 2 && ws.open() === 1, 20_000, 'connected again');
    await helpIsAnswered();
    await p.waitForLine(/Slack Socket Mode connection closed/);
    expect(linesAt(p, 'error')).toEqual([]);
  });
});
