import { z } from 'zod';
import { optionalWholeNumber, wholeNumber } from '../envNumbers.js';
import { openFileLimit } from '../openFileLimit.js';

/**
 * Limits of the HTTP listener (HTTP_* variables). Node's own defaults (60 s for headers, 300 s per request, no cap on
 * connections) let a few hundred slow clients use up every file descriptor, after which nothing is accepted at all.
 */
export interface HttpLimits {
  /** A connection must have sent complete request headers within this time, else it is closed (slowloris). */
  headersTimeoutMs: number;
  /** A whole request (headers and body) must have arrived within this time, else 408 and closed. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this time. */
  keepAliveTimeoutMs: number;
  /** Open connections at most; above it the oldest connection without a request in progress is closed. */
  maxConnections: number;
  /** On SIGTERM, requests in progress get this long to finish; then every connection is closed. */
  shutdownGraceMs: number;
}

/**
 * Three quarters of the descriptor limit, leaving the rest for the database, outbound calls (PortSIP, Slack, Wavix)
 * and the connections accepted above the cap for the moment it takes to close one; at most 4,096.
 */
export function defaultMaxConnections(fdLimit = openFileLimit()): number {
  if (fdLimit === undefined) return 1024;
  return Math.max(16, Math.min(4096, Math.floor(fdLimit * 0.75)));
}

export const httpLimitsShape = {
  HTTP_HEADERS_TIMEOUT_MS: wholeNumber(1000, 120_000, 10_000),
  HTTP_REQUEST_TIMEOUT_MS: wholeNumber(1000, 600_000, 30_000),
  // Longer than the 60 s that proxies and load balancers keep an idle connection to their upstream by default
  // (nginx, AWS ALB), so the client side closes first. A request sent on a connection just as the server closes it is
  // never handled (the client gets ECONNRESET; nginx does not send a POST again, and Wavix's retries are
  // undocumented). Node's own 5 s: its http.Agent reused an idle socket until the server closed it (Node 20.20: a
  // request after 6.0 s idle was reset). A flood of idle connections is still bounded by the cap, which closes the
  // oldest idle one first.
  HTTP_KEEPALIVE_TIMEOUT_MS: wholeNumber(100, 600_000, 65_000),
  HTTP_MAX_CONNECTIONS: optionalWholeNumber(8, 1_000_000),
  HTTP_SHUTDOWN_GRACE_MS: wholeNumber(0, 600_000, 10_000),
};

type ParsedLimits = {
  HTTP_HEADERS_TIMEOUT_MS: number;
  HTTP_REQUEST_TIMEOUT_MS: number;
  HTTP_KEEPALIVE_TIMEOUT_MS: number;
  HTTP_MAX_CONNECTIONS?: number | undefined;
  HTTP_SHUTDOWN_GRACE_MS: number;
};

/** Node refuses a headers timeout longer than the request timeout; so do we, by name. */
export function httpLimitsProblems(e: ParsedLimits): string[] {
  return e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS
    ? ['HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS']
    : [];
}

export function httpLimitsFrom(e: ParsedLimits): HttpLimits {
  return {
    headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: e.HTTP_KEEPALIVE_TIMEOUT_MS,
    maxConnections: e.HTTP_MAX_CONNECTIONS ?? defaultMaxConnections(),
    shutdownGraceMs: e.HTTP_SHUTDOWN_GRACE_MS,
  };
}

/** The limits from the environment alone (the sandbox's own listener), defaults where unset or invalid. */
export function httpLimitsFromEnv(env: Record<string, string | undefined>): HttpLimits {
  const parsed = z.object(httpLimitsShape).safeParse(env);
  const data = parsed.success && httpLimitsProblems(parsed.data).length === 0 ? parsed.data : z.object(httpLimitsShape).parse({});
  return httpLimitsFrom(data);
}
