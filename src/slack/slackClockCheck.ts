import { webApi } from '@slack/bolt';
import type { Config } from '../config.js';
import { SLACK_TOKEN_REFUSALS } from '../core/slackToken.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { toBoltLogger } from './boltLogger.js';
import { cutOnStop, SlackCallCut } from './callCut.js';
import { type SlackClock, type SlackClockReading, slackClockWords, verdictOf } from './slackClock.js';
import { slackErrorCode } from './slackErrorCode.js';

/** How often Slack's time is asked again while smsops runs (a clock drifts, a VM is restored from a snapshot). */
export const SLACK_CLOCK_CHECK_EVERY_MS = 10 * 60_000;
/** The least time between two checks a stale signed request asks for: anyone can replay one, as often as they like. */
export const SLACK_CLOCK_CHECK_SOONEST_GAP_MS = 60_000;

/**
 * A Web API client for one-off questions whose answer's Date header (Slack's time) is handed to `onDate`. It never
 * retries, and refuses a 429 at once instead of waiting out its Retry-After (hours, from a faulty proxy): its own
 * client, so no other Slack call is paused either.
 */
export function slackTimeClient(
  slack: Config['slack'],
  logger: Logger,
  onDate: (slackSaidAt: number) => void,
  stopping?: AbortSignal,
) {
  const send = stopping ? cutOnStop(stopping) : (fetch as unknown as webApi.FetchFunction);
  return new webApi.WebClient(slack.botToken, {
    fetch: async (url, init) => {
      const response = await send(url, init);
      const said = Date.parse(response.headers.get('date') ?? '');
      if (Number.isFinite(said)) onDate(said);
      return response;
    },
    slackApiUrl: slack.apiUrl,
    retryConfig: { retries: 0 },
    timeout: 10_000,
    rejectRateLimitedCalls: true,
    // Through smsops' logger: @slack/web-api's own console logger wrote Slack's messages (which may quote the token).
    logger: toBoltLogger(logger.child({ component: 'slack' })),
  });
}

/**
 * This host's clock against Slack's Date, taken halfway through the call; undefined without a Date. The Date header
 * drops the milliseconds (Slack's time was up to a second later), so the middle of its second is compared: without it,
 * a clock exactly 600 s ahead read 600 or 601 by chance.
 */
export function readingOf(slackSaidAt: number | undefined, askedAt: number, answeredAt: number): SlackClockReading | undefined {
  if (slackSaidAt === undefined) return undefined;
  return { aheadSeconds: Math.round(((askedAt + answeredAt) / 2 - (slackSaidAt + 500)) / 1000), slackSaidAt };
}

/**
 * Asks Slack's time (auth.test's Date header) every `everyMs`, and sooner when asked (`soon`, at most once per
 * `soonestGapMs`), into `clock`. A check that gets no dated answer changes nothing. Logs when the verdict changes.
 */
export function keepCheckingSlackClock(options: {
  slack: Config['slack'];
  /** Where Slack's time goes; none in Socket Mode (nothing is signed, so no clock refuses anything): the token only. */
  clock?: SlackClock;
  logger: Logger;
  now: () => number;
  everyMs?: number;
  soonestGapMs?: number;
  /**
   * What each check's answer says of SLACK_BOT_TOKEN: Slack's code when it refuses it (token_revoked: the app was
   * uninstalled), null when it takes it; not called when Slack was not reached. Before, a refusal here was a debug line,
   * and a token revoked while no SMS came in left /healthz ok until the next SMS's post failed.
   */
  onToken?: (refusedCode: string | null) => void;
}): { soon(): void; stop(): void } {
  const { clock, logger, now } = options;
  const everyMs = options.everyMs ?? SLACK_CLOCK_CHECK_EVERY_MS;
  const soonestGapMs = options.soonestGapMs ?? SLACK_CLOCK_CHECK_SOONEST_GAP_MS;
  let slackSaidAt: number | undefined;
  // Cut at stop: a Slack that does not answer must not hold the process for the client's 10 s.
  const stopping = new AbortController();
  const client = slackTimeClient(
    options.slack,
    logger,
    (said) => {
      slackSaidAt = said;
    },
    stopping.signal,
  );
  let running: Promise<void> | undefined;
  // Monotonic, not the wall clock this check is about: a host clock stepped back 10 minutes (a VM restored from a
  // snapshot) put the last check 10 minutes in the future, so every stale request's `soon` was refused as too soon and
  // /healthz said ok while every command was refused, until the next periodic check.
  let lastStartedAt = Number.NEGATIVE_INFINITY;
  let stopped = false;

  const check = () => {
    if (running || stopped) return;
    lastStartedAt = performance.now();
    slackSaidAt = undefined;
    const askedAt = now();
    running = client.auth
      .test()
      .then(
        () => {
          if (!stopped) options.onToken?.(null);
          return readingOf(slackSaidAt, askedAt, now());
        },
        // Refused or rate-limited answers are dated too; an unreachable Slack says nothing of the clock.
        (error: unknown) => {
          logger.debug('Slack’s time could not be asked (auth.test)', { error: describeError(error) });
          const code = slackErrorCode(error);
          if (!stopped && code !== undefined && SLACK_TOKEN_REFUSALS.has(code)) options.onToken?.(code);
          return readingOf(slackSaidAt, askedAt, now());
        },
      )
      .then((reading) => {
        if (reading === undefined || stopped || !clock) return;
        const before = verdictOf(clock.reading());
        clock.saidBySlack(reading);
        const after = verdictOf(reading);
        if (after === before) return;
        if (after === 'ok')
          logger.info('this host’s clock is within a minute of Slack’s again', { offSeconds: reading.aheadSeconds });
        else
          logger[after === 'refusing' ? 'error' : 'warn'](slackClockWords(reading) ?? '', { offSeconds: reading.aheadSeconds });
      })
      // The alert's write failing (a busy database) must not end the checks as an unhandled rejection: the next goes on.
      .catch((error: unknown) => logger.warn('Slack’s time could not be taken in', { error: describeError(error) }))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(check, everyMs);
  timer.unref();
  return {
    soon: () => {
      if (performance.now() - lastStartedAt >= soonestGapMs) check();
    },
    stop: () => {
      stopped = true;
      clearInterval(timer);
      stopping.abort(new SlackCallCut());
    },
  };
}
