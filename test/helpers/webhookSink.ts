import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  json(): unknown;
}

/** A local HTTP server that records every request and answers with a status of the test's choosing. */
export interface WebhookSink {
  url: string;
  received: ReceivedRequest[];
  /** The most requests it held open at once (received, not answered yet): the posts a PBX sees in parallel. */
  maxOpen(): number;
  /** The requests it holds open now. */
  open(): number;
  /** The connections open to it now (a client's keep-alive ones included). */
  connections(): number;
  /** Answers every later request with this status (and body, empty by default, and headers: a Retry-After). */
  respondWith(status: number, body?: string, headers?: Record<string, string>): void;
  /** Answers every request after `ms` (a slow PBX). */
  delay(ms: number): void;
  /** Stops listening (connections refused: the PBX is down) until `up()` listens again on the same port. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startWebhookSink(): Promise<WebhookSink> {
  const received: ReceivedRequest[] = [];
  let status = 200;
  let responseBody = '';
  let responseHeaders: Record<string, string> = {};
  let delayMs = 0;
  let open = 0;
  let maxOpen = 0;
  const server = createServer(async (req, res) => {
    open += 1;
    maxOpen = Math.max(maxOpen, open);
    res.once('close', () => {
      open -= 1;
    });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    received.push({
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body,
      json: () => JSON.parse(body.toString('utf8')),
    });
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    res.writeHead(status, responseHeaders).end(responseBody);
  });
  let connections = 0;
  server.on('connection', (socket) => {
    connections += 1;
    socket.once('close', () => {
      connections -= 1;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const stopListening = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return {
    url: `http://127.0.0.1:${port}`,
    delay: (ms) => {
      delayMs = ms;
    },
    down: () => stopListening(),
    up: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve)),
    received,
    maxOpen: () => maxOpen,
    open: () => open,
    connections: () => connections,
    respondWith: (next, body = '', headers = {}) => {
      status = next;
      responseBody = body;
      responseHeaders = headers;
    },
    close: () => stopListening(),
  };
}

/** Sinks a test starts as it needs them, all closed by `closeAll` (in its afterEach, once smsops has stopped). */
export function webhookSinks(): { start(): Promise<WebhookSink>; closeAll(): Promise<void> } {
  const open: WebhookSink[] = [];
  return {
    start: async () => {
      const sink = await startWebhookSink();
      open.push(sink);
      return sink;
    },
    closeAll: async () => {
      await Promise.all(open.splice(0).map((sink) => sink.close()));
    },
  };
}
