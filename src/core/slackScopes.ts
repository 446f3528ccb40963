/**
 * The bot scopes smsops asks for in manifest.yml, with what stops working without each (a test keeps this list and
 * the manifest's the same). `/sms doctor` compares them with the scopes Slack says the bot token has.
 */
export const REQUIRED_BOT_SCOPES = {
  commands: 'the `/sms` command',
  'chat:write': 'replies, alerts and relayed SMS posts',
  'files:write': 'the traffic chart',
  'channels:read': 'who may read SMS in public channels',
  'groups:read': 'who may read SMS in private channels',
  'users:read': 'telling admins and guests',
  'channels:history': 'replies from SMS threads in public channels',
  'groups:history': 'replies from SMS threads in private channels',
} as const;

export type RequiredBotScope = keyof typeof REQUIRED_BOT_SCOPES;

/** The required scopes a token lacks, in the manifest's order. */
export function missingBotScopes(granted: readonly string[]): RequiredBotScope[] {
  const has = new Set(granted);
  return (Object.keys(REQUIRED_BOT_SCOPES) as RequiredBotScope[]).filter((scope) => !has.has(scope));
}
