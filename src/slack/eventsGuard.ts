import type { IncomingMessage, ServerResponse } from 'node:http';
import { markUntrusted } from '../http/boundedServer.js';
import { sendJson } from '../http/server.js';

/**
 * What /slack/events checks before a single byte of the body is read. Bolt's receiver buffers the whole body (up to
 * its 4 MB bodyLimit) and only then checks the signature, so without this anyone could make smsops hold megabytes per
 * connection. Here:
 * - the signature headers must be present and well-formed and the timestamp fresh (±5 minutes, Slack's replay
 *   window; Bolt rejects only old ones, we reject far-future ones too since Slack's clock is never that far off), else
 *   401 without reading (a small body is read, for the replay guard to tell Slack's own from a forgery);
 * - a declared body over SLACK_MAX_BODY_BYTES is 413 without reading; a chunked one is cut by Bolt's bodyLimit (set to
 *   the same number), which counts the bytes actually received;
 * - bodies over SMALL_BODY_BYTES share a memory budget while they are being read; past it, 503 with Retry-After;
 * - a body must have arrived within SLACK_BODY_DEADLINE_MS, else 408; until its signature is verified (replayGuard), the
 *   request does not hold its connection at the connection cap (markUntrusted).
 * The signature itself is then checked over the exact bytes (replayGuard, then Bolt).
 */

/**
 * Why a /slack/events request was refused before Bolt took it (smsops_slack_requests_refused_total): all but
 * `replay`, `future_timestamp` and `malformed_payload` can be caused by anyone, without the signing secret.
 */
export const SLACK_REFUSALS = [
  'unsigned',
  'malformed_headers',
  'stale_timestamp',
  'too_large',
  'busy',
  'body_too_slow',
  'body_cut',
  'bad_signature',
  'replay',
  'future_timestamp',
  'malformed_payload',
] as const;
export type SlackRefusal = (typeof SLACK_REFUSALS)[number];

/**
 * Slack waits 3 s for an answer and sends its bodies (a few KB, at most ~1 MiB) at once from its own network: one
 * still arriving after 5 s could not be answered in time anyway. A cap on such reads was not chosen: filled by
 * anyone, it would lock out Slack alone; an untrusted body's connection is closed at the connection cap instead.
 */
export const SLACK_BODY_DEADLINE_MS = 5_000;

/**
 * Slack publishes no maximum for the requests it sends. The largest we know of is a view submission: a modal of at
 * most 100 blocks (views are refused over 250 KB) plus the values typed into it, form-encoded (percent-encoding can
 * triple non-ASCII text). 1 MiB covers that with room; it is an assumption, not a documented Slack limit.
 */
export const SLACK_MAX_BODY_BYTES = 1024 * 1024;
/** Commands, clicks and events are a few KB; bodies up to this size are never turned away for the budget. */
const SMALL_BODY_BYTES = 64 * 1024;
/** Bytes of larger bodies being read at once, across all connections. */
const LARGE_BODY_BUDGET_BYTES = 16 * 1024 * 1024;
/** Slack's replay window for X-Slack-Request-Timestamp. */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;
export const STALE_TIMESTAMP_ERROR = 'stale X-Slack-Request-Timestamp (more than 5 minutes off)';
/** Slack's `ssl_check=1` probe (form-encoded, possibly unsigned) is tiny; Bolt answers it itself. */
const SSL_CHECK_MAX_BYTES = 256;

export interface SlackEventsGuard {
  /** True when the request may go on to Bolt; otherwise it has been answered (and its connection will close). */
  admit(req: IncomingMessage, res: ServerResponse): boolean;
}

/** Answers without reading the body; the connection is closed after the answer, so the unread body goes nowhere. */
function answer(res: ServerResponse, status: number, error: string, headers: Record<string, string> = {}): false {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('connection', 'close');
  sendJson(res, status, { error });
  return false;
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
};

export function createSlackEventsGuard(
  options: {
    now?: () => number;
    maxBodyBytes?: number;
    bodyDeadlineMs?: number;
    onRefused?: (reason: SlackRefusal) => void;
  } = {},
): SlackEventsGuard {
  const now = options.now ?? Date.now;
  const maxBody = options.maxBodyBytes ?? SLACK_MAX_BODY_BYTES;
  const deadlineMs = options.bodyDeadlineMs ?? SLACK_BODY_DEADLINE_MS;
  let largeBytesInFlight = 0;
  const refuse = (res: ServerResponse, reason: SlackRefusal, status: number, error: string, headers = {}) => {
    options.onRefused?.(reason);
    return answer(res, status, error, headers);
  };
  const readWithinDeadline = (req: IncomingMessage, res: ServerResponse): true => {
    markUntrusted(req);
    const timer = setTimeout(() => {
      if (req.complete || res.headersSent) return;
      refuse(res, 'body_too_slow', 408, `the request body was not sent within ${deadlineMs / 1000} s`);
    }, deadlineMs);
    const clear = () => clearTimeout(timer);
    req.once('end', clear);
    res.once('close', clear);
    return true;
  };

  return {
    admit(req, res) {
      const lengthHeader = header(req, 'content-length');
      const declared = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
      if (declared === undefined && lengthHeader !== undefined)
        return refuse(res, 'malformed_headers', 400, 'malformed Content-Length');
      const signature = header(req, 'x-slack-signature');
      const timestamp = header(req, 'x-slack-request-timestamp');

      if (signature === undefined || timestamp === undefined) {
        const sslCheck =
          header(req, 'content-type') === 'application/x-www-form-urlencoded' &&
          declared !== undefined &&
          declared <= SSL_CHECK_MAX_BYTES;
        if (sslCheck) return readWithinDeadline(req, res);
        return refuse(res, 'unsigned', 401, 'missing X-Slack-Signature or X-Slack-Request-Timestamp');
      }
      if (!/^v0=[0-9a-f]{64}$/.test(signature) || !/^\d{1,12}$/.test(timestamp)) {
        return refuse(res, 'malformed_headers', 401, 'malformed Slack signature headers');
      }
      // A small stale one is read: it may be Slack's own with this host's clock off (every request then refused, a
      // thread reply's SMS never sent), which only its signature tells apart from a forgery, and the replay guard
      // checks it and says so. Nothing is spent that a forged fresh timestamp could not make smsops spend already.
      const stale = Math.abs(now() / 1000 - Number(timestamp)) > MAX_CLOCK_SKEW_SECONDS;
      if (stale && (declared === undefined || declared > SMALL_BODY_BYTES)) {
        return refuse(res, 'stale_timestamp', 401, STALE_TIMESTAMP_ERROR);
      }
      if (declared !== undefined && declared > maxBody) {
        return refuse(res, 'too_large', 413, `request body over ${maxBody} bytes`);
      }

      const reserved = declared ?? maxBody;
      if (reserved > SMALL_BODY_BYTES) {
        if (largeBytesInFlight + reserved > LARGE_BODY_BUDGET_BYTES) {
          return refuse(res, 'busy', 503, 'too many large requests at once; retry', { 'retry-after': '1' });
        }
        largeBytesInFlight += reserved;
        res.once('close', () => {
          largeBytesInFlight -= reserved;
        });
      }
      return readWithinDeadline(req, res);
    },
  };
}
