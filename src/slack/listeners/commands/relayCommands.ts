import { readInbox } from '../../../relay/inboxReading.js';
import { recentSchemaWarnings, relayStatus, replayDeliveries } from '../../../relay/operations.js';
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
  const { deps, actor } = interaction;
  const reading = await readInbox(deps.services, deps.relay, actor, number, deps.inboxChannel);
  if (!reading.ok) {
    await interaction.reply(errorMessage(reading.error, 'read the inbox'));
    return;
  }
  await interaction.reply(inboxMessage(reading.value, number));
}
