import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';

/**
 * Hostile HTTP clients for the real process (tests and bench/slowClients.ts), always against 127.0.0.1 and always
 * bounded in count and time by the caller.
 */

export interface SlowHeaderFlood {
  /** Connections open right now. */
  open(): number;
  /** Connections the server closed on us (timeout or cap), each one reopened while the flood runs. */
  closedByServer(): number;
  /** Closes every connection and stops reopening them. */
  stop(): void;
}

/**
 * `count` connections that each send a request line and then one header line every `dribbleMs`, never finishing
 * the headers (slowloris). A connection the server closes is reopened after `reopenMs`, as an attacker would.
 */
export function slowHeaderFlood(options: {
  port: number;
  count: number;
  dribbleMs?: number;
  reopenMs?: number;
}): SlowHeaderFlood {
  const sockets = new Set<Socket>();
  let stopped = false;
  let closedByServer = 0;
  const dribbleMs = options.dribbleMs ?? 1000;

  const openOne = () => {
    if (stopped) return;
    const socket = connect({ port: options.port, host: '127.0.0.1' });
    sockets.add(socket);
    let timer: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      socket.write('POST /webhooks/wavix/inbound/slow HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      timer = setInterval(() => socket.write(`X-Slow-${Date.now()}: 1\r\n`), dribbleMs);
    });
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      sockets.delete(socket);
      if (stopped) return;
      closedByServer += 1;
      setTimeout(openOne, options.reopenMs ?? 20);
    });
  };
  for (let i = 0; i < options.count; i++) openOne();

  return {
    open: () => sockets.size,
    closedByServer: () => closedByServer,
    stop: () => {
      stopped = true;
      for (const socket of sockets) socket.destroy();
    },
  };
}

export interface HeadersOnlyAnswer {
  /** HTTP status of the answer, or 0 when the connection ended without one. */
  status: number;
  /** Body bytes written before the answer arrived (always 0: only the headers are ever written). */
  bodyBytesSent: number;
  ms: number;
}

/**
 * Sends request headers announcing a body (Content-Length) and then waits, never sending the body: an answer can
 * only come from a server that decided without reading it.
 */
export function headersOnly(options: {
  port: number;
  path: string;
  headers: Record<string, string>;
  timeoutMs?: number;
}): Promise<HeadersOnlyAnswer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ port: options.port, host: '127.0.0.1' });
    let answer = '';
    const done = (status: number) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ status, bodyBytesSent: 0, ms: performance.now() - started });
    };
    const timer = setTimeout(() => done(0), options.timeoutMs ?? 5000);
    socket.on('connect', () => {
      const lines = Object.entries({ host: '127.0.0.1', ...options.headers }).map(([k, v]) => `${k}: ${v}`);
      socket.write(`POST ${options.path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
      if (status) done(Number(status));
    });
    socket.on('error', () => done(0));
    socket.on('close', () => done(0));
  });
}

export interface WebhookAnswer {
  status: number;
  ms: number;
  /** The client-side error when there was no answer (ECONNRESET, timeout…). */
  error?: string;
}

/** One request on a fresh connection (as Wavix sends webhooks), with a deadline. */
export function postOnce(url: string, body: string, timeoutMs = 5000): Promise<WebhookAnswer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(url, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      timeout: timeoutMs,
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ status: 0, ms: performance.now() - started, error: error.code ?? error.message }),
    );
    req.end(body);
  });
}

/** The leaf of a process tree (tsx's node child, the server itself), from /proc. */
export function serverPid(rootPid: number): number {
  let pid = rootPid;
  for (;;) {
    let children: number[] = [];
    try {
      children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return pid;
    }
    if (children.length === 0) return pid;
    pid = children[children.length - 1] as number;
  }
}

/** Resident memory of a process in MB (Linux /proc). */
export function rssMb(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb ?? Number.NaN) / 1024;
}

/** Open file descriptors of a process (Linux /proc), 0 once it is gone. */
export function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/**
 * The sockets a process holds (`socket:[inode]`, from /proc), [] once it is gone. Compared with an earlier reading, it
 * says whether connections accepted since have all been closed; a count of descriptors cannot (SQLite opens files).
 */
export function openSockets(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/fd`)
      .map((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          return '';
        }
      })
      .filter((target) => target.startsWith('socket:'));
  } catch {
    return [];
  }
}

/** Signed-looking Slack headers (fresh timestamp, well-formed but wrong signature): they pass the cheap checks. */
export function fakeSlackSignatureHeaders(now = Date.now()): Record<string, string> {
  return { 'x-slack-request-timestamp': String(Math.floor(now / 1000)), 'x-slack-signature': `v0=${'0'.repeat(64)}` };
}

/**
 * `count` connections that each send complete request headers announcing a body (`head`, ending in a blank line) and
 * then one byte of it every `dribbleMs`, never finishing it. A connection the server closes is reopened after
 * `reopenMs`, as an attacker would.
 */
export function slowBodyFlood(options: {
  port: number;
  count: number;
  head: () => string;
  dribbleMs?: number;
  reopenMs?: number;
}): SlowHeaderFlood {
  const sockets = new Set<Socket>();
  let stopped = false;
  let closedByServer = 0;
  const openOne = () => {
    if (stopped) return;
    const socket = connect({ port: options.port, host: '127.0.0.1' });
    sockets.add(socket);
    let timer: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      socket.write(options.head());
      timer = setInterval(() => socket.write('a'), options.dribbleMs ?? 1000);
    });
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      sockets.delete(socket);
      if (stopped) return;
      closedByServer += 1;
      setTimeout(openOne, options.reopenMs ?? 50);
    });
  };
  for (let i = 0; i < options.count; i++) openOne();
  return {
    open: () => sockets.size,
    closedByServer: () => closedByServer,
    stop: () => {
      stopped = true;
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** Request headers of a /slack/events POST with a forged (well-formed, fresh) signature announcing a 60 KB body. */
export function forgedSlackHead(): string {
  const headers = {
    host: '127.0.0.1',
    'content-type': 'application/x-www-form-urlencoded',
    'content-length': '60000',
    ...fakeSlackSignatureHeaders(),
  };
  return `POST /slack/events HTTP/1.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n')}\r\n\r\n`;
}

/** Slack's ssl_check shape (form-encoded, unsigned, at most 256 bytes declared): it needs no signature headers. */
export function sslCheckHead(): string {
  return 'POST /slack/events HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: 256\r\n\r\n';
}
