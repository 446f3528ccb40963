import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeSlackSocket, startFakeSlackSocket } from '../helpers/fakeSlackSocket.js';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import { productionEnv, startSmsopsProcess } from '../helpers/smsopsProcess.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * In Socket Mode, Bolt logs every ack at debug level with its body (`ack() call begins (body: {…})`), and an answer
 * given in the ack quotes what the person typed: `/sms +447700900123` (a customer's number typed where a command goes)
 * is answered "`+447700900123` is not an /sms command". Personal data is never logged, at debug level neither.
 */
const CUSTOMER = '447700900123';

describe('Socket Mode acks in the log (real process, LOG_LEVEL=debug)', () => {
  const rig = useRealProcessRig('smsops-socket-acks-');
  let socket: FakeSlackSocket | undefined;
  afterEach(async () => {
    await socket?.close();
    socket = undefined;
  });

  it('logs an ack by its size, not its body', { timeout: 60_000 }, async () => {
    const ws = await startFakeSlackSocket();
    socket = ws;
    rig.fakeSlack.handle('apps.connections.open', () => ({ url: ws.url }));
    const p = rig.track(
      await startSmsopsProcess(rig.dir, {
        ...productionEnv({
          port: rig.port,
          databasePath: join(rig.dir, 'smsops.db'),
          webhookSecret: 'whsec_test_0123456789abcdefghijkl',
        }),
        SLACK_APP_TOKEN: 'xapp-1-A0SOCKET01-0000-secretpart0123456789',
        SLACK_API_URL: rig.fakeSlack.url,
        LOG_LEVEL: 'debug',
        LOG_FORMAT: 'json',
      }),
    );
    await p.waitForLine(/Slack Socket Mode connected/);
    ws.send({
      type: 'slash_commands',
      envelope_id: 'env-typo-1',
      accepts_response_payload: true,
      payload: {
        team_id: 'T1',
        channel_id: 'C0SOCKET01',
        user_id: 'U0SOCKET01',
        command: '/sms',
        text: `+${CUSTOMER} called about the invoice`,
        api_app_id: 'A0SOCKET01',
        response_url: `${rig.fakeSlack.responseUrl}typo`,
        trigger_id: '1.2.3',
      },
    });
    await waitUntil(() => ws.received.some((m) => m.envelope_id === 'env-typo-1'), 15_000, 'the ack');
    // The person was answered, with their words (the check below is not vacuous).
    expect(JSON.stringify(ws.received.find((m) => m.envelope_id === 'env-typo-1'))).toContain(CUSTOMER);
    await waitUntil(() => p.logs.some((line) => line.includes('ack() response sent')), 5_000, 'the ack logged');

    expect(p.logs.filter((line) => line.includes('ack() '))).not.toEqual([]);
    expect(p.logs.filter((line) => line.includes(CUSTOMER))).toEqual([]);
  });
});
