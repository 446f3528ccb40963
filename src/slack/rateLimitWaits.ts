import { setTimeout as sleep } from 'node:timers/promises';
import { webApi } from '@slack/bolt';
import type { Logger } from '../log.js';
import { SlackCallCut } from './callCut.js';

const NEVER = new AbortController().signal;

/** Seconds Slack asked to wait, when `error` is a call it rate-limited (the client rejects those, see below). */
const rateLimitedFor = (error: unknown): number | undefined =>
  (error as { code?: unknown } | null)?.code === webApi.ErrorCode.RateLimitedError
    ? (error as webApi.WebAPIRateLimitedError).retryAfter
    : undefined;

export type RateLimitWaitingClient = webApi.WebClient & { rateLimitedUntil(): number | undefined };

/**
 * A Web API client that waits out Slack's rate limits itself, in a wait `stopping` ends. @slack/web-api's own wait
 * (rejectRateLimitedCalls off) is a plain timer after the answer came, out of reach of any signal: an alert
 * rate-limited for a minute held a SIGTERM for that minute, past the 30 s a supervisor gives before SIGKILL. So the
 * client rejects a 429 and the call is tried again here, after its Retry-After (`retries` times at most). As the
 * library's own wait did, the whole client pauses meanwhile: its other calls would only be refused too.
 */
export function createRateLimitWaitingClient(
  token: string,
  options: webApi.WebClientOptions,
  waits: { retries: number; logger: Logger; stopping?: AbortSignal },
): RateLimitWaitingClient {
  const stopping = waits.stopping ?? NEVER;
  let pausedUntil = 0;
  const pause = async () => {
    const ms = pausedUntil - performance.now();
    if (ms <= 0) return;
    try {
      await sleep(ms, undefined, { signal: stopping });
    } catch {
      throw new SlackCallCut();
    }
  };

  class WaitingClient extends webApi.WebClient {
    /** Until when (epoch ms) its calls wait out a Retry-After, or undefined: /healthz says alerts are held meanwhile. */
    rateLimitedUntil(): number | undefined {
      const ms = pausedUntil - performance.now();
      return ms > 0 ? Date.now() + ms : undefined;
    }

    override async apiCall(method: string, args?: Record<string, unknown>): Promise<webApi.WebAPICallResult> {
      for (let attempt = 0; ; attempt++) {
        await pause();
        try {
          return await super.apiCall(method, args);
        } catch (error) {
          const seconds = rateLimitedFor(error);
          if (seconds === undefined || attempt >= waits.retries || stopping.aborted) throw error;
          pausedUntil = Math.max(pausedUntil, performance.now() + seconds * 1000);
          waits.logger.info('Slack rate-limited a call: it is tried again after the wait Slack asked for', {
            method,
            waitSeconds: seconds,
          });
        }
      }
    }
  }
  return new WaitingClient(token, { ...options, rejectRateLimitedCalls: true });
}
