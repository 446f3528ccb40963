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

describe('two PortSIP host names hanging in DNS (one domain whose DNS servers are down)', () => {
  it('leave a lookup free for the other routes once each was seen slow', async () => {
    const received: string[] = [];
    const server = createServer((req, res) => {
      received.push(req.headers.host ?? '');
      req.resume();
      req.on('end', () => res.writeHead(200).end('ok'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    // Each lookup of the two names gives up after 2.5 s (the resolver's timeout), as glibc does with dead DNS servers.
    const resolver = timingOutResolver(['pbx1.acme-down.test', 'pbx2.acme-down.test'], 2_500);
    const sender = createPortsipSender({ deadlineMs: 1_500, lookup: createGuardedLookup(resolver), connections: 8 });
    cleanup.push(() => {
      sender.close();
      server.close();
    });
    const to = (host: string) => ({
      delivery: { destination: `http://${host}:${port}/emc/a/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90` },
      message,
    });

    // The first round finds both names slow; their lookups end (timed out) a second after the attempts did.
    await sender.send([to('pbx1.acme-down.test'), to('pbx2.acme-down.test')]);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const outcomes = await sender.send([to('pbx1.acme-down.test'), to('pbx2.acme-down.test'), to('pbx-fine.test')]);

    expect(outcomes[2]).toMatchObject({ delivered: true, statusCode: 200 });
    expect(received).toEqual([`pbx-fine.test:${port}`]);
  });
});

/** libuvLikeResolver's two lookups at once, where the hanging names answer EAI_AGAIN after `timeoutMs`. */
function timingOutResolver(hanging: string[], timeoutMs: number) {
  const slots = 2;
  let busy = 0;
  const queue: Array<() => void> = [];
  const next = () => {
    while (busy < slots && queue.length > 0) {
      busy++;
      queue.shift()?.();
    }
  };
  return (
    hostname: string,
    _options: unknown,
    callback: (e: NodeJS.ErrnoException | null, a: Array<{ address: string; family: number }>) => void,
  ) => {
    queue.push(() => {
      const slow = hanging.includes(hostname);
      setTimeout(
        () => {
          busy--;
          next();
          if (slow) callback(Object.assign(new Error(`getaddrinfo EAI_AGAIN ${hostname}`), { code: 'EAI_AGAIN' }), []);
          else callback(null, [{ address: '127.0.0.1', family: 4 }]);
        },
        slow ? timeoutMs : 5,
      );
    });
    next();
  };
}
