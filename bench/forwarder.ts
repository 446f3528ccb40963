import http from 'node:http';
import { option, postBody, serveUntilSignalled } from './benchServer.js';

/**
 * The non-durable forwarder: the ceiling of a relay without durability. A plain node:http server that reads each
 * request body, POSTs it with the same Content-Type to `--target` (the PortSIP sink) over a keep-alive agent, and only
 * then answers: 200 when the sink answered 2xx, 502 otherwise. Nothing is stored, retried or ordered.
 *
 *   tsx bench/forwarder.ts --target http://127.0.0.1:PORT/path [--port N]
 *
 * Prints `{"msg":"forwarder listening","url":...}` when ready; stops on SIGTERM/SIGINT.
 */

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
    postBody(target, agent, req.headers['content-type'] ?? 'application/json', body, (ok) => {
      if (ok) forwarded += 1;
      else failed += 1;
      answer(res, ok);
    });
  });
});
serveUntilSignalled(server, {
  name: 'forwarder',
  host: '127.0.0.1',
  port,
  counts: () => ({ forwarded, failed }),
  cleanup: () => agent.destroy(),
});
