import { enableInboundSms, listNumbers } from '../../../core/numbers.js';
import { errorMessage } from '../../ui/errors.js';
import { inboundEnabledMessage, type NumberListRequest, numberListMessage } from '../../ui/numbers.js';
import { type Interaction, logFailure } from '../context.js';

export async function listNumbersCommand(interaction: Interaction, request: NumberListRequest = {}): Promise<void> {
  const overview = await listNumbers(interaction.deps.services);
  if (!overview.ok) {
    logFailure(interaction.deps.logger, 'number list', overview.error);
    await interaction.reply(errorMessage(overview.error, 'list the numbers', { readOnly: true }));
    return;
  }
  await interaction.reply(numberListMessage(overview.value, request));
}

export async function enableInboundCommand(
  interaction: Interaction,
  number: string,
  options: { replaceOriginal?: boolean } = {},
): Promise<void> {
  const result = await enableInboundSms(interaction.deps.services, interaction.actor, number);
  if (!result.ok) {
    logFailure(interaction.deps.logger, 'number enable-inbound', result.error);
    await interaction.reply(errorMessage(result.error, 'activate inbound SMS'));
    return;
  }
  await interaction.reply(inboundEnabledMessage(result.value), options);
}
