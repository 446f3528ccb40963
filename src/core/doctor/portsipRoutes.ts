import { describeError } from '../../errors.js';
import { connectionFailureInWords, offersOnlyOldTls, speaksNoTls, TLS_HANDSHAKE_CUT } from '../connectionFailure.js';
import { refusedDestination } from '../destinationGuard.js';
import { ownEndpointProblem } from '../destinationSelf.js';
import { pathlessRemark } from '../destinationUrls.js';
import type { RelayRoute } from '../model/relayRoute.js';
import { storedPortsipUrlProblem } from '../portsipUrl.js';
import { encodeCopiedUrl } from '../urls.js';
import {
  CERT_EXPIRY_WARNING_DAYS,
  type CheckGroup,
  DAY,
  DEFAULT_GROUP_LIMIT_MS,
  type DoctorContext,
  formatDate,
  GroupProgress,
  routeLabel,
  shown,
} from './context.js';
import { type CheckStatus, type DoctorCheck, ProbeHung, type TlsFacts, type TlsPeerCertificate } from './types.js';

// ── 6. PortSIP routes answer (TCP connect + TLS handshake, no request) ───────────────────────────────────────────
// The connect and the handshake themselves are DoctorDeps.portsipProbes (src/portsip/connectionProbes.ts).

/** Each PortSIP URL smsops relays to, with the routes that name it. */
export function portsipDestinations(routes: RelayRoute[], fallback: string | null): Map<string, string[]> {
  const destinations = new Map<string, string[]>();
  const add = (url: string, name: string) => destinations.set(url, [...(destinations.get(url) ?? []), name]);
  for (const route of routes) if (route.portsipUrl) add(route.portsipUrl, routeLabel(route.number));
  // PORTSIP_WEBHOOK_URL is used only for numbers without a route, and never when a `default` route exists.
  if (fallback && !routes.some((r) => r.number === 'default' && r.portsipUrl)) add(fallback, 'PORTSIP_WEBHOOK_URL');
  return destinations;
}

// The id stays the E.164 number (`portsip:+14155550100`): the name shows it with spaces, for people.
const routeId = (names: string[]) => (names[0] ?? 'route').replace(/^route /, '').replaceAll(' ', '');

function connectFailure(error: unknown, host: string, port: number, limitMs: number): string {
  if (error instanceof ProbeHung) {
    const within = `within ${limitMs / 1000} s`;
    if (error.resolving)
      return `The host name ${host} did not resolve ${within}: DNS is slow or not answering (this host's resolver, or the name's DNS servers), so PortSIP was never reached. The relay's posts to it wait until they time out.`;
    return error.connected
      ? `${host}:${port} accepts connections but did not answer the TLS handshake ${within}: the service there hangs, or it is not PortSIP's HTTPS port. The relay's posts to it wait until they time out.`
      : `No answer from ${host}:${port} ${within}: the connection was never accepted (a firewall dropping packets, or a host that is down).`;
  }
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ECONNREFUSED':
      return `Nothing accepts connections on ${host}:${port} (connection refused): PortSIP is down, listens on another port, or a firewall rejects smsops.`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `The host name ${host} does not resolve (${code}).`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EINVAL': // connect() to a blackholed address
      return `${host}:${port} cannot be reached (${code}): a firewall or routing problem between smsops and PortSIP.`;
    case 'ECONNRESET':
    case 'EPIPE':
      return TLS_HANDSHAKE_CUT.test(describeError(error))
        ? `${host}:${port} accepts connections but closed this one during the TLS handshake, before sending a certificate (${code}): not PortSIP's HTTPS port, or a firewall or proxy that cuts TLS. The relay's posts fail too.`
        : `${host}:${port} accepts connections but dropped this one (${code}): a firewall, proxy or overloaded server on the way. The relay's posts fail too.`;
    case 'EMFILE':
    case 'ENFILE':
      return `smsops ran out of open files and could not open a connection to ${host}:${port} (${code}): raise its open-file limit (\`ulimit -n\`, LimitNOFILE, --ulimit nofile) and restart it.`;
    default:
      if (code === 'ESMSOPSREFUSED') return `${(error as Error).message}.`;
      if (speaksNoTls(describeError(error)))
        return `The server at ${host}:${port} does not speak HTTPS: use http:// or the HTTPS port.`;
      if (offersOnlyOldTls(describeError(error)))
        return `${host}:${port} offers only an old TLS version or cipher (TLS 1.0 or 1.1): smsops, like current browsers, needs TLS 1.2 or later, so the relay's posts fail too. Enable TLS 1.2 or later on PortSIP's web server.`;
      // Never a library's text alone: its kind in words with its code, the text only when smsops knows neither.
      return `Could not connect to ${host}:${port}: ${connectionFailureInWords(describeError(error)) ?? describeError(error)}.`;
  }
}

function certificateNames(cert: TlsPeerCertificate): string {
  const alt = cert.subjectaltname
    ?.split(',')
    .map((s) => s.trim().replace(/^(DNS|IP Address):/, ''))
    .filter(Boolean);
  const cn = typeof cert.subject?.CN === 'string' ? cert.subject.CN : undefined;
  return alt && alt.length > 0 ? alt.join(', ') : (cn ?? 'no name');
}

function tlsVerdict(facts: TlsFacts, host: string): { status: CheckStatus; reason: string } {
  const cert = facts.certificate;
  const expires = Date.parse(cert.valid_to);
  const expiry = Number.isNaN(expires) ? '' : ` It expires ${formatDate(expires)}.`;
  const names = certificateNames(cert);
  const relayRefuses = 'smsops’ relay refuses it too, so no SMS reaches PortSIP.';
  switch (facts.authorizationError) {
    case null:
      break;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return {
        status: 'failure',
        reason: `PortSIP presents a self-signed certificate (for ${names}): ${relayRefuses} Install a certificate from a public CA (e.g. Let’s Encrypt) on PortSIP, or trust this one: set NODE_EXTRA_CA_CERTS to a PEM file holding it and restart smsops.${expiry}`,
      };
    case 'CERT_HAS_EXPIRED':
      return {
        status: 'failure',
        reason: `PortSIP’s certificate (for ${names}) expired on ${Number.isNaN(expires) ? cert.valid_to : formatDate(expires)}: ${relayRefuses} Renew it.`,
      };
    case 'CERT_NOT_YET_VALID':
      return { status: 'failure', reason: `PortSIP’s certificate is not valid before ${cert.valid_from}: ${relayRefuses}` };
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return {
        status: 'failure',
        reason: `Hostname mismatch: PortSIP’s certificate is for ${names}, not ${host}: ${relayRefuses} Use the host name the certificate names in the route, or a certificate for ${host}.${expiry}`,
      };
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return {
        status: 'failure',
        reason: `PortSIP’s certificate chain cannot be verified (${facts.authorizationError}): the server does not send its intermediate certificate, or its issuer is not a public CA. ${relayRefuses} Configure the full chain on PortSIP; for a private (company) CA, set NODE_EXTRA_CA_CERTS to a PEM file of that CA and restart smsops.${expiry}`,
      };
    default:
      return {
        status: 'failure',
        reason: `PortSIP’s certificate is not trusted (${facts.authorizationError}): ${relayRefuses}${expiry}`,
      };
  }
  // Node's verdict includes the hostname; checked again (the probe's hostnameMismatch) so a mismatch is always named,
  // never passed as trusted.
  if (facts.hostnameMismatch) return tlsVerdict({ ...facts, authorizationError: 'ERR_TLS_CERT_ALTNAME_INVALID' }, host);
  const daysLeft = Math.floor((expires - Date.now()) / DAY);
  if (!Number.isNaN(expires) && daysLeft < CERT_EXPIRY_WARNING_DAYS) {
    return {
      status: 'warning',
      reason: `TLS is valid for ${host}, but the certificate expires ${formatDate(expires)} (in ${daysLeft} day${daysLeft === 1 ? '' : 's'}): renew it before the relay starts refusing it.`,
    };
  }
  return { status: 'ok', reason: `Answers; TLS certificate valid for ${host} (full chain verified).${expiry}` };
}

/**
 * Each probe's own time limit, a second (or a fifth) under the group's: a route that hangs is named as hanging while
 * the group still reports every other route, where the group's limit made the whole group one "no answer" line.
 */
const probeLimitMs = (groupLimitMs: number) => Math.max(groupLimitMs - 1_000, groupLimitMs * 0.8);

/*
 * Why no HTTP request: PortSIP's inbound SMS webhook is an application URL, and PortSIP documents no method other
 * than POST on it; a POST is a message, and a HEAD or OPTIONS might be logged as a failed message or, on a version
 * that does not look at the method, processed as an empty one. What breaks in practice (the host, the port, a
 * firewall, the certificate) is all seen in the TCP connect and the TLS handshake, which never reach PortSIP's
 * application. The path and its token are not checked here; the relay's recent successes (next check) show them.
 */
async function portsipReachability(
  url: string,
  base: Pick<DoctorCheck, 'id' | 'title'>,
  names: string[],
  ctx: DoctorContext,
): Promise<DoctorCheck> {
  // A route stored before its URL was checked: it answers a connect, but the relay posts to a path PortSIP does not have.
  const problem = storedPortsipUrlProblem(url);
  if (problem) return { ...base, status: 'failure', reason: `This URL cannot be right: ${problem}` };
  // Saved before routes were checked against smsops itself: it answers, and its deliveries look delivered.
  const loop = ownEndpointProblem(url, ctx.deps.services.ownAddress);
  if (loop) {
    const fix = names.includes('PORTSIP_WEBHOOK_URL')
      ? 'Set PORTSIP_WEBHOOK_URL to PortSIP’s URL and restart smsops.'
      : 'Set the route again: `/sms route set`.';
    return { ...base, status: 'failure', reason: `This URL cannot be right: ${loop}. ${fix}` };
  }
  let parsed: URL;
  try {
    parsed = new URL(encodeCopiedUrl(url));
  } catch {
    return {
      ...base,
      status: 'failure',
      reason: 'The route URL is not a valid URL: `/sms route set` it again as copied from PortSIP.',
    };
  }
  // A route stored before routes were checked, or a rule tightened since: the relay will not send there, so the doctor
  // does not connect there either (a connect alone tells whether a metadata port is open).
  const refused = refusedDestination(url);
  if (refused) return { ...base, status: 'failure', reason: `${refused} Set the route again: \`/sms route set\`.` };
  // The portal's address pasted for the webhook: it may well answer a connect (and the relay's POST), so say it first.
  const pathless = pathlessRemark(url);
  if (pathless) {
    const fix = names.includes('PORTSIP_WEBHOOK_URL')
      ? 'Set PORTSIP_WEBHOOK_URL to the SMS webhook URL and restart smsops.'
      : 'Set the route again with the SMS webhook URL: `/sms route set`.';
    return { ...base, status: 'warning', reason: `The URL has ${pathless}. ${fix}` };
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const https = parsed.protocol === 'https:';
  const port = Number(parsed.port) || (https ? 443 : 80);
  const limitMs = probeLimitMs(ctx.timeoutMs ?? DEFAULT_GROUP_LIMIT_MS);
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(limitMs)]);
  try {
    if (!https) {
      await ctx.deps.portsipProbes.tcp(host, port, signal);
      return {
        ...base,
        status: 'warning',
        reason: `Answers on ${host}:${port}, but over plain HTTP: not encrypted, so SMS texts and PortSIP’s webhook token cross the network readable. Use PortSIP’s https webhook URL.`,
      };
    }
    const facts = await ctx.deps.portsipProbes.tls(host, port, { signal, ca: ctx.deps.trustedCa });
    return { ...base, ...tlsVerdict(facts, host) };
  } catch (error) {
    return { ...base, status: 'failure', reason: connectFailure(error, host, port, limitMs) };
  }
}

export const portsipGroup: CheckGroup = {
  id: 'portsip',
  title: 'PortSIP routes',
  run: async (ctx) => {
    const destinations = portsipDestinations(ctx.deps.services.routes.list(), ctx.deps.services.defaultPortsipUrl);
    if (destinations.size === 0) {
      return [
        {
          id: 'portsip',
          title: 'PortSIP routes',
          status: 'skipped',
          reason:
            'No PortSIP route: inbound SMS are not relayed to PortSIP. `/sms route set default <PortSIP webhook URL>` adds one (or set PORTSIP_WEBHOOK_URL).',
        },
      ];
    }
    return Promise.all(
      [...destinations].map(([url, names]) => {
        const base = { id: `portsip:${routeId(names)}`, title: `PortSIP ${names.join(', ')} ${shown(url)}` };
        return GroupProgress.track(ctx, base, () => portsipReachability(url, base, names, ctx));
      }),
    );
  },
};
