import type { Config } from '../config.js';
import { SLACK_TOKEN_REFUSALS } from '../core/slackToken.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { type BotIdentity, identityOf } from './botIdentity.js';
import { CLOCK_OFF_WARN_SECONDS, SLACK_SIGNATURE_WINDOW_SECONDS, type SlackClockReading } from './slackClock.js';
import { readingOf, slackTimeClient } from './slackClockCheck.js';
import { slackErrorCode } from './slackErrorCode.js';
import { slackNotReachedWords } from './slackNotReached.js';

/**
 * Asks Slack once at start whether SLACK_BOT_TOKEN is accepted, and says so in words: otherwise a wrong token shows
 * only as a warning on the first Slack request. Never blocks or fails the start (the relay to PortSIP must not depend
 * on Slack), and never retries: a later request says it again. The token is never in what is logged. A refusal is
 * told to `onRefused` (the relay's /healthz and smsops_slack_token_refused), which before waited for a relayed SMS's
 * post to fail: /healthz said ok for as long as no SMS came in. The bot's ids Slack answered with are returned, so
 * Slack's requests need not ask again (src/slack/botIdentity.ts).
 */
export async function checkSlackToken(
  slack: Config['slack'],
  logger: Logger,
  onRefused: (code: string) => void = () => {},
  now: () => number = Date.now,
  /** Told what Slack's time said of this host's clock (src/slack/slackClock.ts), whether the token was taken or not. */
  onClock: (reading: SlackClockReading) => void = () => {},
): Promise<BotIdentity | undefined> {
  let slackSaidAt: number | undefined;
  // Slack's answer says its time (the Date header): smsops' own clock is checked against it, below. Otherwise a 429
  // would hold this one question for its Retry-After (hours, from a faulty proxy).
  const client = slackTimeClient(slack, logger, (said) => {
    slackSaidAt = said;
  });
  const askedAt = now();
  try {
    const who = await client.auth.test().finally(() => {
      const reading = readingOf(slackSaidAt, askedAt, now());
      if (reading === undefined) return;
      checkClock(slack, logger, reading.aheadSeconds);
      onClock(reading);
    });
    logger.info('Slack accepted SLACK_BOT_TOKEN', { team: who.team, botUser: who.user });
    return identityOf(who);
  } catch (error) {
    const code = slackErrorCode(error);
    if (code !== undefined && SLACK_TOKEN_REFUSALS.has(code)) {
      logger.error(
        `Slack rejected SLACK_BOT_TOKEN (${code}): nothing reaches Slack until it is fixed (OAuth & Permissions → Bot User OAuth Token) and smsops restarted; the relay to PortSIP goes on, /healthz answers 503`,
      );
      onRefused(code);
    } else {
      // Slack not reached (the proxy down, DNS, a firewall) said "fetch failed" alone: said in words, what to check.
      const notReached = slackNotReachedWords(error);
      logger.warn(
        'Slack could not be asked whether SLACK_BOT_TOKEN is valid (auth.test)',
        notReached
          ? {
              error: `smsops could not reach Slack: ${notReached}; check the network, proxy (HTTPS_PROXY) and firewall between smsops and slack.com`,
            }
          : { error: describeError(error) },
      );
    }
    return undefined;
  }
}

/**
 * A host clock minutes off (a VM without NTP, a restored snapshot) refuses, in HTTP mode, every Slack request past 5
 * minutes (their signed timestamps look stale or ahead): commands, buttons and thread replies, while everything else
 * looks fine. Said at start, against the time Slack's own answer gave, which nobody else can set.
 */
function checkClock(slack: Config['slack'], logger: Logger, offSeconds: number): void {
  if (Math.abs(offSeconds) <= CLOCK_OFF_WARN_SECONDS) return;
  const way = offSeconds > 0 ? 'ahead of' : 'behind';
  const refused = Math.abs(offSeconds) > SLACK_SIGNATURE_WINDOW_SECONDS;
  const effect = slack.appToken
    ? 'times smsops shows and schedules are off by as much'
    : refused
      ? 'every Slack command, button and thread reply is refused (its signed timestamp is more than 5 minutes off) until it is set right'
      : 'past 5 minutes every Slack command, button and thread reply would be refused (signed timestamps)';
  logger[refused && !slack.appToken ? 'error' : 'warn'](
    `this host's clock is ${Math.abs(offSeconds)} s ${way} Slack's: set it right (NTP/chrony); ${effect}`,
    { offSeconds },
  );
}
