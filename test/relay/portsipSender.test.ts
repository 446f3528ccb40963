import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createGuardedLookup } from '../../src/core/destinationGuard.js';
import type { InboundMessage } from '../../src/core/model/inboundMessage.js';
import { createPortsipSender } from '../../src/relay/portsip.js';

describe('the PortSIP sender', () => {
  it('posts the stored bytes to the URL as copied (spaces encoded, query and credentials kept), request after request', async () => {
    const seen: Array<{ url: string | undefined; auth: string | undefined; type: string | undefined; body: string }> = [];
    const server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({
          url: req.url,
          auth: req.headers.authorization,
          type: req.headers['content-type'],
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    // The PBX's name resolves to this test's server (through the guard, as every PortSIP name does).
    const sender = createPortsipSender({
      deadlineMs: 2_000,
      lookup: createGuardedLookup((_h, _o, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }])),
    });
    try {
      const destination = `http://pbx:secret@pbx.example.test:${port}/emc/Wavix - US/uuid?tenant=a b`;
      const message = (body: string) =>
        ({ rawBody: Buffer.from(body), contentType: 'application/json; charset=utf-8' }) as InboundMessage;
      const outcomes = [];
      for (const body of ['{"n":1}', '{"n":2}'])
        outcomes.push(...(await sender.send([{ delivery: { destination }, message: message(body) }])));
      expect(outcomes).toEqual([
        { delivered: true, statusCode: 200 },
        { delivered: true, statusCode: 200 },
      ]);
      const expected = {
        url: '/emc/Wavix%20-%20US/uuid?tenant=a%20b',
        auth: `Basic ${Buffer.from('pbx:secret').toString('base64')}`,
        type: 'application/json; charset=utf-8',
      };
      expect(seen).toEqual([
        { ...expected, body: '{"n":1}' },
        { ...expected, body: '{"n":2}' },
      ]);
    } finally {
      sender.close();
      server.close();
    }
  });
});
