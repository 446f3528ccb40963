import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The value after `--<name>` on the command line, or `fallback`. */
export function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

/**
 * How a baseline server of the benchmarks runs as its own process: it listens, prints `{"msg":"<name> listening",
 * "url":...}` (what bench/production.ts waits for), and on SIGTERM or SIGINT closes every connection, prints
 * `{"msg":"<name> stopped", ...counts()}`, runs `cleanup` and exits 0.
 */
export function serveUntilSignalled(
  server: Server,
  options: { name: string; host: string; port: number; counts: () => object; cleanup?: () => void },
): void {
  const { name, host } = options;
  server.keepAliveTimeout = 30_000;
  server.listen(options.port, host, () => {
    const address = server.address() as AddressInfo;
    process.stdout.write(`${JSON.stringify({ msg: `${name} listening`, url: `http://${host}:${address.port}` })}\n`);
  });
  const stop = () => {
    server.close(() => {
      process.stdout.write(`${JSON.stringify({ msg: `${name} stopped`, ...options.counts() })}\n`);
      options.cleanup?.();
      process.exit(0);
    });
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** POSTs `body` to `target` over `agent`; `done(true)` once a 2xx answer was read, `done(false)` on any other end. */
export function postBody(target: URL, agent: http.Agent, contentType: string, body: Buffer, done: (ok: boolean) => void): void {
  const out = http.request(
    {
      host: target.hostname,
      port: target.port,
      path: `${target.pathname}${target.search}`,
      method: 'POST',
      agent,
      headers: { 'content-type': contentType, 'content-length': body.length },
    },
    (answer) => {
      answer.resume();
      answer.on('end', () => done((answer.statusCode ?? 0) >= 200 && (answer.statusCode ?? 0) < 300));
    },
  );
  out.on('error', () => done(false));
  out.end(body);
}
