import type { IncomingHttpHeaders } from 'node:http';
import { sendText } from './http/answer.js';
import { readBody } from './http/body.js';
import { startStandInServer } from './http/serve.js';

/** One request the stand-in PBX received, kept exactly as it arrived. */
export interface SinkRequest {
  id: number;
  at: number;
  method: string;
  /** Path and query as sent (spaces of a PortSIP URL arrive percent-encoded). */
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface PortsipSink {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  received(): readonly SinkRequest[];
  close(): Promise<void>;
}

/** The sandbox keeps the most recent requests only: a long session must not grow without bound. */
const KEPT = 200;
const MAX_BODY = 1024 * 1024;

/**
 * A stand-in for PortSIP's inbound SMS webhook: it answers 200 to every POST and records the request, so the sandbox
 * console can show what the relay delivered, byte for byte.
 */
export async function startPortsipSink(options: { host?: string; port?: number } = {}): Promise<PortsipSink> {
  let requests: SinkRequest[] = [];
  let nextId = 1;
  const server = await startStandInServer(
    async (req, res) => {
      const body = await readBody(req, MAX_BODY);
      if (body === null) {
        res.writeHead(413).end();
        return;
      }
      requests.push({ id: nextId++, at: Date.now(), method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      if (requests.length > KEPT) requests = requests.slice(-KEPT);
      sendText(res, 200, 'OK');
    },
    { host: options.host, port: options.port },
  );
  return {
    url: server.url,
    received: () => requests,
    close: () => server.close(),
  };
}
