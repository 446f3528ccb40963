import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { guardSlackReplays } from '../../src/slack/replayGuard.js';
import { signSlackRequest } from '../helpers/slackRequests.js';

const SECRET = 'guard-signing-secret-0123';
let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

/** The guard in front of a handler that answers 200 and records the body it was given (as Bolt reads it). */
async function guarded(options: { now: () => number; maxRemembered?: number }) {
  const passed: string[] = [];
  const handler = guardSlackReplays({ signingSecret: SECRET, logger: silentLogger, ...options }, (req, res) => {
    passed.push((req as unknown as { rawBody: Buffer }).rawBody.toString());
    res.writeHead(200).end();
  });
  server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const send = async (body: string, timestamp: number) =>
    (
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SECRET, body, timestamp) },
        body,
      })
    ).status;
  return { passed, send };
}

describe('guardSlackReplays', () => {
  it('hands the body on to Bolt and refuses a copy until the timestamp leaves the 5-minute window', async () => {
    let now = 1_800_000_000_000;
    const { passed, send } = await guarded({ now: () => now });
    const ts = now / 1000;
    expect(await send('a=1', ts)).toBe(200);
    expect(passed).toEqual(['a=1']);
    now += 299_000;
    expect(await send('a=1', ts)).toBe(401);
    expect(passed).toEqual(['a=1']);
    // Past the window the signature check itself refuses the timestamp (in production the events guard does first).
    now += 3_000;
    expect(await send('a=1', ts)).toBe(401);
    expect(passed).toEqual(['a=1']);
  });

  it('remembers a bounded number of signatures, forgetting the oldest first', async () => {
    const now = 1_800_000_000_000;
    const { send } = await guarded({ now: () => now, maxRemembered: 2 });
    const ts = now / 1000;
    for (const body of ['a=1', 'b=2', 'c=3']) expect(await send(body, ts)).toBe(200);
    expect(await send('c=3', ts)).toBe(401);
    expect(await send('a=1', ts)).toBe(200); // forgotten: the price of the bound
  });

  it('refuses a request whose signature does not check (a stale timestamp) itself, without passing it to Bolt', async () => {
    const now = 1_800_000_000_000;
    const { passed, send } = await guarded({ now: () => now });
    expect(await send('x=1', now / 1000 - 400)).toBe(401);
    expect(await send('x=1', now / 1000 - 400)).toBe(401);
    expect(passed).toEqual([]);
  });
});
