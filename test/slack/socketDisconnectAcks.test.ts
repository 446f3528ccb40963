import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log.js';
import { guardSocketFrames } from '../../src/slack/socketFrames.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';

const quietLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  enabled: () => true,
  child: () => quietLogger,
};

/**
 * The Socket Mode client as @slack/socket-mode 3.1.0 behaves: its message handler closes the socket on Slack's
 * `disconnect` at once, and an envelope's ack (sent once the listener has run, here 30 ms later) goes out only while the
 * socket is open; each ack sent is emitted as `outgoing_message`.
 */
function socketModeClient() {
  const sent: string[] = [];
  const failed: string[] = [];
  const client = Object.assign(new EventEmitter(), {
    websocket: { open: true } as { open: boolean } | undefined,
    send: async (envelopeId: string) => {
      if (!client.websocket?.open) {
        failed.push(envelopeId);
        throw new Error('Failed to send a message as the client has no active connection');
      }
      client.emit('outgoing_message', { envelope_id: envelopeId, payload: {} });
      sent.push(envelopeId);
    },
  });
  client.on('ws_message', (data: string) => {
    const frame = JSON.parse(data) as { type: string; envelope_id?: string };
    if (frame.type === 'disconnect') {
      if (client.websocket) client.websocket.open = false;
      return;
    }
    const id = frame.envelope_id;
    if (id) setTimeout(() => void client.send(id).catch(() => {}), 30);
  });
  return { client, sent, failed };
}

const command = (envelopeId: string) =>
  JSON.stringify({
    type: 'slash_commands',
    envelope_id: envelopeId,
    accepts_response_payload: true,
    payload: { team_id: 'T1', channel_id: 'C1', user_id: 'U1', command: '/sms', text: 'help', trigger_id: '1.2.3' },
  });

describe("Slack's disconnect right after a command (Socket Mode refresh)", () => {
  it('acknowledges the command on the socket before closing it, instead of losing the ack (Slack showed the person an error)', async () => {
    const { client, sent, failed } = socketModeClient();
    const reasons: Array<string | undefined> = [];
    guardSocketFrames(client as never, { logger: quietLogger, onDisconnect: (reason) => reasons.push(reason) });

    client.emit('ws_message', command('env-1'), false);
    client.emit('ws_message', JSON.stringify({ type: 'disconnect', reason: 'refresh_requested' }), false);

    await waitUntil(() => client.websocket?.open === false, 3_000, 'the socket closed');
    expect(reasons).toEqual(['refresh_requested']);
    expect(failed).toEqual([]);
    expect(sent).toEqual(['env-1']);
  });

  it('closes at once when nothing awaits its ack, and within 2 s when an ack never comes', async () => {
    const { client } = socketModeClient();
    guardSocketFrames(client as never, { logger: quietLogger, onDisconnect: () => {} });
    client.emit('ws_message', JSON.stringify({ type: 'disconnect', reason: 'warning' }), false);
    expect(client.websocket?.open).toBe(false);

    const stuck = socketModeClient();
    // A listener that never acknowledges.
    stuck.client.removeAllListeners('ws_message');
    stuck.client.on('ws_message', (data: string) => {
      if ((JSON.parse(data) as { type: string }).type === 'disconnect' && stuck.client.websocket)
        stuck.client.websocket.open = false;
    });
    guardSocketFrames(stuck.client as never, { logger: quietLogger, onDisconnect: () => {} });
    const at = Date.now();
    stuck.client.emit('ws_message', command('env-2'), false);
    stuck.client.emit('ws_message', JSON.stringify({ type: 'disconnect', reason: 'refresh_requested' }), false);
    await waitUntil(() => stuck.client.websocket?.open === false, 5_000, 'the socket closed');
    expect(Date.now() - at).toBeLessThan(2_500);
  });

  it('does not close the next socket when the one Slack asked to close went away while its acks were awaited', async () => {
    const { client } = socketModeClient();
    guardSocketFrames(client as never, { logger: quietLogger, onDisconnect: () => {} });
    client.emit('ws_message', command('env-3'), false);
    client.emit('ws_message', JSON.stringify({ type: 'disconnect', reason: 'refresh_requested' }), false);
    // The old socket dropped before the ack, and a new one opened.
    client.websocket = { open: true };
    await sleep(200);
    expect(client.websocket.open).toBe(true);
  });
});
