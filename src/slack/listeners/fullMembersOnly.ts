import { checkMayUseSmsops } from '../../core/access.js';
import type { Result } from '../../errors.js';
import { errorMessage } from '../ui/errors.js';
import { type Interaction, logFailure, type SlackDeps } from './context.js';

/** Where it was asked, for the audit: the channel (a Slack Connect one tells whose), or the Home tab. */
const placeOf = (channelId: string | null) => channelId ?? 'App Home';

/**
 * Whether smsops answers this person at all (core/access.ts checkMayUseSmsops): full members of the workspace and the
 * people named in SLACK_ADMIN_USERS, SLACK_REPLY_USERS or SLACK_ALERT_USERS. `action` names what was asked
 * (`route.list`, `home.open`), recorded with a refusal.
 */
export function mayUseSmsops(deps: SlackDeps, userId: string, action: string, channelId: string | null): Promise<Result<void>> {
  return checkMayUseSmsops(deps.services, { userId }, { action, target: placeOf(channelId) });
}

/**
 * The one gate of `/sms` (all but help) and of the buttons that show the setup: refuses a guest, an outsider or a
 * deactivated account in words to them alone. True when refused: the caller then does nothing.
 */
export async function refusedToOutsider(
  interaction: Pick<Interaction, 'deps' | 'actor' | 'channelId' | 'reply'>,
  action: string,
  doing: string,
): Promise<boolean> {
  const allowed = await mayUseSmsops(interaction.deps, interaction.actor.userId, action, interaction.channelId);
  if (allowed.ok) return false;
  logFailure(interaction.deps.logger, doing, allowed.error);
  await interaction.reply(errorMessage(allowed.error, doing));
  return true;
}
