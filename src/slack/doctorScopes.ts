import type { webApi } from '@slack/bolt';
import type { BotScopes } from '../core/doctor/types.js';
import { describeError } from '../errors.js';
import { slackErrorCode } from './slackErrorCode.js';

/**
 * The bot token's scopes as Slack states them: @slack/web-api puts each answer's `x-oauth-scopes` header in
 * `response_metadata.scopes`. Slack documents the header on Web API answers; whether every proxy in between keeps it
 * is not known, so its absence is "not said", never "no scopes".
 */
export function slackBotScopes(client: webApi.WebClient): () => Promise<BotScopes> {
  return async () => {
    try {
      const answer = await client.auth.test();
      const scopes = answer.response_metadata?.scopes;
      return { ok: true, scopes: Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === 'string') : undefined };
    } catch (error) {
      return { ok: false, error: slackErrorCode(error) ?? describeError(error) };
    }
  };
}
