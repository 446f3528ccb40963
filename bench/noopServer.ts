import { createServer } from 'node:http';
import { option, serveUntilSignalled } from './benchServer.js';

/**
 * The baseline server: reads the whole request body, then answers 200 with a fixed JSON body. Run as its own process
 * (`tsx bench/noopServer.ts [--port N] [--host H] [--body JSON]`) so that it is measured the way smsops is. It prints one
 * JSON line `{"msg":"noop listening","url":...}` on stdout when ready and stops on SIGTERM/SIGINT.
 */

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
serveUntilSignalled(server, { name: 'noop', host, port, counts: () => ({ requests }) });
