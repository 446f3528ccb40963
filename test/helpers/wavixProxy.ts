import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Wavix as a test needs it to misbehave: the emulator behind a proxy that may ask it for another path and may rewrite
 * its answers; everything else passes through. Until `passTo` names the emulator (started with smsops), Wavix answers
 * 503: only start-up's checks ask that early.
 */
export async function wavixProxy(options: {
  /** The path and query to ask the emulator for, when not the one asked. */
  upstreamPathOf?: (url: URL) => string;
  /** The answer's body as the proxy gives it, from the emulator's (called for 2xx answers only). */
  rewrite?: (url: URL, body: string) => string;
  /**
   * How long to hold a request, read whole, before passing it on (ms; none when absent or 0): Wavix slow but acting,
   * which makes what was asked after smsops stopped waiting.
   */
  holdFor?: (method: string, url: URL) => number;
}) {
  let emulatorUrl: string | undefined;
  let holding = 0;
  // Held requests end their hold early when the test says Wavix acts now (`release`).
  const releases = new Set<() => void>();
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (!emulatorUrl) return void res.writeHead(503, { 'content-type': 'application/json' }).end('{"success":false}');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const hold = options.holdFor?.(req.method ?? 'GET', url) ?? 0;
    if (hold > 0) {
      holding += 1;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          releases.delete(done);
          resolve();
        };
        const timer = setTimeout(done, hold);
        releases.add(done);
      });
    }
    const path = options.upstreamPathOf?.(url) ?? `${url.pathname}${url.search}`;
    const upstream = await fetch(`${emulatorUrl}${path}`, {
      method: req.method ?? 'GET',
      headers: { authorization: String(req.headers.authorization ?? ''), 'content-type': 'application/json' },
      ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
    });
    const body = await upstream.text();
    if (hold > 0) holding -= 1;
    // A held request's caller may have gone: Wavix acted all the same.
    if (res.destroyed) return;
    res
      .writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' })
      .end(upstream.ok && options.rewrite ? options.rewrite(url, body) : body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Requests held (`holdFor`) that the emulator has not answered yet. */
    holding: () => holding,
    /** Passes every held request on now: Wavix acts at the moment the test chooses, not after a fixed wait. */
    release: () => {
      for (const done of [...releases]) done();
    },
    passTo: (url: string) => {
      emulatorUrl = url;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
