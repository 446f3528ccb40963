import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../http/server.js';

/**
 * What /slack/events checks before a single byte of the body is read. Bolt's receiver buffers the whole body (up to
 * its 4 MB bodyLimit) and only then checks the signature, so without this anyone could make smsops hold megabytes per
 * connection. Here:
 * - the signature headers must be present and well-formed and the timestamp fresh (±5 minutes, Slack's replay
 *   window; Bolt rejects only old ones, we reject far-future ones too since Slack's clock is never that far off), else
 *   401 without reading;
 * - a declared body over SLACK_MAX_BODY_BYTES is 413 without reading; a chunked one is cut by Bolt's bodyLimit (set to
 *   the same number), which counts the bytes actually received;
 * - bodies over SMALL_BODY_BYTES share a memory budget while they are being read; past it, 503 with Retry-After.
 * The signature itself is then checked by Bolt over the exact bytes.
 */

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
const MAX_CLOCK_SKEW_SECONDS = 5 * 60;
/** Slack's `ssl_check=1` probe (form-encoded, possibly unsigned) is tiny; Bolt answers it itself. */
const SSL_CHECK_MAX_BYTES = 256;

export interface SlackEventsGuard {
  /** True when the request may go on to Bolt; otherwise it has been answered (and its connection will close). */
  admit(req: IncomingMessage, res: ServerResponse): boolean;
}

/** Answers without reading the body; the connection is closed after the answer, so the unread body goes nowhere. */
function refuse(res: ServerResponse, status: number, error: string, headers: Record<string, string> = {}): false {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('connection', 'close');
  sendJson(res, status, { error });
  return false;
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
};

export function createSlackEventsGuard(options: { now?: () => number; maxBodyBytes?: number } = {}): SlackEventsGuard {
  const now = options.now ?? Date.now;
  const maxBody = options.maxBodyBytes ?? SLACK_MAX_BODY_BYTES;
  let largeBytesInFlight = 0;

  return {
    admit(req, res) {
      const lengthHeader = header(req, 'content-length');
      const declared = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
      if (declared === undefined && lengthHeader !== undefined) return refuse(res, 400, 'malformed Content-Length');
      const signature = header(req, 'x-slack-signature');
      const timestamp = header(req, 'x-slack-request-timestamp');

      if (signature === undefined || timestamp === undefined) {
        const sslCheck =
          header(req, 'content-type') === 'application/x-www-form-urlencoded' &&
          declared !== undefined &&
          declared <= SSL_CHECK_MAX_BYTES;
        if (sslCheck) return true;
        return refuse(res, 401, 'missing X-Slack-Signature or X-Slack-Request-Timestamp');
      }
      if (!/^v0=[0-9a-f]{64}$/.test(signature) || !/^\d{1,12}$/.test(timestamp)) {
        return refuse(res, 401, 'malformed Slack signature headers');
      }
      if (Math.abs(now() / 1000 - Number(timestamp)) > MAX_CLOCK_SKEW_SECONDS) {
        return refuse(res, 401, 'stale X-Slack-Request-Timestamp (more than 5 minutes off)');
      }
      if (declared !== undefined && declared > maxBody) {
        return refuse(res, 413, `request body over ${maxBody} bytes`);
      }

      const reserved = declared ?? maxBody;
      if (reserved > SMALL_BODY_BYTES) {
        if (largeBytesInFlight + reserved > LARGE_BODY_BUDGET_BYTES) {
          return refuse(res, 503, 'too many large requests at once; retry', { 'retry-after': '1' });
        }
        largeBytesInFlight += reserved;
        res.once('close', () => {
          largeBytesInFlight -= reserved;
        });
      }
      return true;
    },
  };
}
