import type { IncomingMessage } from 'node:http';

/** Headers a reverse proxy adds (nginx, Caddy, Apache, load balancers): a browser on this machine sends none. */
const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip', 'via'] as const;

/**
 * The proxy sign a request carries (a header, or HTTP/1.0), if any. Without a token the console trusts loopback, and a Host of
 * `127.0.0.1:<port>` is what nginx sends by default (`proxy_pass http://127.0.0.1:3000` without `proxy_set_header
 * Host`): a sandbox started by mistake where smsops should run (no .env) was then open to the internet behind the
 * real proxy, and let anyone set routes and make it post SMS to any LAN or loopback URL (a probe).
 */
export function proxyHeaderOf(req: IncomingMessage): string | undefined {
  const header = PROXY_HEADERS.find((name) => req.headers[name] !== undefined);
  if (header) return header;
  // nginx's defaults add no header at all, but speak HTTP/1.0 to the upstream (proxy_http_version 1.0); no browser
  // has sent HTTP/1.0 for decades.
  return req.httpVersion === '1.0' ? 'HTTP/1.0' : undefined;
}
