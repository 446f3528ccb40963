import { type IncomingMessage, request, type ServerResponse } from 'node:http';
import { describeError } from '../errors.js';
import { createBoundedServer } from '../http/boundedServer.js';
import type { HttpLimits } from '../http/limitsConfig.js';
import { listen } from '../http/listen.js';
import { defaultHttpLimits } from '../http/server.js';
import type { Logger } from '../log.js';
import { sendJson } from './http/answer.js';

/**
 * The sandbox's one port: it serves the console itself (/sandbox…) and passes every other request untouched to smsops,
 * which runs exactly as in production on a loopback port of its own. smsops thus needs no sandbox hook, and no
 * sandbox route can ever be mounted in a real deployment.
 */
export interface FrontServer {
  url: string;
  /** Where requests that are not the console's go; until set they are answered 503. */
  setUpstream(url: string): void;
  close(): Promise<void>;
}

export type ConsoleHandler = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean> | boolean;

/** `upstream` with the request's path and query; the request target can never change the host. */
function upstreamTarget(upstream: URL, requestTarget: string): URL {
  const { pathname, search } = new URL(requestTarget, 'http://front.invalid');
  const target = new URL(upstream.origin);
  target.pathname = pathname;
  target.search = search;
  return target;
}

export async function startFrontServer(options: {
  host: string;
  port: number;
  console: ConsoleHandler;
  logger: Logger;
  limits?: HttpLimits;
}): Promise<FrontServer> {
  let upstream: URL | undefined;

  const proxy = (req: IncomingMessage, res: ServerResponse) => {
    if (!upstream) {
      sendJson(res, 503, { error: 'smsops is still starting' });
      return;
    }
    // Only the path and query are taken from the request: resolved against upstream, an absolute-form target
    // (`GET http://169.254.169.254/`) or a `//host/…` path would name another server and make this an open proxy.
    const target = upstreamTarget(upstream, req.url ?? '/');
    const forwarded = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forwarded.on('error', (error) => {
      options.logger.warn('sandbox could not reach smsops', { path: target.pathname, error: describeError(error) });
      if (!res.headersSent) sendJson(res, 502, { error: 'smsops did not answer' });
      else res.destroy();
    });
    req.pipe(forwarded);
  };

  const bounded = createBoundedServer(
    (req, res) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      // A person who opens the bare address is looking for the console (the query keeps a console token).
      if (path === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
        const query = (req.url ?? '/').slice(1);
        res.writeHead(302, { location: `/sandbox${query}` }).end();
        return;
      }
      if (path !== '/sandbox' && !path.startsWith('/sandbox/')) {
        proxy(req, res);
        return;
      }
      Promise.resolve()
        .then(() => options.console(req, res, path))
        .then((handled) => {
          if (!handled) sendJson(res, 404, { error: 'not found' });
        })
        .catch((error: unknown) => {
          options.logger.error('sandbox console failed', { path, error: describeError(error) });
          if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
          else res.end();
        });
    },
    options.limits ?? defaultHttpLimits(),
    options.logger,
  );

  // Named SMSOPS_SANDBOX_PORT, not PORT: PORT alone makes npm start run smsops for real, which then asks for Slack.
  const url = await listen(bounded.server, options.port, options.host, 'SMSOPS_SANDBOX_PORT');
  return {
    url,
    setUpstream: (url) => {
      upstream = new URL(url);
    },
    close: () => bounded.close(),
  };
}
