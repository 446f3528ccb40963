import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The baseline server: reads the whole request body, then answers 200 with a fixed JSON body. Run as its own process
 * (`tsx bench/noopServer.ts [--port N] [--host H] [--body JSON]`) so that it is measured the way smsops is. It prints one
 * JSON line `{"msg":"noop listening","url":...}` on stdout when ready and stops on SIGTERM/SIGINT.
 */

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

const host = option('host', '127.0.0.1');
const port = Number(option('port', '0'));
const answer = Buffer.from(option('body', '{"ok":true}'));
const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': answer.length };

let requests = 0;
const server = createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    requests += 1;
    res.writeHead(200, headers);
    res.end(answer);
  });
});
server.keepAliveTimeout = 30_000;

server.listen(port, host, () => {
  const address = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: 'noop listening', url: `http://${host}:${address.port}` })}\n`);
});

const stop = () => {
  server.close(() => {
    process.stdout.write(`${JSON.stringify({ msg: 'noop stopped', requests })}\n`);
    process.exit(0);
  });
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
