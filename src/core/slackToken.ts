/** Slack's answers that mean the bot token itself is refused, not that Slack could not be reached. */
export const SLACK_TOKEN_REFUSALS: ReadonlySet<string> = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
]);

/**
 * Slack's own word that SLACK_BOT_TOKEN is gone for good: the app was uninstalled, or its bot token revoked. Slack's
 * docs call both Events API events needing no scope; that Socket Mode's socket carries them as it carries every Events
 * API event is our reading, not seen against real Slack. An uninstall sends both, in no set order. Unlike a refused call, no retry can meet a token that works again; a
 * reinstall gives a new token, which smsops takes only from SLACK_BOT_TOKEN at its next start.
 */
export type SlackTokenRevocation = 'app_uninstalled' | 'tokens_revoked';

/** What the operator is told of a revocation, in /healthz and the log: what happened and how to come back. */
export function slackTokenRevocationWords(by: SlackTokenRevocation): string {
  const what =
    by === 'app_uninstalled'
      ? 'The Slack app was uninstalled from the workspace (app_uninstalled): its bot token SLACK_BOT_TOKEN is revoked'
      : 'Slack revoked the app’s bot token SLACK_BOT_TOKEN (tokens_revoked)';
  return `${what}; nothing reaches Slack (relayed SMS wait in the outbox, alerts and answers are not posted) until the app is reinstalled and smsops restarted with the new Bot User OAuth Token as SLACK_BOT_TOKEN (OAuth & Permissions); the relay to PortSIP goes on`;
}
