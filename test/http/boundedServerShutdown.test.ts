import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type BoundedServer, createBoundedServer } from '../../src/http/boundedServer.js';
import { silentLogger } from '../../src/log.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * Stopping the listener while a keep-alive client is mid-exchange: a request is handled (for a webhook, stored) only
 * if its answer can still go out. A Wavix webhook stored but never answered is sent again and again until a retry
 * gets an answer; one never handled is simply sent again to the next process.
 */

let bounded: BoundedServer | undefined;
let client: Socket | undefined;
afterEach(async () => {
  client?.destroy();
  await bounded?.close();
  bounded = undefined;
});

const limits = {
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 64,
  shutdownGraceMs: 5_000,
};
const request = (id: string) =>
  `POST /hook HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ${id.length}\r\n\r\n${id}`;

describe('the HTTP listener stopping during a keep-alive exchange', () => {
  it('does not handle a request that arrives after the last answer of a closing connection went out', async () => {
    const handled: string[] = [];
    let releaseFirst: () => void = () => {};
    bounded = createBoundedServer(
      (req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        req.on('end', () => {
          handled.push(body);
          const answer = () => res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`ok ${body}`);
          if (body === 'first') releaseFirst = answer;
          else answer();
        });
      },
      limits,
      silentLogger,
    );
    await new Promise<void>((resolve) => bounded?.server.listen(0, '127.0.0.1', resolve));
    const address = bounded.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;

    // A keep-alive client that sends its next request the moment an answer arrives, as a busy webhook sender does.
    let received = '';
    let closedByServer = false;
    client = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => client?.once('connect', () => resolve()));
    client.on('data', (chunk: Buffer) => {
      received += chunk.toString();
      if (received.includes('ok first') && !received.includes('second-sent')) {
        received += ' second-sent';
        client?.write(request('second'));
      }
    });
    client.on('close', () => {
      closedByServer = true;
    });
    client.on('error', () => {});
    client.write(request('first'));
    await waitUntil(() => handled.includes('first'), 5_000, 'the first request handled');

    const closed = bounded.close();
    releaseFirst();
    await closed;
    await waitUntil(() => closedByServer, 5_000, 'the connection closed');

    expect(received).toContain('ok first');
    // The second request came after the connection's last answer: unanswerable, so never handled (never stored).
    expect(handled).toEqual(['first']);
    expect(received).not.toContain('ok second');
  });
});
