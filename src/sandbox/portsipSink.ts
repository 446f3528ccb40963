import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

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
export async function startPortsipSink(options: { host?: string } = {}): Promise<PortsipSink> {
  let requests: SinkRequest[] = [];
  let nextId = 1;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) {
        res.writeHead(413).end();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    requests.push({
      id: nextId++,
      at: Date.now(),
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks),
    });
    if (requests.length > KEPT) requests = requests.slice(-KEPT);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    received: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
