import http, { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createGuardedLookup, guardedLookup, refusedDestination } from '../../src/core/destinationGuard.js';
import type { InboundMessage } from '../../src/core/model/inboundMessage.js';
import { createPortsipSender } from '../../src/relay/portsip.js';

/** A resolver answering every name with the given addresses, as a changed or rebinding DNS record would. */
const resolvingTo =
  (...addresses: string[]) =>
  (_host: string, _options: unknown, callback: (e: null, a: Array<{ address: string; family: number }>) => void) =>
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );

describe('the relay checks where a name resolves when it connects', () => {
  it('fails the request to a name resolving to the metadata address, and never connects', async () => {
    const lookup = createGuardedLookup(resolvingTo('169.254.169.254'));
    const error = await new Promise<Error>((resolve) => {
      const request = http.request('http://metadata.attacker.test/latest', { lookup, timeout: 2000 }, () =>
        resolve(new Error('connected')),
      );
      request.on('error', resolve);
      request.end();
    });
    expect(error.message).toBe('metadata.attacker.test resolves to 169.254.169.254 (169.254.0.0/16); smsops does not send there');
  });

  it('makes the PortSIP sender report a refused name as a failure retrying cannot fix', async () => {
    const sender = createPortsipSender({ deadlineMs: 2_000, lookup: createGuardedLookup(resolvingTo('169.254.169.254')) });
    try {
      const message = { rawBody: Buffer.from('{}'), contentType: 'application/json' } as InboundMessage;
      const [outcome] = await sender.send([{ delivery: { destination: 'http://pbx.attacker.test/emc/x/y' }, message }]);
      expect(outcome).toMatchObject({ delivered: false, statusCode: null, deterministic: true });
      expect(outcome?.error).toContain('resolves to 169.254.169.254');
    } finally {
      sender.close();
    }
  });

  it('refuses when any of the addresses is refused (IPv6 link-local, mapped metadata)', async () => {
    for (const bad of ['fe80::1', '::ffff:169.254.169.254', 'fd00:ec2::254']) {
      const lookup = createGuardedLookup(resolvingTo('203.0.113.7', bad));
      const error = await new Promise<Error | null>((resolve) => lookup('pbx.test', { all: true }, (e) => resolve(e)));
      expect(error?.message, bad).toContain('smsops does not send there');
    }
  });

  it('lets a name resolving to loopback through (PortSIP on this host), end to end', async () => {
    const server = createServer((_req, res) => res.writeHead(204).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const request = http.request(
          `http://localhost:${port}/x`,
          { method: 'POST', lookup: guardedLookup, family: 4 },
          (res) => {
            res.resume();
            resolve(res.statusCode);
          },
        );
        request.on('error', reject);
        request.end();
      });
      expect(status).toBe(204);
    } finally {
      server.close();
    }
  });

  it('names a stored route that the rules refuse today, and leaves the rest to the sender', () => {
    expect(refusedDestination('http://169.254.169.254/latest')).toContain('link-local');
    expect(refusedDestination('http://0x7f000001/x')).toContain('unusual way of writing');
    expect(refusedDestination('https://pbx.example.com:8887/emc/Wavix - US/0d3c')).toBeNull();
    expect(refusedDestination('http://10.0.0.5/x')).toBeNull();
    expect(refusedDestination('not a url')).toBeNull();
  });
});
