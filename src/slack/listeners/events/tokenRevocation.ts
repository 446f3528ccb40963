import type { SlackEventMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import type { SlackTokenRevocation } from '../../../core/slackToken.js';
import type { Logger } from '../../../log.js';

/**
 * `tokens_revoked`'s event as read here: `tokens.bot` lists the bot users whose tokens were revoked (user ids, never
 * the token). `tokens.oauth` (users' own tokens; smsops holds none) is not read. Bolt skips its `authorize` for this
 * event and for `app_uninstalled`: they reach the listener though the token is gone.
 */
const tokensRevokedSchema = z.object({
  tokens: z.object({ bot: z.array(z.string()).optional() }),
});

/**
 * Whether a `tokens_revoked` event names smsops' bot token: its bot user among `tokens.bot`. While smsops does not
 * know its bot user (the start-up auth.test not answered), any bot token named is taken for its own: the app has one
 * bot, and a signed event is for this app. Undefined: the event is not of the shape Slack documents.
 */
export function namesOurBotToken(event: unknown, botUserId: string | undefined): boolean | undefined {
  const parsed = tokensRevokedSchema.safeParse(event);
  if (!parsed.success) return undefined;
  const bots = parsed.data.tokens.bot ?? [];
  return botUserId === undefined ? bots.length > 0 : bots.includes(botUserId);
}

export interface TokenRevocationDeps {
  /** Told that SLACK_BOT_TOKEN is revoked (the relay's /healthz, gauge and log line). */
  revoked: (by: SlackTokenRevocation) => void;
  /** The bot's own user id, when known (auth.test); never asks Slack. */
  botUserId: () => string | undefined;
  logger: Logger;
}

/** `app_uninstalled`: the whole app is gone from the workspace, its bot token with it. */
export function appUninstalledListener(deps: TokenRevocationDeps) {
  return async (_args: SlackEventMiddlewareArgs<'app_uninstalled'>): Promise<void> => deps.revoked('app_uninstalled');
}

/** `tokens_revoked`: only one naming the bot's token counts; users' tokens alone change nothing smsops uses. */
export function tokensRevokedListener(deps: TokenRevocationDeps) {
  return async ({ event }: SlackEventMiddlewareArgs<'tokens_revoked'>): Promise<void> => {
    const ours = namesOurBotToken(event, deps.botUserId());
    if (ours === undefined)
      deps.logger.warn('a tokens_revoked event without its list of tokens was ignored; the next auth.test will tell');
    else if (ours) deps.revoked('tokens_revoked');
  };
}
