import { missingBotScopes, REQUIRED_BOT_SCOPES } from '../slackScopes.js';
import type { CheckGroup } from './context.js';
import { isTokenRefused } from './slackTokenRefused.js';

const BASE = { id: 'slack-scopes', title: 'Slack app scopes' } as const;

/**
 * The scopes of the bot token against the manifest's. An admin removing one (files:write, say) broke one feature
 * with a reason that pointed elsewhere ("invite the bot"); Slack says a token's scopes in every answer's
 * `x-oauth-scopes` header, read here from `auth.test`. Without that header (a proxy dropping it) nothing is claimed.
 */
export const slackScopesGroup: CheckGroup = {
  ...BASE,
  run: async ({ deps }) => {
    if (!deps.botScopes) return [];
    const seen = await deps.botScopes();
    if (!seen.ok) {
      // A refused token is said once, by the channels check; a rate limit or an outage is not this check's finding.
      if (isTokenRefused(seen)) return [];
      return [
        { ...BASE, status: 'skipped', reason: `Slack did not answer auth.test (${seen.error}); run \`/sms doctor\` again.` },
      ];
    }
    if (seen.scopes === undefined) {
      return [
        {
          ...BASE,
          status: 'skipped',
          reason: "Slack's answer did not say which scopes the bot token has (no x-oauth-scopes header).",
        },
      ];
    }
    const missing = missingBotScopes(seen.scopes);
    if (missing.length === 0) return [{ ...BASE, status: 'ok', reason: 'The bot token has every scope manifest.yml asks for.' }];
    const lines = missing.map((scope) => `\`${scope}\` (${REQUIRED_BOT_SCOPES[scope]})`);
    return [
      {
        ...BASE,
        status: 'failure',
        reason:
          `The bot token lacks ${lines.join(', ')}: add ${missing.length === 1 ? 'it' : 'them'} (manifest.yml has all) and ` +
          'reinstall the app; a new bot token goes in SLACK_BOT_TOKEN, then restart smsops.',
      },
    ];
  },
};
