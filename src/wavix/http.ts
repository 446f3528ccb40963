import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { z } from 'zod';
import { refinedCode } from '../core/connectionFailure.js';
import { NEVER_CONNECTED_CODES, type WavixErrorKind } from '../core/ports/wavixFailure.js';
import { graphemePrefix } from '../core/text.js';
import { maskUrl } from '../core/urls.js';
import { type Logger, redactSecrets, silentLogger } from '../log.js';
import type { AxiosProxy } from '../outboundProxy.js';
import { WavixError } from './errors.js';

export interface WavixRetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** The longest Retry-After honoured; a longer one ends the retries (the caller hears "rate limited"). */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: WavixRetryPolicy = { maxRetries: 3, baseDelayMs: 250, maxDelayMs: 10_000, maxRetryAfterMs: 60_000 };

/** The most of one answer read: far above any page (100 records) or the unpaginated Sender ID list. */
export const MAX_ANSWER_BYTES = 10 * 1024 * 1024;
/** The most of one request sent: smsops sends forms and one SMS at a time. */
export const MAX_REQUEST_BYTES = 1024 * 1024;
/**
 * Two whole attempts: without it, an answer trickling a byte a second cost four full deadlines and their waits (about a
 * minute) before a Slack user heard anything; past it, the caller hears the last failure.
 */
export const CALL_BUDGET_MS = 30_000;

export interface WavixHttpOptions {
  baseUrl: string;
  apiKey: string;
  /** One attempt's whole time, from connecting to the answer's last byte (15 s). */
  timeoutMs?: number;
  /** One call's whole time, its retries and their waits included (CALL_BUDGET_MS). */
  callBudgetMs?: number;
  maxAnswerBytes?: number;
  retry?: Partial<WavixRetryPolicy>;
  logger?: Logger;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** The environment's proxy for Wavix's URL, or false for direct (src/outboundProxy.ts); unset: axios' own reading. */
  proxy?: AxiosProxy | false;
  /** Told of the HTTP status of each answer taken or refused for the key (./keyRefusal.ts: whether Wavix refuses it). */
  onAnswer?: (status: number) => void;
}

export interface WavixRequest<T> {
  /** What the call does, in words that finish "when trying to …": e.g. "create Sender ID ACME". */
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  schema: z.ZodType<T>;
  /** Wavix's words in a refusal may quote this request (an SMS's text, its number): see WavixError. */
  quotesRequest?: boolean;
  /**
   * Asked before each retry (a 429's Retry-After, a connection never made): false ends the call with the failure it
   * had. A reply to a customer who texted STOP meanwhile must not go out on the retry.
   */
  mayRetry?: () => boolean;
}

/**
 * `cancellation`: the signal of the run the call belongs to (a job past its time limit, smsops stopping): the call in
 * progress ends at once and no retry starts. Passed explicitly: an AsyncLocalStorage would do it without changing
 * signatures, but on Node 20 one in use makes every promise of the process pay a hook (twice as slow, measured).
 * `deadline` (epoch ms), when sooner than the call's own budget, ends it there: a caller that answers a person by then
 * hears Wavix's 429 at once rather than after its time ran out waiting on a Retry-After.
 */
export type WavixRequester = <T>(request: WavixRequest<T>, cancellation?: AbortSignal, deadline?: number) => Promise<T>;

export interface Failure {
  kind: WavixErrorKind;
  status?: number;
  wavixMessage?: string;
  detail?: string;
  retryAfterMs?: number;
  /** The answer was a web page, not Wavix's JSON: see middleboxPage. */
  middlebox?: boolean;
  /** A redirect's Location, masked (see redirectFailure). */
  redirectTo?: string;
}

/** Where a redirect points, by its scheme and host (what WAVIX_API_URL needs; a path or query may carry a token). */
function redirectOrigin(location: string): string {
  try {
    return new URL(location).origin;
  } catch {
    return maskUrl(location);
  }
}

/**
 * A 3xx: WAVIX_API_URL points at an address that sends smsops elsewhere (http:// where Wavix wants https://, an old
 * host name). Not followed (axios would resend the Authorization header, the API key, wherever it points), and not
 * retried: the next answer is the same redirect.
 */
export function redirectFailure(response: AxiosResponse): Failure | undefined {
  if (response.status < 300 || response.status >= 400) return undefined;
  const location = response.headers.location;
  return {
    kind: 'bad_request',
    status: response.status,
    redirectTo: typeof location === 'string' ? redirectOrigin(location) : '',
    detail: `HTTP ${response.status} redirect, not followed`,
  };
}

/**
 * A web page where Wavix's API answers JSON: a corporate proxy's or firewall's own error (a 502 of a proxy that could
 * not reach Wavix, a 403 of one blocking it, a 407 asking for its password, a TLS-inspecting box's login page with a
 * 200). Read as Wavix's answer, a proxy's 403 was told as "Wavix does not allow this account or key… Check the key's
 * scopes" with the HTML quoted as "Wavix said", sending the operator to Wavix's portal for a network problem.
 */
function middleboxPage(response: AxiosResponse): boolean {
  const type = String(response.headers['content-type'] ?? '').toLowerCase();
  if (type.includes('json')) return false;
  return type.includes('text/html') || (typeof response.data === 'string' && /^\s*</.test(response.data));
}

export const statusKind = (status: number): WavixErrorKind => {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 422) return 'validation';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server';
  return 'bad_request';
};

function rawWavixMessage(data: unknown): string | undefined {
  if (typeof data === 'object' && data !== null) {
    const record = data as Record<string, unknown>;
    if (typeof record.message === 'string') return record.message;
    if (typeof record.error === 'string') return record.error;
    if (record.errors && typeof record.errors === 'object') return JSON.stringify(record.errors);
  }
  if (typeof data === 'string' && data.length > 0 && data.length < 300) return data;
  return undefined;
}

/** The most of Wavix's words passed on: enough for a reason, not a page (an error body has no size limit). */
const MAX_WAVIX_MESSAGE = 300;

/**
 * Wavix's words as smsops may repeat them (to Slack, to the audit log): they are quoted to people and stored, and
 * Wavix echoes what it was sent ("Invalid appid <the key>"), so the key this client holds is masked, as itself and as
 * it reads inside JSON (an `errors` object), then every secret registered with the logger (Slack tokens, the webhook
 * secret), before the text is cut (cutting first could leave half a secret).
 */
function quotable(text: string, apiKey: string): string {
  let safe = text;
  if (apiKey.length > 0) {
    safe = safe.split(apiKey).join('[REDACTED]');
    const inJson = JSON.stringify(apiKey).slice(1, -1);
    if (inJson !== apiKey) safe = safe.split(inJson).join('[REDACTED]');
  }
  safe = redactSecrets(safe);
  const { kept, cut } = graphemePrefix(safe, MAX_WAVIX_MESSAGE - 1);
  return cut ? `${kept}…` : safe;
}

export function wavixMessageOf(data: unknown, apiKey: string): string | undefined {
  const raw = rawWavixMessage(data);
  return raw === undefined ? undefined : quotable(raw, apiKey);
}

/** Retry-After is seconds or an HTTP date (RFC 9110). */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Whether a failure may be retried. 429, 5xx and network trouble are transient; other 4xx are not. A POST creates
 * something (a Sender ID, a message) and Wavix offers no idempotency key on these calls, so it is retried only when
 * the request certainly was not acted on: 429 (refused before any work), or a connection that was never made (a name
 * that did not resolve, a refused or unroutable connect: NEVER_CONNECTED_CODES). Not a
 * 503: a proxy answers it when the app behind took too long while the app goes on (one SMS went out four times).
 */
export function retryable(method: string, failure: Failure): boolean {
  if (method === 'POST') {
    return failure.status === 429 || (failure.kind === 'network' && NEVER_CONNECTED_CODES.has(failure.detail ?? ''));
  }
  return failure.kind === 'rate_limited' || failure.kind === 'server' || failure.kind === 'timeout' || failure.kind === 'network';
}

/** The failure a web page answering instead of Wavix is (see middleboxPage), or undefined for any other answer. */
export function webPageFailure(response: AxiosResponse): Failure | undefined {
  if (!middleboxPage(response)) return undefined;
  // Retried as Wavix's own 5xx and 429 are; a page with any other status is not Wavix refusing, so not its 4xx kinds.
  const kind = response.status >= 500 ? 'server' : response.status === 429 ? 'rate_limited' : 'network';
  return { kind, status: response.status, detail: `HTTP ${response.status} with a web page, not Wavix's JSON`, middlebox: true };
}

function fromResponse(response: AxiosResponse, apiKey: string): Failure | undefined {
  const data: unknown = response.data;
  const moved = redirectFailure(response);
  if (moved) return moved;
  const page = webPageFailure(response);
  if (page) return page;
  if (response.status >= 200 && response.status < 300) {
    // Wavix's Go SDK treats a 2xx with success:false or error:true as a failure; so do we.
    if (
      typeof data === 'object' &&
      data !== null &&
      ((data as { success?: unknown }).success === false || (data as { error?: unknown }).error === true)
    ) {
      return { kind: 'bad_request', status: response.status, wavixMessage: wavixMessageOf(data, apiKey) ?? 'request failed' };
    }
    return undefined;
  }
  const retryAfter = response.headers['retry-after'];
  const retryAfterMs = parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : undefined, Date.now());
  return {
    kind: statusKind(response.status),
    status: response.status,
    wavixMessage: wavixMessageOf(data, apiKey),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
}

export function fromNetworkError(error: unknown, maxAnswerBytes: number): Failure {
  // Only the error code is kept: the axios error itself carries the request config, API key included.
  // axios says these only in its message (the code is a generic ERR_BAD_RESPONSE / ERR_BAD_REQUEST).
  const said = error instanceof Error ? error.message : '';
  const code = axios.isAxiosError(error) ? refinedCode(error.code ?? 'ERR_NETWORK', said) : 'ERR_UNKNOWN';
  if (said.startsWith('maxContentLength size of')) {
    return { kind: 'too_large', detail: `Wavix's answer was larger than ${megabytes(maxAnswerBytes)}, the most smsops reads` };
  }
  if (said.startsWith('Request body larger than maxBodyLength')) {
    return { kind: 'too_large', detail: `the request was larger than ${megabytes(MAX_REQUEST_BYTES)}, the most smsops sends` };
  }
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED') return { kind: 'timeout', detail: code };
  return { kind: 'network', detail: code };
}

const megabytes = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

function describeZodIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'unexpected body';
  const path = issue.path.length > 0 ? issue.path.join('.') : '(body)';
  return `field ${path}: ${issue.message}`;
}

export function createWavixRequester(options: WavixHttpOptions): WavixRequester {
  const policy: WavixRetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const logger = options.logger ?? silentLogger;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const callBudgetMs = options.callBudgetMs ?? CALL_BUDGET_MS;
  const maxAnswerBytes = options.maxAnswerBytes ?? MAX_ANSWER_BYTES;
  const http: AxiosInstance = axios.create({
    baseURL: options.baseUrl.replace(/\/+$/, ''),
    // Read whole into memory before parsing: a 200 MB answer was, at 2.3 GB of heap.
    maxContentLength: maxAnswerBytes,
    maxBodyLength: MAX_REQUEST_BYTES,
    headers: { Authorization: `Bearer ${options.apiKey}`, Accept: 'application/json' },
    validateStatus: () => true,
    // Keep non-JSON bodies (an HTML error page from a proxy) as text instead of throwing while parsing.
    transitional: { silentJSONParsing: true, forcedJSONParsing: true, clarifyTimeoutError: true },
    maxRedirects: 0,
    ...(options.proxy !== undefined ? { proxy: options.proxy } : {}),
  });

  return async function request<T>(req: WavixRequest<T>, cancellation?: AbortSignal, callerDeadline?: number): Promise<T> {
    const deadline = Math.min(Date.now() + callBudgetMs, callerDeadline ?? Number.POSITIVE_INFINITY);
    const cancelled = (attempts: number) => cancelledCall(req.operation, attempts, cancellation);
    for (let attempt = 1; ; attempt++) {
      if (cancellation?.aborted) throw cancelled(attempt - 1);
      const started = Date.now();
      let failure: Failure | undefined;
      let response: AxiosResponse | undefined;
      // axios' own `timeout` is the socket's idle time: an answer trickling a byte a second never met it.
      const attemptDeadline = AbortSignal.timeout(Math.max(1, Math.min(timeoutMs, deadline - started)));
      try {
        const answer: AxiosResponse = await http.request({
          method: req.method,
          url: req.path,
          params: req.query,
          data: req.body,
          signal: cancellation ? AbortSignal.any([attemptDeadline, cancellation]) : attemptDeadline,
        });
        response = answer;
        failure = fromResponse(answer, options.apiKey);
        // Wavix's own answers only: a proxy's page (even a 200 one) says nothing of the key.
        if (!failure || failure.kind === 'unauthorized') options.onAnswer?.(answer.status);
      } catch (error) {
        if (cancellation?.aborted) throw cancelled(attempt);
        failure = fromNetworkError(error, maxAnswerBytes);
      }
      logger.debug('wavix request', {
        operation: req.operation,
        method: req.method,
        path: req.path,
        status: response?.status,
        failure: failure?.kind,
        attempt,
        ms: Date.now() - started,
      });

      if (!failure && response) {
        const parsed = req.schema.safeParse(response.data);
        if (parsed.success) return parsed.data;
        const detail = describeZodIssue(parsed.error);
        logger.warn('wavix response did not match the expected shape', { operation: req.operation, path: req.path, detail });
        throw new WavixError({
          kind: 'invalid_response',
          operation: req.operation,
          status: response.status,
          attempts: attempt,
          detail,
        });
      }
      const f = failure as Failure;
      const retriesLeft = attempt <= policy.maxRetries;
      const tooLongToWait = f.retryAfterMs !== undefined && f.retryAfterMs > policy.maxRetryAfterMs;
      // Full jitter: spreads retries of many callers; a Retry-After from Wavix is a floor, never shortened.
      const backoff = random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delay = Math.max(backoff, f.retryAfterMs ?? 0);
      const pastBudget = Date.now() + delay >= deadline;
      const givenUp = () =>
        new WavixError({
          ...f,
          operation: req.operation,
          attempts: attempt,
          quotesRequest: req.quotesRequest === true,
          throughProxy: typeof options.proxy === 'object',
        });
      if (!retriesLeft || tooLongToWait || pastBudget || !retryable(req.method, f) || req.mayRetry?.() === false) {
        throw givenUp();
      }
      logger.info('wavix request will be retried', {
        operation: req.operation,
        failure: f.kind,
        status: f.status,
        attempt,
        delayMs: Math.round(delay),
      });
      await untilCancelled(sleep(delay), cancellation);
      // Asked again after the wait too: what changed during a Retry-After's seconds (a STOP) is what it is asked for.
      if (req.mayRetry?.() === false) throw givenUp();
    }
  };
}

/**
 * A call ended by `cancellation`: a job run past its time limit, or smsops stopping, ends its calls rather than let them
 * go on unseen in the background. Its own kind, not a timeout: Wavix did nothing wrong, and a stop must not count as
 * Wavix failing.
 */
export function cancelledCall(operation: string, attempts: number, cancellation: AbortSignal | undefined): WavixError {
  return new WavixError({
    kind: 'cancelled',
    operation,
    attempts,
    detail: cancellation?.reason instanceof Error ? cancellation.reason.message : 'the run was cancelled',
  });
}

/** The wait, cut short when the run it belongs to is cancelled (the next attempt then refuses to start). */
export function untilCancelled(wait: Promise<void>, cancellation: AbortSignal | undefined): Promise<void> {
  if (!cancellation) return wait;
  return new Promise<void>((resolve) => {
    const done = () => {
      cancellation.removeEventListener('abort', done);
      resolve();
    };
    cancellation.addEventListener('abort', done, { once: true });
    void wait.then(done);
  });
}
