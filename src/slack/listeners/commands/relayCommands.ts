import { recentInbox, recentSchemaWarnings, relayStatus, replayDeliveries } from '../../../relay/operations.js';
import { errorMessage } from '../../ui/errors.js';
import { inboxMessage, relayStatusMessage, replayMessage } from '../../ui/relay.js';
import { type Interaction, logFailure } from '../context.js';

export async function relayStatusCommand(interaction: Interaction): Promise<void> {
  const { relay } = interaction.deps;
  await interaction.reply(relayStatusMessage(relayStatus(relay), relay.now(), recentSchemaWarnings(relay)));
}

export async function relayReplayCommand(interaction: Interaction, target: string): Promise<void> {
  const result = await replayDeliveries(interaction.deps.services, interaction.deps.relay, interaction.actor, target);
  if (!result.ok) {
    logFailure(interaction.deps.logger, 'relay replay', result.error);
    await interaction.reply(errorMessage(result.error, 'replay'));
    return;
  }
  await interaction.reply(replayMessage(result.value));
}

export async function inboxCommand(interaction: Interaction, number: string | undefined): Promise<void> {
  const entries = recentInbox(interaction.deps.relay, number);
  if (!entries.ok) {
    await interaction.reply(errorMessage(entries.error, 'read the inbox'));
    return;
  }
  await interaction.reply(inboxMessage(entries.value, number));
}
