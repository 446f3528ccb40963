import { SLACK_TOKEN_REFUSALS } from '../slackToken.js';
import type { ChannelMembership } from './types.js';

/** Slack refused the bot token itself (token_revoked, invalid_auth…): no channel's fault, and no invite fixes it. */
export const isTokenRefused = (seen: ChannelMembership): boolean => !seen.ok && SLACK_TOKEN_REFUSALS.has(seen.error);

/** What fixes a refused bot token, in the words every channel finding uses. */
export const TOKEN_FIX =
  'Reinstall the Slack app to the workspace (or ask its owner to), put its Bot User OAuth Token in SLACK_BOT_TOKEN and restart smsops.';

/** "Slack refuses smsops’ bot token (token_revoked): …": once for however many channels it kept from being checked. */
export function tokenRefusedReason(codes: readonly string[], channels: number): string {
  const what = channels === 1 ? 'the channel could not be checked' : `none of the ${channels} channels could be checked`;
  return `Slack refuses smsops’ bot token (${[...new Set(codes)].join(', ')}): ${what}, and nothing smsops posts reaches Slack. ${TOKEN_FIX}`;
}
