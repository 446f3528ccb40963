import { isIP } from 'node:net';
import { z } from 'zod';
import { publicBaseUnreachable } from './core/publicBaseReach.js';
import { isHttpUrl } from './core/urls.js';
import { given } from './envNumbers.js';

/** A DNS name (RFC 1123 labels); its last label not all digits, so 999.1.1.1 is not taken for a name. */
const HOST_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*(?!\d+$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.?$/i;

/**
 * The address to listen on (HOST, SMSOPS_SANDBOX_HOST): an IPv4 or IPv6 address (brackets allowed) or a host name,
 * trimmed like the other variables. Anything else is refused at start in words, with the other bad variables,
 * instead of failing the listen with "getaddrinfo ENOTFOUND" (exit 1).
 */
export const listenHost = (fallback: string) =>
  z.preprocess(
    (value) => (typeof value === 'string' ? value.trim().replace(/^\[(.*)\]$/, '$1') || undefined : value),
    z
      .string()
      .default(fallback)
      .superRefine((value, ctx) => {
        if (isIP(value) === 0 && !HOST_NAME.test(value))
          ctx.addIssue({
            code: 'custom',
            message: `must be an IP address (0.0.0.0 for every interface, 127.0.0.1, ::) or a host name like localhost (got ${given(value)})`,
          });
      }),
  );

/**
 * HOST unset behind a TLS proxy (PUBLIC_BASE_URL https://): smsops' plain-HTTP port is open on every address, so
 * anyone who reaches it reads /metrics (which deploy/Caddyfile keeps off the internet) and /healthz there, around the
 * proxy. A host install (deploy/smsops.service sets no HOST) had this silently; the Dockerfile and compose set
 * HOST=0.0.0.0 on purpose, and an explicit HOST is taken as meant.
 */
export function hostUnsetWarning(env: Record<string, string | undefined>, pid: number = process.pid): string | undefined {
  if ((env.HOST ?? '').trim() !== '') return undefined;
  // Under systemd's socket HOST is not read: the socket's own address is warned of (src/http/systemdSocket.ts). Only
  // a socket for this process, as takeSystemdSocket reads it: a LISTEN_FDS inherited from a parent (smsops started by
  // hand from a shell systemd runs) is ignored there, smsops binds PORT on every address, and this was left unsaid.
  if ((env.LISTEN_FDS ?? '').trim() !== '' && env.LISTEN_PID?.trim() === String(pid)) return undefined;
  return behindTlsProxy(env.PUBLIC_BASE_URL)
    ? `HOST is unset, so smsops listens on every address of this machine, in plain HTTP on port ${(env.PORT ?? '').trim() || '3000'}: whoever reaches that port reads /metrics and /healthz without going through the TLS proxy of PUBLIC_BASE_URL. With the proxy on this machine, set HOST=127.0.0.1; if other hosts must reach the port (a proxy or Prometheus elsewhere), set HOST=0.0.0.0 and firewall it`
    : undefined;
}

/** PUBLIC_BASE_URL names a TLS proxy on the internet, which the plain-HTTP port should not be reachable around. */
export function behindTlsProxy(publicBaseUrl: string | undefined): boolean {
  const base = (publicBaseUrl ?? '').trim();
  // A base on loopback or the LAN is warned about as such (./envPublicUrl.ts): no internet-facing proxy to go around.
  return /^https:\/\//i.test(base) && isHttpUrl(base) && !publicBaseUnreachable(base);
}
