import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './http/answer.js';

/**
 * The console's only lock, used when the sandbox listens beyond loopback: everyone who can reach the port could
 * otherwise type `/sms route set …`. A token generated at start is printed once; `/sandbox?token=…` swaps it for a
 * cookie (HttpOnly, SameSite=Strict, so another site cannot ride on it) and drops it from the address bar. Scripts
 * may send `Authorization: Bearer <token>` instead.
 */
export const CONSOLE_COOKIE = 'smsops_sandbox';

export const generateConsoleToken = (): string => randomBytes(24).toString('base64url');

export interface ConsoleGate {
  /** True when the request may reach the console; otherwise it has been answered (401 or the cookie redirect). */
  pass(req: IncomingMessage, res: ServerResponse, path: string): boolean;
}

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

export function createConsoleGate(token: string): ConsoleGate {
  return {
    pass(req, res, path) {
      const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
      const fromQuery = url.searchParams.get('token') ?? undefined;
      if (fromQuery !== undefined && req.method === 'GET' && sameToken(fromQuery, token)) {
        url.searchParams.delete('token');
        res.writeHead(303, {
          location: `${url.pathname}${url.search}`,
          'set-cookie': `${CONSOLE_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/sandbox`,
          'cache-control': 'no-store',
        });
        res.end();
        return false;
      }
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (sameToken(cookie(req, CONSOLE_COOKIE), token) || sameToken(bearer, token)) return true;
      if (path.startsWith('/sandbox/api/')) {
        sendJson(res, 401, { error: 'the sandbox console needs the token printed when it started (open its ?token= URL)' });
      } else {
        res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('This sandbox console needs its token: open the URL with ?token=… that smsops printed when it started.\n');
      }
      return false;
    },
  };
}
