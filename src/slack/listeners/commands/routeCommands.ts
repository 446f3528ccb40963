import { listRoutes, removeRoute, setRoute } from '../../../core/routes.js';
import { errorMessage } from '../../ui/errors.js';
import { routeListMessage, routeRemovedMessage, routeSetMessage } from '../../ui/routes.js';
import { type Interaction, logFailure } from '../context.js';

export async function setRouteCommand(
  interaction: Interaction,
  request: { number: string; url: string | null; channel: string | null },
): Promise<void> {
  const result = await setRoute(interaction.deps.services, interaction.actor, {
    number: request.number,
    portsipUrl: request.url,
    slackChannel: request.channel,
  });
  if (!result.ok) {
    logFailure(interaction.deps.logger, 'route set', result.error);
    await interaction.reply(errorMessage(result.error, 'save the route'));
    return;
  }
  await interaction.reply(routeSetMessage(result.value));
}

export async function listRoutesCommand(interaction: Interaction): Promise<void> {
  await interaction.reply(routeListMessage(listRoutes(interaction.deps.services)));
}

export async function removeRouteCommand(interaction: Interaction, number: string): Promise<void> {
  const result = await removeRoute(interaction.deps.services, interaction.actor, number);
  if (!result.ok) {
    logFailure(interaction.deps.logger, 'route remove', result.error);
    await interaction.reply(errorMessage(result.error, 'remove the route'));
    return;
  }
  await interaction.reply(routeRemovedMessage(result.value));
}
