import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The non-durable forwarder: the ceiling of a relay without durability. A plain node:http server that reads each
 * request body, POSTs it with the same Content-Type to `--target` (the PortSIP sink) over a keep-alive agent, and only
 * then answers: 200 when the sink answered 2xx, 502 otherwise. Nothing is stored, retried or ordered.
 *
 *   tsx bench/forwarder.ts --target http://127.0.0.1:PORT/path [--port N]
 *
 * Prints `{"msg":"forwarder listening","url":...}` when ready; stops on SIGTERM/SIGINT.
 */

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

const target = new URL(option('target', ''));
const port = Number(option('port', '0'));
const agent = new http.Agent({ keepAlive: true, scheduling: 'fifo' });
const OK = Buffer.from('{"ok":true}');
const FAILED = Buffer.from('{"error":"the sink did not take it"}');

let forwarded = 0;
let failed = 0;

function answer(res: http.ServerResponse, ok: boolean): void {
  const body = ok ? OK : FAILED;
  res.writeHead(ok ? 200 : 502, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const out = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: 'POST',
        agent,
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json', 'content-length': body.length },
      },
      (sinkRes) => {
        sinkRes.resume();
        sinkRes.on('end', () => {
          const ok = (sinkRes.statusCode ?? 0) >= 200 && (sinkRes.statusCode ?? 0) < 300;
          if (ok) forwarded += 1;
          else failed += 1;
          answer(res, ok);
        });
      },
    );
    out.on('error', () => {
      failed += 1;
      answer(res, false);
    });
    out.end(body);
  });
});
server.keepAliveTimeout = 30_000;

server.listen(port, '127.0.0.1', () => {
  const address = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: 'forwarder listening', url: `http://127.0.0.1:${address.port}` })}\n`);
});

const stop = () => {
  server.close(() => {
    process.stdout.write(`${JSON.stringify({ msg: 'forwarder stopped', forwarded, failed })}\n`);
    process.exit(0);
  });
  server.closeAllConnections();
  agent.destroy();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
