import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import axios, { type AxiosResponse } from 'axios';
import { type Logger, silentLogger } from '../log.js';
import { WavixError } from './errors.js';
import {
  cancelledCall,
  DEFAULT_RETRY,
  type Failure,
  fromNetworkError,
  parseRetryAfter,
  redirectFailure,
  retryable,
  statusKind,
  untilCancelled,
  type WavixHttpOptions,
  type WavixRetryPolicy,
  wavixMessageOf,
  webPageFailure,
} from './http.js';

/** The most of one line kept: a Message is well under 10 KB; a longer line is skipped, not held. */
export const MAX_LINE_BYTES = 1024 * 1024;
/** The longest the export's reading holds the event loop before letting it turn (webhooks, /healthz). */
const HOLD_MS = 10;
/** The most of an error answer read (its words are cut to 300 characters anyway). */
const MAX_ERROR_BYTES = 64 * 1024;

export interface WavixStreamRequest {
  /** What the call does, in words that finish "when trying to …". */
  operation: string;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** The most bytes read; the stream is then ended and its end says `cut: 'size'`. */
  maxBytes: number;
  /** The whole call's time, from asking to the last byte read; the stream is then ended, `cut: 'time'`. */
  maxMs: number;
}

/** One line of the answer, or one too long to keep (skipped: its bytes are counted, not held). */
export type StreamedLine = { text: string; number: number } | { tooLong: number; number: number };

/** How a stream ended: whole, or cut by smsops at one of its limits (what was read before it stands). */
export type StreamEnd = { cut: null; bytes: number } | { cut: 'size' | 'time'; bytes: number; ms: number };

export type WavixLineStreamer = (
  request: WavixStreamRequest,
  cancellation?: AbortSignal,
) => AsyncGenerator<StreamedLine, StreamEnd, undefined>;

async function readErrorBody(stream: Readable): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_ERROR_BYTES) break;
    }
  } catch {
    // What arrived is all there is to quote.
  } finally {
    stream.destroy();
  }
  const text = Buffer.concat(chunks).subarray(0, MAX_ERROR_BYTES).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * A line's text without its CR (CRLF lines) and, on the first line, without a byte order mark: JSON.parse refuses
 * one, and the export's first message was skipped as "not JSON".
 */
function lineText(line: string, number: number): string {
  const text = number === 1 && line.startsWith('\uFEFF') ? line.slice(1) : line;
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}

/** The code of a stream's error (ECONNRESET, Z_DATA_ERROR, ERR_STREAM_PREMATURE_CLOSE), never its message. */
function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code) ? code : 'ERR_UNKNOWN';
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * A GET whose answer is read as it arrives, line by line (NDJSON: Wavix's message export), never whole in memory. It
 * is asked again as ordinary reads are (429, 5xx, network trouble) only until its answer starts: lines already passed
 * on cannot be taken back. Past `maxBytes` or `maxMs` once lines arrive, the reading stops and the end says which: the
 * caller decides what a part means; `maxMs` passed before the answer starts is a timeout.
 */
export function createWavixLineStreamer(options: WavixHttpOptions): WavixLineStreamer {
  const policy: WavixRetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const logger: Logger = options.logger ?? silentLogger;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const http = axios.create({
    baseURL: options.baseUrl.replace(/\/+$/, ''),
    headers: { Authorization: `Bearer ${options.apiKey}`, Accept: 'application/x-ndjson, application/json' },
    validateStatus: () => true,
    // The limit is counted here, line by line: axios' own would end the stream with an error and lose the count.
    maxContentLength: -1,
    maxRedirects: 0,
    responseType: 'stream',
    // The proxy and NO_PROXY decision the other Wavix calls take (src/outboundProxy.ts): left to axios, the export
    // read the environment its own way and sent a proxy password still percent-encoded (a 407 every watch run).
    ...(options.proxy !== undefined ? { proxy: options.proxy } : {}),
  });

  return async function* stream(req, cancellation) {
    const started = Date.now();
    const ends = new AbortController();
    let timedOut = false;
    const wholeTime = setTimeout(() => {
      timedOut = true;
      ends.abort(new Error('time limit'));
    }, req.maxMs);
    const signal = cancellation ? AbortSignal.any([ends.signal, cancellation]) : ends.signal;
    const fail = (failure: Failure, attempts: number) =>
      new WavixError({ ...failure, operation: req.operation, attempts, throughProxy: typeof options.proxy === 'object' });
    const brokeOff = (lines: number, detail: string) =>
      new WavixError({
        kind: 'network',
        operation: req.operation,
        attempts: 1,
        detail,
        brokeOffAfterLines: lines,
        throughProxy: typeof options.proxy === 'object',
      });
    const cancelled = (attempts: number) => cancelledCall(req.operation, attempts, cancellation);
    // Out of time before the answer started: Wavix did not answer, nothing was cut (no line was read).
    const noAnswer = (attempts: number) =>
      fail({ kind: 'timeout', detail: `no answer within ${Math.round(req.maxMs / 1000)} s` }, Math.max(1, attempts));
    try {
      let body: Readable | undefined;
      for (let attempt = 1; body === undefined; attempt++) {
        if (cancellation?.aborted) throw cancelled(attempt - 1);
        if (timedOut) throw noAnswer(attempt - 1);
        let failure: Failure | undefined;
        let response: AxiosResponse<Readable> | undefined;
        // Until the answer starts (then cleared: the stream itself runs under `maxMs`).
        const attemptEnds = new AbortController();
        const firstByte = setTimeout(() => attemptEnds.abort(new Error('no answer in time')), timeoutMs);
        try {
          response = await http
            .request<Readable>({
              method: 'GET',
              url: req.path,
              params: req.query,
              signal: AbortSignal.any([signal, attemptEnds.signal]),
            })
            .finally(() => clearTimeout(firstByte));
          // A web page with a 2xx (a TLS-inspecting box's login page) is no export: read as one, its lines were each
          // skipped as "no message" and the run judged the window from none, saying only that lines were skipped.
          const page = webPageFailure(response);
          const moved = redirectFailure(response);
          if (!page && (response.status === 401 || (response.status >= 200 && response.status < 300)))
            options.onAnswer?.(response.status);
          if (response.status >= 200 && response.status < 300 && !page) body = response.data;
          else if (moved) {
            response.data.destroy();
            failure = moved;
          } else {
            const data = await readErrorBody(response.data);
            const retryAfter = response.headers['retry-after'];
            const retryAfterMs = parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : undefined, Date.now());
            failure = {
              ...(page ?? { kind: statusKind(response.status), status: response.status }),
              wavixMessage: page ? undefined : wavixMessageOf(data, options.apiKey),
              ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
            };
          }
        } catch (error) {
          if (cancellation?.aborted) throw cancelled(attempt);
          if (timedOut) throw noAnswer(attempt);
          failure = fromNetworkError(error, 0);
        }
        logger.debug('wavix request', {
          operation: req.operation,
          method: 'GET',
          path: req.path,
          status: response?.status,
          failure: failure?.kind,
          attempt,
          ms: Date.now() - started,
        });
        if (failure === undefined) break;
        const backoff = random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
        const delay = Math.max(backoff, failure.retryAfterMs ?? 0);
        const tooLongToWait = failure.retryAfterMs !== undefined && failure.retryAfterMs > policy.maxRetryAfterMs;
        if (
          attempt > policy.maxRetries ||
          tooLongToWait ||
          Date.now() + delay - started >= req.maxMs ||
          !retryable('GET', failure)
        ) {
          throw fail(failure, attempt);
        }
        await untilCancelled(sleep(delay), cancellation);
      }

      const decoder = new StringDecoder('utf8');
      let pending = '';
      let skipping = false;
      /** The bytes of the line being skipped, so far. */
      let skipped = 0;
      let number = 0;
      // The bytes of the lines passed on (and skipped): the limit falls between two lines, not within a chunk.
      let bytes = 0;
      const ended = (cut: 'size' | 'time'): StreamEnd => ({ cut, bytes, ms: Date.now() - started });
      // Lines buffered faster than they are read are handed over in microtasks alone, the event loop never turning:
      // 19 MB of `{}` lines (each checked, each no message) held it 8.6 s at a stretch, 20 MB of messages 117 ms, and
      // every webhook and /healthz waited. It turns every HOLD_MS of reading (the reader's work on each line included).
      let heldSince = performance.now();
      const loopTurns = async () => {
        if (performance.now() - heldSince < HOLD_MS) return;
        await new Promise((resolve) => setImmediate(resolve));
        heldSince = performance.now();
      };
      try {
        for await (const chunk of body as AsyncIterable<Buffer>) {
          let text = decoder.write(chunk);
          for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n')) {
            const whole = pending + text.slice(0, newline);
            text = text.slice(newline + 1);
            pending = '';
            const size = Buffer.byteLength(whole) + 1;
            if (bytes + size > req.maxBytes) return ended('size');
            bytes += size;
            number += 1;
            if (skipping) {
              skipping = false;
              yield { tooLong: skipped + size, number };
            } else yield { text: lineText(whole, number), number };
            if (timedOut) return ended('time');
            await loopTurns();
          }
          if (skipping) {
            // Counted as they pass, not held: one line of 50 MB with no newline was read whole past a 10 MB limit,
            // the size cut never met (only its first MB and its end counted).
            const size = Buffer.byteLength(text);
            skipped += size;
            bytes += size;
            if (bytes > req.maxBytes) return ended('size');
          } else {
            pending += text;
            if (Buffer.byteLength(pending) > MAX_LINE_BYTES) {
              // Kept no longer: its bytes are counted from here, and the line said skipped when its end arrives.
              skipping = true;
              skipped = Buffer.byteLength(pending);
              bytes += skipped;
              pending = '';
              if (bytes > req.maxBytes) return ended('size');
            }
          }
          if (timedOut) return ended('time');
        }
      } catch (error) {
        if (cancellation?.aborted) throw cancelled(1);
        if (timedOut) return ended('time');
        // Broken mid-way (a reset, a body shorter than its length, a gzip stream that is none): Wavix was reached, its
        // answer cut. Said as "could not reach Wavix… check WAVIX_API_URL (ERR_UNKNOWN)" before.
        throw brokeOff(number, codeOf(error));
      } finally {
        body?.destroy();
      }
      // The last line may end without a newline.
      const last = pending + decoder.end();
      if (skipping) {
        bytes += Buffer.byteLength(last);
        if (bytes > req.maxBytes) return ended('size');
        yield { tooLong: skipped + Buffer.byteLength(last), number: number + 1 };
      } else if (last.trim() !== '') {
        if (bytes + Buffer.byteLength(last) > req.maxBytes) return ended('size');
        // A last line with no newline that is no JSON: the answer was cut mid-line where nothing said so (a body that
        // ends at the connection's close, a gzip stream cut short: axios' gunzip takes either as an end). Read as a
        // malformed line, the export was judged read whole, the messages after the cut missing with no word of it.
        if (!isJson(lineText(last, number + 1))) throw brokeOff(number, 'the last line ended mid-way');
        bytes += Buffer.byteLength(last);
        yield { text: lineText(last, number + 1), number: number + 1 };
      }
      return { cut: null, bytes };
    } finally {
      clearTimeout(wholeTime);
    }
  };
}
