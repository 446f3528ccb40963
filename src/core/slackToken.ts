/** Slack's answers that mean the bot token itself is refused, not that Slack could not be reached. */
export const SLACK_TOKEN_REFUSALS: ReadonlySet<string> = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
]);
