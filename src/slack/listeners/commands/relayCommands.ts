import { recentInbox, relayStatus, replayDeliveries } from '../../../relay/operations.js';
import { errorMessage } from '../../ui/errors.js';
import { inboxMessage, relayStatusMessage, replayConfirmMessage, replayMessage } from '../../ui/relay.js';
import { type Interaction, logFailure } from '../context.js';

export async function relayStatusCommand(interaction: Interaction): Promise<void> {
  const { relay } = interaction.deps;
  await interaction.reply(relayStatusMessage(relayStatus(relay), relay.now()));
}

/** `/sms relay replay …`, and the "Send again" button of its confirmation (`confirmed`, replacing the question). */
export async function relayReplayCommand(interaction: Interaction, target: string, confirmed = false): Promise<void> {
  const result = await replayDeliveries(interaction.deps.services, interaction.deps.relay, interaction.actor, target, {
    confirmed,
  });
  const options = { replaceOriginal: confirmed };
  if (!result.ok) {
    logFailure(interaction.deps.logger, 'relay replay', result.error);
    await interaction.reply(errorMessage(result.error, 'replay'), options);
    return;
  }
  const value = result.value;
  await interaction.reply(
    value.kind === 'confirm' ? replayConfirmMessage(value.message, value.delivered) : replayMessage(value),
    options,
  );
}

export async function inboxCommand(interaction: Interaction, number: string | undefined): Promise<void> {
  const entries = recentInbox(interaction.deps.relay, number);
  if (!entries.ok) {
    await interaction.reply(errorMessage(entries.error, 'read the inbox'));
    return;
  }
  await interaction.reply(inboxMessage(entries.value, number));
}
