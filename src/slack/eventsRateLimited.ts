import type { Logger } from '../log.js';

/** Slack's `app_rate_limited` notice, said the same way whether it came over HTTP or Socket Mode. */
export function warnEventsRateLimited(logger: Logger): void {
  logger.warn('Slack is rate-limiting events to smsops: thread replies in the next minute may be lost', {
    limit: "over 30,000 events an hour: Slack's limit for an app",
  });
}
