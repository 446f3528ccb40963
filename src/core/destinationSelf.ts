import { err, type Result } from '../errors.js';
import { checkDestinationUrl, type DestinationUrl, RefusedDestinationError } from './destinationUrls.js';
import type { InputError } from './inputError.js';
import { classifyAddress } from './ipRanges.js';
import { encodeCopiedUrl } from './urls.js';

/**
 * What tells smsops' own HTTP endpoints from PortSIP's. A relay pointed at smsops' inbound webhook posts each SMS back
 * to smsops, which answers it as a duplicate (200): every SMS looks delivered and PortSIP gets none, without a failure
 * anywhere. Each part is optional: the configuration knows some before start, the listener's port only once bound.
 */
export interface SmsopsOwnAddress {
  /** The secret path segment of smsops' webhook URLs: no PortSIP URL holds it. */
  webhookSecret?: string | undefined;
  /** WEBHOOK_SECRET_PREVIOUS: URLs holding one are still taken as Wavix's, so a relay there loops the same way. */
  previousWebhookSecrets?: readonly string[] | undefined;
  /** PUBLIC_BASE_URL: smsops' webhooks are under `<it>/webhooks/wavix/`. */
  publicBaseUrl?: string | undefined;
  /** The listener (HOST, and PORT or the port bound): nothing but smsops answers there. */
  listener?: { host: string; port: number } | undefined;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

const portOf = (url: URL) => Number(url.port) || (url.protocol === 'https:' ? 443 : 80);

/** Whether the host is this machine's own: a loopback address or name, or the address the listener is bound to. */
function isThisHost(url: URL, listenHost: string): boolean {
  const host = url.hostname
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (classifyAddress(host)?.kind === 'loopback') return true;
  const bound = listenHost.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return !WILDCARD_HOSTS.has(bound) && host === bound;
}

/** The path's segments as the server reads them (percent-encodings undone where they can be). */
function segmentsOf(url: URL): string[] {
  return url.pathname.split('/').map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      return segment;
    }
  });
}

/** Why the URL is smsops' own endpoint, in words ending a sentence, or null when it is not. */
export function ownEndpointProblem(raw: string, own: SmsopsOwnAddress | undefined): string | null {
  if (!own) return null;
  let url: URL;
  try {
    url = new URL(encodeCopiedUrl(raw));
  } catch {
    return null;
  }
  const loop =
    'each SMS would be posted back to smsops (which takes it as a duplicate) and none would reach PortSIP. Copy PortSIP’s URL: Message Channels → SMS/MMS → Copy Webhook';
  const holds = (secret: string | undefined) => !!secret && (segmentsOf(url).includes(secret) || raw.includes(secret));
  if (holds(own.webhookSecret)) return `it is smsops’ own webhook (it holds smsops’ webhook secret): ${loop}`;
  if (own.previousWebhookSecrets?.some(holds)) {
    return `it is smsops’ own webhook (it holds smsops’ previous webhook secret): ${loop}`;
  }
  if (own.publicBaseUrl) {
    try {
      const base = new URL(own.publicBaseUrl);
      const basePath = base.pathname.replace(/\/+$/, '');
      if (
        base.protocol === url.protocol &&
        base.hostname.toLowerCase() === url.hostname.toLowerCase() &&
        portOf(base) === portOf(url) &&
        // smsops serves only /webhooks/wavix/…: a PBX behind the same proxy under /webhooks/portsip/ is not smsops.
        url.pathname.startsWith(`${basePath}/webhooks/wavix/`)
      ) {
        return `it is smsops’ own webhook (under PUBLIC_BASE_URL): ${loop}`;
      }
    } catch {
      // PUBLIC_BASE_URL is checked where it is read; an unreadable one names nothing here.
    }
  }
  if (own.listener && own.listener.port > 0 && portOf(url) === own.listener.port && isThisHost(url, own.listener.host)) {
    return `it is smsops’ own listener (port ${own.listener.port} on this host): ${loop}`;
  }
  return null;
}

/** checkDestinationUrl for a PortSIP route, which must not be smsops itself either. */
export function checkRouteDestination(raw: string, own: SmsopsOwnAddress | undefined): Result<DestinationUrl, InputError> {
  const checked = checkDestinationUrl(raw);
  if (!checked.ok) return checked;
  const problem = ownEndpointProblem(raw, own);
  return problem ? err(new RefusedDestinationError(raw, problem)) : checked;
}
