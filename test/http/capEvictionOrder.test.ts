import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { boundedListeners, testHttpLimits } from '../helpers/boundedListener.js';
import { sleep } from '../helpers/waitUntil.js';

/**
 * At the connection cap a connection without a request in progress is closed. Chosen in accept order, the first to go
 * were the long-lived keep-alive connections of the real clients (Slack, a keep-alive Wavix, the TLS proxy's pool),
 * since a flood's own connections are newer by construction: a probe's slowloris flood (3,000 connections, header
 * bytes every 3 s) reset 3 of 831 keep-alive webhooks as they were sent, none of them stored.
 */

const listeners = boundedListeners();
afterEach(() => listeners.cleanup());

/** Writes one GET on a kept-alive connection: resolves with the status line, or 'closed' when the server closed it. */
function ask(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      socket.off('close', onClose);
      resolve(chunk.toString().split('\r\n')[0] ?? '');
    };
    const onClose = () => {
      socket.off('data', onData);
      resolve('closed');
    };
    socket.once('data', onData);
    socket.once('close', onClose);
    socket.on('error', () => {});
    if (socket.writable) socket.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    else onClose();
  });
}

describe('the connection cap under a flood of slow connections', () => {
  it('closes the slow connections before a keep-alive one a client has just used', async () => {
    const { port } = await listeners.listen((_req, res) => res.end('ok'), testHttpLimits({ maxConnections: 8 }));
    const client = await listeners.connect(port);
    expect(await ask(client)).toBe('HTTP/1.1 200 OK');
    // The flood: headers that never end, on every connection the cap leaves.
    for (let i = 0; i < 7; i++) (await listeners.connect(port)).write('POST /x HTTP/1.1\r\nHost: a\r\n');
    await sleep(200);
    // The client goes on using its connection; then one more slow connection goes over the cap.
    expect(await ask(client)).toBe('HTTP/1.1 200 OK');
    (await listeners.connect(port)).write('POST /x HTTP/1.1\r\nHost: a\r\n');
    await sleep(200);
    expect(await ask(client)).toBe('HTTP/1.1 200 OK');
  });
});
