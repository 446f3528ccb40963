import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { checkDestinationUrl } from './destinationUrls.js';
import { classifyAddress, REFUSED_KINDS } from './ipRanges.js';
import { encodeCopiedUrl } from './urls.js';

/**
 * The relay's last line against being turned inward, at the moment it connects. A route is checked when it is set
 * (src/core/destinationUrls.ts), but a host name can resolve to anything later (a DNS record changed, a rebinding
 * name like `169.254.169.254.nip.io`), and a route stored before that check existed was never checked. So:
 * - `refusedDestination(url)` before a request: the URL as the rules stand today (IP literals never reach `lookup`);
 * - `guardedLookup` as the request's `lookup`: every address a name resolves to is judged, and one in a refused
 *   range (link-local, metadata, unspecified, multicast) fails the connection with the reason.
 * Loopback and private answers stay allowed, as for routes.
 */

/** The error code of a connection refused by the guard (a name resolving to a refused address). */
export const REFUSED_ADDRESS_CODE = 'ESMSOPSREFUSED';

export class RefusedAddressError extends Error {
  readonly code = REFUSED_ADDRESS_CODE;

  constructor(hostname: string, address: string, range: string) {
    super(`${hostname} resolves to ${address} (${range}); smsops does not send there`);
    this.name = 'RefusedAddressError';
  }
}

type Resolver = (
  hostname: string,
  options: dns.LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void,
) => void;

/** A guarded `lookup`, which also tells how long a name has been resolving (a PortSIP attempt waiting on DNS). */
export type GuardedLookup = LookupFunction & {
  /** When the oldest lookup of `hostname` still running began (ms, `Date.now()`), or undefined when none runs. */
  resolvingSince(hostname: string): number | undefined;
};

/**
 * A `lookup` for http(s).request / net.connect that refuses names resolving to a refused address.
 *
 * Lookups of one name running at once share one resolution. getaddrinfo runs on libuv's thread pool, which gives name
 * lookups at most half its 4 threads (2) by default, for the whole process: Slack's, Wavix's and every route's. A
 * PortSIP host whose DNS hangs had one lookup per attempt out to it (4, half the relay's slots), so it held both
 * threads for the resolver's whole timeout and every other lookup queued behind them: a route whose name resolves at
 * once got no SMS for over 2 minutes (a probe, 25 s lookups). Shared, a hanging name holds one thread.
 *
 * And names whose last lookup was slow take turns: two routes on one domain whose DNS servers are down held both
 * threads again (the healthy route's SMS waited 24 s in a probe, Slack's and Wavix's lookups too). A name seen slow
 * is looked up one at a time with the other slow ones, so one thread stays for everyone else; a quick answer frees it.
 */
const SLOW_LOOKUP_MS = 2_000;

export function createGuardedLookup(resolve: Resolver = dns.lookup, now: () => number = Date.now): GuardedLookup {
  type Waiter = (error: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void;
  const running = new Map<string, { hostname: string; since: number; waiters: Waiter[] }>();
  const slowNames = new Set<string>();
  const slowLane: Array<() => void> = [];
  let slowLaneBusy = false;
  const resolveShared = (hostname: string, options: dns.LookupOptions, done: Waiter) => {
    const { family, hints, verbatim, order } = options as dns.LookupOptions & { order?: string };
    const key = JSON.stringify([hostname, family ?? 0, hints ?? 0, verbatim ?? null, order ?? null]);
    const shared = running.get(key);
    if (shared) {
      shared.waiters.push(done);
      return;
    }
    const entry = { hostname, since: now(), waiters: [done] };
    running.set(key, entry);
    const inSlowLane = slowNames.has(hostname);
    const start = () => {
      const startedAt = now();
      resolve(hostname, { ...options, all: true }, (error, addresses) => {
        running.delete(key);
        if (now() - startedAt >= SLOW_LOOKUP_MS) {
          // Names are a handful of routes; a bound all the same.
          if (slowNames.size >= 1_000) slowNames.clear();
          slowNames.add(hostname);
        } else slowNames.delete(hostname);
        if (inSlowLane) {
          const next = slowLane.shift();
          slowLaneBusy = next !== undefined;
          next?.();
        }
        for (const waiter of entry.waiters) waiter(error, addresses);
      });
    };
    if (!inSlowLane) start();
    else if (slowLaneBusy) slowLane.push(start);
    else {
      slowLaneBusy = true;
      start();
    }
  };
  const lookup: LookupFunction = (hostname, options, callback) => {
    resolveShared(hostname, options, (error, addresses) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      for (const { address } of addresses) {
        const kind = classifyAddress(address);
        if (kind && REFUSED_KINDS.has(kind.kind)) {
          callback(new RefusedAddressError(hostname, address, kind.range), '', 0);
          return;
        }
      }
      if (options.all) {
        (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
        return;
      }
      const [first] = addresses;
      if (!first) {
        callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
        return;
      }
      callback(null, first.address, first.family);
    });
  };
  const resolvingSince = (hostname: string) => {
    let oldest: number | undefined;
    for (const entry of running.values())
      if (entry.hostname === hostname && (oldest === undefined || entry.since < oldest)) oldest = entry.since;
    return oldest;
  };
  return Object.assign(lookup, { resolvingSince });
}

export const guardedLookup = createGuardedLookup();

/** Why smsops will not send to this stored URL today (a route set before the check, a literal refused address), else null. */
export function refusedDestination(rawUrl: string): string | null {
  const checked = checkDestinationUrl(rawUrl);
  if (checked.ok) return null;
  // "not an http(s) URL" is the sender's own error to report; only the refusals are this guard's.
  try {
    new URL(encodeCopiedUrl(rawUrl));
  } catch {
    return null;
  }
  return checked.error.userMessage;
}
