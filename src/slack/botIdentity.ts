import { webApi } from '@slack/bolt';
import { SLACK_TOKEN_REFUSALS } from '../core/slackToken.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { slackErrorCode } from './slackErrorCode.js';

/** The bot's own ids in this workspace (auth.test's `bot_id` and `user_id`), and the workspace its token is of. */
export interface BotIdentity {
  botId: string;
  botUserId: string;
  /** auth.test's `team_id` and `team`: the workspace SLACK_BOT_TOKEN belongs to. */
  teamId?: string;
  teamName?: string;
  /** auth.test's `enterprise_id`: set when the workspace is part of an Enterprise Grid organisation. */
  enterpriseId?: string;
}

/** The identity in auth.test's answer: undefined when it names no bot. */
export function identityOf(who: {
  bot_id?: string;
  user_id?: string;
  team_id?: string;
  team?: string;
  enterprise_id?: string;
}): BotIdentity | undefined {
  if (!who.bot_id || !who.user_id) return undefined;
  return {
    botId: who.bot_id,
    botUserId: who.user_id,
    ...(who.team_id ? { teamId: who.team_id } : {}),
    ...(who.team ? { teamName: who.team } : {}),
    ...(who.enterprise_id ? { enterpriseId: who.enterprise_id } : {}),
  };
}

/** A failed question is asked again at the first request after this long, never in a loop. */
const ASK_AGAIN_AFTER_MS = 60_000;

export interface BotIdentityOptions {
  /** One question to Slack (auth.test), without retries: undefined when the answer names no bot. */
  ask: () => Promise<BotIdentity | undefined>;
  /**
   * The start-up token check's answer (src/slack/tokenCheck.ts): while it is out no other question is asked, and an
   * identity it learnt is the answer.
   */
  first?: Promise<BotIdentity | undefined>;
  logger: Logger;
  now?: () => number;
}

export interface BotIdentitySource {
  /**
   * The ids known now, for Bolt's `authorize`: never waits for Slack, since Bolt acknowledges nothing before it
   * returns and Slack gives up on an acknowledgement after 3 s (a hanging auth.test held `/sms help` for 91 s). While
   * unknown, one question is out in the background, shared by every request, and an event's own `authorizations`
   * name the bot user.
   */
  forRequest(body?: unknown): Partial<BotIdentity>;
  /** The ids Slack said, if it has: asks nothing. */
  known(): BotIdentity | undefined;
  /** Resolves with the ids once Slack said them (at once when it has); never rejects, and never asks by itself. */
  whenKnown(): Promise<BotIdentity>;
}

export function learnBotIdentity(options: BotIdentityOptions): BotIdentitySource {
  const now = options.now ?? Date.now;
  let known: BotIdentity | undefined;
  let asking = false;
  let failedAt: number | undefined;
  let learnt: (who: BotIdentity) => void = () => {};
  const learntOnce = new Promise<BotIdentity>((resolve) => {
    learnt = resolve;
  });

  const follow = (question: Promise<BotIdentity | undefined>, onFailure: (error: unknown) => void) => {
    asking = true;
    question
      .then((who) => {
        if (who) {
          known = who;
          learnt(who);
        }
      }, onFailure)
      .finally(() => {
        asking = false;
      });
  };

  // The token check logs its own failure; a later question is asked at the next request.
  if (options.first) follow(options.first, () => {});

  const askInBackground = () => {
    failedAt = undefined;
    follow(
      options.ask().then((who) => {
        if (!who) failedAt = now();
        return who;
      }),
      (error) => {
        failedAt = now();
        const code = slackErrorCode(error);
        options.logger.warn(
          code !== undefined && SLACK_TOKEN_REFUSALS.has(code)
            ? `Slack refused SLACK_BOT_TOKEN (${code}) when asked for the bot's own ids (auth.test)`
            : "Slack did not say the bot's own ids (auth.test); requests are answered meanwhile, asked again in a minute",
          { error: describeError(error) },
        );
      },
    );
  };

  return {
    forRequest(body) {
      if (known) return known;
      if (!asking && (failedAt === undefined || now() - failedAt >= ASK_AGAIN_AFTER_MS)) askInBackground();
      const botUserId = botUserOf(body);
      return botUserId ? { botUserId } : {};
    },
    known: () => known,
    whenKnown: () => learntOnce,
  };
}

/**
 * The question (auth.test) on its own client: one attempt (a failure is asked again a minute later, not retried while
 * a request waits for nothing), a 429 is an answer, and no answer in 10 s is a failure.
 */
export function askBotIdentity(botToken: string, clientOptions: webApi.WebClientOptions): BotIdentityOptions['ask'] {
  const client = new webApi.WebClient(botToken, {
    ...clientOptions,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
  });
  return async () => {
    return identityOf(await client.auth.test());
  };
}

/**
 * An Events API body names the installation it is delivered to: for a bot token, its `user_id` is the bot user, so
 * the bot's own messages are still told apart (Bolt's ignoreSelf, the thread-reply listener) before auth.test answered.
 */
function botUserOf(body: unknown): string | undefined {
  const authorizations = (body as { authorizations?: unknown } | null | undefined)?.authorizations;
  if (!Array.isArray(authorizations)) return undefined;
  for (const entry of authorizations as Array<{ is_bot?: unknown; user_id?: unknown } | null>) {
    if (entry?.is_bot === true && typeof entry.user_id === 'string' && entry.user_id !== '') return entry.user_id;
  }
  return undefined;
}
