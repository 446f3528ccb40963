import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectionFailureKind } from '../../src/core/connectionFailure.js';
import { createGuardedLookup } from '../../src/core/destinationGuard.js';
import type { InboundMessage } from '../../src/core/model/inboundMessage.js';
import { createPortsipSender } from '../../src/relay/portsip.js';

/**
 * One route whose host name hangs in DNS (its DNS servers down, a resolver timing out) must not stall the others.
 * getaddrinfo runs on libuv's thread pool, which runs at most 2 name lookups at once by default (half its 4 threads),
 * for the whole process; the resolver below is that queue, with a name that never answers while the test runs.
 */
function libuvLikeResolver(hanging: string) {
  const slots = 2;
  let busy = 0;
  const queue: Array<() => void> = [];
  const parked: Array<() => void> = [];
  const next = () => {
    while (busy < slots && queue.length > 0) {
      busy++;
      queue.shift()?.();
    }
  };
  const resolve = (
    hostname: string,
    _options: unknown,
    callback: (e: NodeJS.ErrnoException | null, a: Array<{ address: string; family: number }>) => void,
  ) => {
    queue.push(() => {
      const answer = () => {
        busy--;
        next();
        callback(null, [{ address: '127.0.0.1', family: 4 }]);
      };
      if (hostname === hanging) parked.push(answer);
      else setTimeout(answer, 5);
    });
    next();
  };
  return {
    resolve,
    release: () => {
      for (const answer of parked.splice(0)) answer();
    },
  };
}

const message = { rawBody: Buffer.from('{"message_id":"m"}'), contentType: 'application/json' } as InboundMessage;
let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const step of cleanup) step();
  cleanup = [];
});

describe('a PortSIP host name that hangs in DNS', () => {
  it('holds up neither another route’s SMS nor its lookups, and is told as DNS, not as PortSIP not answering', async () => {
    const received: string[] = [];
    const server = createServer((req, res) => {
      received.push(req.headers.host ?? '');
      req.resume();
      req.on('end', () => res.writeHead(200).end('ok'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const resolver = libuvLikeResolver('pbx-dns-down.test');
    const sender = createPortsipSender({ deadlineMs: 1_500, lookup: createGuardedLookup(resolver.resolve), connections: 8 });
    cleanup.push(() => {
      resolver.release();
      sender.close();
      server.close();
    });

    // Four conversations due on the hanging route (a failing route's half of the relay's 8 slots), then the healthy one.
    const hung = Array.from({ length: 4 }, () => ({
      delivery: { destination: `http://pbx-dns-down.test:${port}/emc/a/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90` },
      message,
    }));
    const healthy = {
      delivery: { destination: `http://pbx-fine.test:${port}/emc/b/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90` },
      message,
    };
    const outcomes = await sender.send([...hung, healthy]);

    expect(outcomes[4]).toMatchObject({ delivered: true, statusCode: 200 });
    expect(received).toEqual([`pbx-fine.test:${port}`]);
    for (const outcome of outcomes.slice(0, 4)) {
      expect(outcome).toMatchObject({ delivered: false, statusCode: null });
      expect(outcome.error).toBe('the host name did not resolve within 1500 ms (DNS slow or not answering)');
      expect(connectionFailureKind(outcome.error ?? '')).toBe('host name did not resolve in time (DNS)');
    }
  });
});
