import { listRoutes, removeRoute, setRoute } from '../../../core/routes.js';
import { resolveChannel } from '../../channelLookup.js';
import { errorMessage } from '../../ui/errors.js';
import { type RouteListRequest, routeListMessage, routeRemovedMessage, routeSetMessage } from '../../ui/routes.js';
import { type Interaction, logFailure } from '../context.js';
import type { ChannelRef } from './parseCommand.js';

export async function setRouteCommand(
  interaction: Interaction,
  request: { number: string; url: string | null; channel: ChannelRef | null; follow?: 'url' | 'channel' },
): Promise<void> {
  const { channel, follow } = request;
  // A field not given is kept as the route has it; `default` in its place clears it.
  const result = await setRoute(interaction.deps.services, interaction.actor, {
    number: request.number,
    portsipUrl: follow === 'url' ? null : (request.url ?? undefined),
    slackChannel:
      follow === 'channel'
        ? null
        : channel === null
          ? undefined
          : 'id' in channel
            ? channel.id
            : () => resolveChannel(interaction.client, channel),
  });
  if (!result.ok) {
    logFailure(interaction.deps.logger, 'route set', result.error);
    await interaction.reply(errorMessage(result.error, 'save the route'));
    return;
  }
  const { services, inboxChannel } = interaction.deps;
  await interaction.reply(routeSetMessage(result.value, listRoutes(services, inboxChannel)));
}

export async function listRoutesCommand(interaction: Interaction, request: RouteListRequest = {}): Promise<void> {
  await interaction.reply(routeListMessage(listRoutes(interaction.deps.services, interaction.deps.inboxChannel), request));
}

export async function removeRouteCommand(interaction: Interaction, number: string): Promise<void> {
  const result = await removeRoute(interaction.deps.services, interaction.actor, number);
  if (!result.ok) {
    logFailure(interaction.deps.logger, 'route remove', result.error);
    await interaction.reply(errorMessage(result.error, 'remove the route'));
    return;
  }
  const { services, inboxChannel } = interaction.deps;
  await interaction.reply(routeRemovedMessage(result.value, listRoutes(services, inboxChannel)));
}
