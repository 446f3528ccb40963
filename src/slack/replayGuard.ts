import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse } from 'node:querystring';
import { defaultBodyLimit, HTTPModuleFunctions, isRawBodyError, isValidSlackRequest } from '@slack/bolt';
import { markTrusted } from '../http/boundedServer.js';
import { sendJson } from '../http/server.js';
import type { Logger } from '../log.js';
import { warnOncePerMinute } from '../logOncePerMinute.js';
import { MAX_CLOCK_SKEW_SECONDS, type SlackRefusal, STALE_TIMESTAMP_ERROR } from './eventsGuard.js';

/** Bolt accepts a signed request whose timestamp is up to 5 minutes old; a replay is possible in that window. */
const WINDOW_SECONDS = MAX_CLOCK_SKEW_SECONDS;
/** Slack's v0 signature: `v0=` and a hex SHA-256. */
const WELL_FORMED_SIGNATURE = /^v0=[0-9a-f]{64}$/;
const FUTURE_TIMESTAMP_ERROR = 'X-Slack-Request-Timestamp is more than 5 minutes ahead';

export interface SlackReplayGuardOptions {
  signingSecret: string;
  logger: Logger;
  now?: () => number;
  /** Accepted signatures remembered at most (oldest forgotten first); Slack sends far fewer in 5 minutes. */
  maxRemembered?: number;
  /** The body limit of Bolt's receiver: the guard reads the body first, so it enforces the same one. */
  bodyLimit?: number;
  /** Counts each request refused here, by reason. */
  onRefused?: (reason: SlackRefusal) => void;
  /** A fresh, correctly signed request, seen for the first time, was passed on: this host's clock is within Slack's window. */
  onSignedAccepted?: () => void;
  /**
   * A correctly signed request was refused as more than 5 minutes off: Slack's, with this host's clock off, or a
   * captured one replayed late; only Slack's own time (asked anew) tells which.
   */
  onSignedStale?: () => void;
  /**
   * A request with well-formed signature headers and a fresh timestamp whose signature does not match the secret:
   * a forgery, or every request of Slack's when SLACK_SIGNING_SECRET is mistyped (./signatureWatch.ts tells which
   * it may be). Never the `ssl_check` probe, which Slack does not sign.
   */
  onSignatureMismatch?: () => void;
}

export type SlackRequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/** Answered with a reason (Bolt's own refusals have an empty body); the connection is closed after it. */
const refuse = (res: ServerResponse, status: number, error: string) => {
  res.setHeader('connection', 'close');
  sendJson(res, status, { error });
};

/** Slack's `ssl_check=1` probe, unsigned, which Bolt answers itself (its test, node:querystring's parse, is reused). */
const isSslCheck = (req: IncomingMessage, raw: string) =>
  req.headers['content-type'] === 'application/x-www-form-urlencoded' && parse(raw).ssl_check === '1';

const header = (req: IncomingMessage, name: string) => {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
};

/**
 * Refuses (401) a signed Slack request seen before: Bolt checks the signature and that the timestamp is at most
 * 5 minutes old, so anyone who captured one request (a proxy log, a TLS-terminating middlebox) could send it again
 * within that window, running the same command or button twice.
 *
 * What is remembered: the signature of every accepted request (it covers the timestamp and the whole body), until
 * its timestamp leaves the window, in memory. A restart forgets them, so a request captured just before a restart can
 * be replayed once after it: an accepted trade against a table written on every Slack request. Memory is bounded by
 * `maxRemembered`; only correctly signed requests are remembered, so nobody without the signing secret can fill it.
 *
 * Slack's own retries: commands and interactions are not retried; the Events API retries a delivery up to 3 times
 * (immediately, after 1 and 5 minutes) with `X-Slack-Retry-Num`. Slack does not document whether a retry is signed
 * anew; a retry after 5 minutes could not pass Bolt's own check unless it were, so it most likely is (a new timestamp
 * and signature, hence not a replay here). Either way an event is taken once: its `event_id` is remembered too, and a
 * later copy of an event already taken is not passed on. A copy with `X-Slack-Retry-Num` is answered 200 (with
 * `X-Slack-No-Retry: 1`) so Slack stops retrying; one without is a replay, 401. The retry header is not signed, so it
 * never makes a copy acceptable (counting retry numbers once let anyone replay an event with 1, 2, 3, …). A form body
 * (command, interaction) is never retried by Slack: a repeat of it is refused whatever its headers.
 *
 * The guard reads the body (Bolt then reuses it) and checks the signature as Bolt does; it refuses a bad one itself
 * (401 with a reason, counted, logged at most once a minute: anyone can send them, and Bolt logged a line each, 3,000
 * in a second from one client). Only `ssl_check` goes to Bolt unsigned, and Bolt still checks whatever else it gets.
 */
export function guardSlackReplays(options: SlackReplayGuardOptions, next: SlackRequestHandler): SlackRequestHandler {
  const now = options.now ?? Date.now;
  const maxRemembered = options.maxRemembered ?? 50_000;
  /** Key → when it may be forgotten (ms). Insertion order is near arrival order, so expiry pruning starts at the front. */
  const remembered = new Map<string, number>();
  const refused = (reason: SlackRefusal, res: ServerResponse, status: number, error: string) => {
    options.onRefused?.(reason);
    refuse(res, status, error);
  };
  // Caused by anyone, as often as they like (smsops_slack_requests_refused_total counts each).
  const countField = { countField: 'refusedSinceLastWarning' };
  const bodyCut = warnOncePerMinute(options.logger, 'Slack request body could not be read (cut short)', {}, countField);
  const bodyTooLarge = warnOncePerMinute(options.logger, 'Slack request body over the limit', {}, countField);
  const badSignature = warnOncePerMinute(
    options.logger,
    'Slack requests refused: signature does not match SLACK_SIGNING_SECRET (anyone can send these; Slack itself failing so means the secret is wrong)',
    {},
    countField,
  );

  // Slack's own requests, correctly signed, refused for their age: smsops' clock is off (every command, button and
  // thread reply refused while /healthz says ok), or someone replays a captured one. Only a signed one is said, so
  // nobody without the secret can write it; a steady `offSeconds` is the clock, a varying one replays.
  const clockOff = warnOncePerMinute(
    options.logger,
    'Slack requests refused: correctly signed, but their timestamp is more than 5 minutes off this host’s clock; when offSeconds stays about the same, this host’s clock is wrong (check NTP/chrony): every Slack command, button and thread reply is refused until it is set right',
    {},
    countField,
  );
  // Anyone holding one captured request can replay it for its 5 minutes (and Slack retries events by itself): a line
  // each time let one client write 40,000 lines in 18 s, 152 MB in 3.5 s with a long X-Slack-Retry-Num.
  const retryTaken = warnOncePerMinute(
    options.logger,
    'Slack retry of an event already taken: acknowledged, not processed again',
    {},
    { ...countField, level: 'info' },
  );
  const eventReplayed = warnOncePerMinute(
    options.logger,
    'replayed Slack event refused (same event_id seen before)',
    {},
    countField,
  );
  const requestReplayed = warnOncePerMinute(
    options.logger,
    'replayed Slack request refused (same signature seen before)',
    {},
    countField,
  );

  const forgetExpired = (at: number) => {
    for (const [key, until] of remembered) {
      if (until > at) break;
      remembered.delete(key);
    }
    while (remembered.size >= maxRemembered) {
      const oldest = remembered.keys().next().value;
      if (oldest === undefined) break;
      remembered.delete(oldest);
    }
  };

  return async (req, res) => {
    let raw: string;
    try {
      raw = (await HTTPModuleFunctions.bufferIncomingMessage(req, options.bodyLimit ?? defaultBodyLimit)).rawBody.toString();
    } catch (error) {
      // Answered already: the body was not sent in time (eventsGuard's deadline), and the connection closed after it.
      if (res.headersSent) return;
      const tooLarge = isRawBodyError(error) && (error.type === 'entity.too.large' || error.statusCode === 413);
      if (tooLarge) {
        bodyTooLarge();
        refused('too_large', res, 413, `request body over ${options.bodyLimit ?? defaultBodyLimit} bytes`);
      } else {
        bodyCut();
        refused('body_cut', res, 400, 'the request body could not be read');
      }
      return;
    }
    const signature = header(req, 'x-slack-signature');
    const timestamp = Number(header(req, 'x-slack-request-timestamp'));
    const at = now();
    if (signature !== undefined && Number.isFinite(timestamp) && Math.abs(at / 1000 - timestamp) > MAX_CLOCK_SKEW_SECONDS) {
      const signed = signedWith(options.signingSecret, raw, signature, timestamp);
      if (signed) {
        clockOff('', { offSeconds: Math.round(at / 1000 - timestamp) });
        options.onSignedStale?.();
      }
      // Bolt accepts a timestamp from the future without bound; the guard would have to remember it that long.
      if (signed && timestamp * 1000 > at) refused('future_timestamp', res, 401, FUTURE_TIMESTAMP_ERROR);
      else refused('stale_timestamp', res, 401, STALE_TIMESTAMP_ERROR);
      return;
    }
    const valid =
      signature !== undefined &&
      Number.isFinite(timestamp) &&
      isValidSlackRequest({
        signingSecret: options.signingSecret,
        body: raw,
        headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
        nowMilliseconds: at,
      });
    if (!valid || signature === undefined) {
      if (isSslCheck(req, raw)) return next(req, res);
      // Fresh here (a stale timestamp was answered above); the headers' shape is eventsGuard's, checked again so the
      // guard says the same on its own.
      if (signature !== undefined && WELL_FORMED_SIGNATURE.test(signature) && Number.isFinite(timestamp))
        options.onSignatureMismatch?.();
      badSignature();
      refused('bad_signature', res, 401, 'the Slack signature does not match');
      return;
    }
    markTrusted(req);

    const retryNum = header(req, 'x-slack-retry-num');
    // Not signed: logged only when it looks like Slack's (a small number), never as sent.
    const retryField = retryNum !== undefined && /^\d{1,2}$/.test(retryNum) ? { retryNum } : {};
    const eventId = eventIdOf(raw);
    const eventKey = eventId === undefined ? undefined : `event:${eventId}`;
    forgetExpired(at);
    if (eventKey !== undefined && remembered.has(eventKey)) {
      if (retryNum !== undefined) {
        retryTaken('', { eventId, ...retryField });
        res.writeHead(200, { 'x-slack-no-retry': '1' });
        res.end();
        return;
      }
      eventReplayed('', { eventId });
      refused('replay', res, 401, 'replayed Slack request');
      return;
    }
    if (remembered.has(signature)) {
      requestReplayed('', { ageSeconds: Math.round(at / 1000 - timestamp), bytes: Buffer.byteLength(raw), ...retryField });
      refused('replay', res, 401, 'replayed Slack request');
      return;
    }
    // Forgotten once Bolt would refuse the timestamp anyway (plus a second of rounding).
    remembered.set(signature, (timestamp + WINDOW_SECONDS + 1) * 1000);
    // Slack's last retry comes about 5 minutes after the first attempt, signed anew: the event is kept twice as long.
    if (eventKey !== undefined) remembered.set(eventKey, at + 2 * (WINDOW_SECONDS + 1) * 1000);
    options.onSignedAccepted?.();
    return next(req, res);
  };
}

/** The `event_id` of an Events API delivery (JSON), else undefined (commands and interactions are forms). */
function eventIdOf(raw: string): string | undefined {
  if (!raw.startsWith('{')) return undefined;
  try {
    const id = (JSON.parse(raw) as { event_id?: unknown }).event_id;
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Slack's signature (v0) of `raw` at `timestamp`, checked whatever the timestamp's age (Bolt's check refuses a stale one). */
function signedWith(secret: string, raw: string, signature: string, timestamp: number): boolean {
  const expected = Buffer.from(`v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${raw}`).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
