import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { z } from 'zod';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { type ConnectionRefusal, createBoundedServer } from './boundedServer.js';
import { type HttpLimits, httpLimitsFrom, httpLimitsShape } from './limitsConfig.js';
import { listen } from './listen.js';
import { type InheritedSocket, listenOnSocket } from './systemdSocket.js';

/** The limits with every HTTP_* variable unset. */
export const defaultHttpLimits = (): HttpLimits => httpLimitsFrom(z.object(httpLimitsShape).parse({}));

/**
 * The one HTTP listener of smsops. Routes are thin adapters registered by feature modules (health now; the Slack
 * receiver and the Wavix webhooks later), so this file knows nothing of what they do.
 */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => Promise<void> | void;

export interface Route {
  method: string;
  /** Path pattern: literal segments and `:name` parameters, e.g. `/webhooks/wavix/inbound/:secret`. */
  path: string;
  handler: RouteHandler;
}

interface CompiledRoute extends Route {
  regex: RegExp;
  names: string[];
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const pattern = route.path
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(segment.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return { ...route, regex: new RegExp(`^${pattern}$`), names };
}

/**
 * The path of a request target: origin-form (`/a?b`, every client smsops knows) or absolute-form (`http://host/a?b`,
 * which a server must accept, RFC 9112 §3.2.2, and some proxies send). The host in it is not used: it chooses nothing.
 */
function pathOf(target: string): string {
  if (target.startsWith('/')) return target.split('?')[0] ?? '/';
  try {
    const url = new URL(target);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.pathname;
  } catch {
    // Neither form (e.g. `*` of OPTIONS): no route has it.
  }
  return target;
}

/** A body this small, refused, is read and dropped so its keep-alive connection stays usable. */
const DRAINED_REFUSAL_BYTES = 64 * 1024;

/**
 * Answers a request whose body is not wanted (a wrong webhook secret, no such route) without reading more of it than
 * a small declared body: a chunked or larger one closes the connection after the answer. Drained whatever its size,
 * one endless chunked body to a wrong secret kept smsops reading (23.8 GB in 30 s, 18.7 s of CPU; a probe).
 */
export function refuseUnwantedBody(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  const declared = Number(req.headers['content-length'] ?? 0);
  const small = req.headers['transfer-encoding'] === undefined && Number.isFinite(declared) && declared <= DRAINED_REFUSAL_BYTES;
  if (small) req.resume();
  else res.setHeader('connection', 'close');
  sendJson(res, status, body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export interface HttpServer {
  server: Server;
  /** Base URL actually bound, e.g. `http://127.0.0.1:3000`. */
  url: string;
  close(): Promise<void>;
}

export async function startHttpServer(options: {
  host: string;
  port: number;
  routes: Route[];
  logger: Logger;
  /** Timeouts, connection cap and shutdown grace; defaults when omitted. */
  limits?: HttpLimits;
  /** Counts requests refused before routing (malformed framing or headers, too slow), by Node's error code. */
  onMalformedRequest?: (code: string) => void;
  /** Counts connections closed or refused to keep the listener up (the connection cap, pipelining), by reason. */
  onConnectionRefused?: (reason: ConnectionRefusal) => void;
  /** A listening socket systemd passed: listened on instead of binding `host` and `port` (./systemdSocket.ts). */
  socket?: InheritedSocket;
  /** The variable that sets `port`, named when the port is taken (see listen). */
  portVariable?: string;
}): Promise<HttpServer> {
  const routes = options.routes.map(compile);
  const bounded = createBoundedServer(
    (req, res) => {
      const path = pathOf(req.url ?? '/');
      // HEAD wherever GET is (RFC 9110; uptime monitors probe /healthz so): Node sends the head and drops the body.
      const method = req.method === 'HEAD' ? 'GET' : req.method;
      let pathMatched = false;
      for (const route of routes) {
        const match = route.regex.exec(path);
        if (!match) continue;
        pathMatched = true;
        if (route.method !== method) continue;
        let params: Record<string, string>;
        try {
          params = Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]));
        } catch {
          sendJson(res, 400, { error: 'malformed percent-encoding in the path' });
          return;
        }
        // A rejected promise from a handler must still end the request, and must be logged, never lost.
        Promise.resolve()
          .then(() => route.handler(req, res, params))
          .catch((error: unknown) => {
            options.logger.error('http handler failed', { method: req.method, route: route.path, error: describeError(error) });
            if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
            else res.end();
          });
        return;
      }
      refuseUnwantedBody(req, res, pathMatched ? 405 : 404, { error: pathMatched ? 'method not allowed' : 'not found' });
    },
    options.limits ?? defaultHttpLimits(),
    options.logger,
    options.onMalformedRequest,
    options.onConnectionRefused,
  );

  const url = options.socket
    ? await listenOnSocket(bounded.server, options.socket)
    : await listen(bounded.server, options.port, options.host, options.portVariable);
  return { server: bounded.server, url, close: bounded.close };
}
