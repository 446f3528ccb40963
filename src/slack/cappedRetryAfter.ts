import type { webApi } from '@slack/bolt';
import type { Logger } from '../log.js';

/**
 * The longest a Web API client that waits out rate limits (Bolt's, the watch's) waits on one 429. Slack's limits are
 * counted per minute; a longer Retry-After is a proxy's or a fault's.
 */
export const SLACK_RETRY_AFTER_CAP_SECONDS = 60;

/** A Web API method from the URL called; anything else (an upload URL is a capability) is not named. */
const methodOf = (url: string | URL) => {
  const last = String(url).split('?')[0]?.split('/').pop() ?? '';
  return /^[a-z]+(?:\.[A-Za-z]+)+$/.test(last) ? last : 'another request';
};

/**
 * The fetch of a Web API client that waits out rate limits. Such a client pauses its whole queue for as long as a 429's
 * Retry-After says: one answer of `Retry-After: 100000` held every alert after it for 28 hours, and the client said so
 * only at info level. Longer than `capSeconds`, the wait is cut to it (the client's retries stay few, so a Slack that
 * goes on refusing ends in an error the caller logs) and a warning names the method, never the token or arguments.
 */
export function cappedRetryAfterFetch(
  logger: Logger,
  capSeconds = SLACK_RETRY_AFTER_CAP_SECONDS,
  fetchFn: webApi.FetchFunction = fetch as unknown as webApi.FetchFunction,
): webApi.FetchFunction {
  return async (url, init) => {
    const response = await fetchFn(url, init);
    if (response.status !== 429) return response;
    const asked = Number.parseInt(response.headers.get('retry-after') ?? '', 10);
    if (!(asked > capSeconds)) return response;
    logger.warn('Slack rate-limited a call for longer than smsops waits: the wait is cut short', {
      method: methodOf(url),
      retryAfterSeconds: asked,
      waitSeconds: capSeconds,
    });
    const headers = new Headers([...response.headers.entries()]);
    headers.set('retry-after', String(capSeconds));
    return new Response(await response.arrayBuffer(), { status: 429, statusText: response.statusText, headers });
  };
}
