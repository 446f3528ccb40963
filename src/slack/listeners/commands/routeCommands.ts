import { channelCheck } from '../../../core/doctor/relayAndChannels.js';
import { RATE_LIMITED } from '../../../core/doctor/types.js';
import { listRoutes, overviewAfter, removeRoute, setRoute } from '../../../core/routes.js';
import { undoRouteChange } from '../../../core/routeUndo.js';
import { resolveChannel } from '../../channelLookup.js';
import { oneChannelMembership } from '../../doctorChannels.js';
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
  const warning = await channelWarning(
    interaction,
    channel !== null && follow !== 'channel' ? result.value.value.slackChannel : null,
  );
  const undo = interaction.deps.routeUndos?.hold(result.value, false);
  await interaction.reply(routeSetMessage(result.value, overviewAfter(services, result.value, inboxChannel), warning, undo));
}

/**
 * What doctor would say of the route's new channel, when it is not fine (archived, the bot not in it, unknown): a
 * channel given by its id was saved without a word, and its SMS then failed to post. Saved all the same (the bot may be
 * invited next); a check Slack could not answer says nothing.
 */
async function channelWarning(interaction: Interaction, channel: string | null): Promise<string | undefined> {
  if (!channel) return undefined;
  const seen = await oneChannelMembership(interaction.client, channel);
  if (!seen.ok && seen.error === RATE_LIMITED) return undefined;
  const check = channelCheck(channel, ['this route'], seen);
  return check.status === 'ok' ? undefined : check.reason;
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
  const undo = interaction.deps.routeUndos?.hold(result.value, true);
  await interaction.reply(routeRemovedMessage(result.value, overviewAfter(services, result.value, inboxChannel), undo));
}

/** "Put back" on a route change's answer: the route it replaced, again (or the new one removed). */
export async function undoRouteCommand(interaction: Interaction, token: string): Promise<void> {
  const { services, inboxChannel, routeUndos } = interaction.deps;
  if (!routeUndos) return;
  const result = await undoRouteChange(services, interaction.actor, routeUndos, token);
  if (!result.ok) {
    logFailure(interaction.deps.logger, 'route put back', result.error);
    await interaction.reply(errorMessage(result.error, 'put the route back'), { replaceOriginal: true });
    return;
  }
  const { change, removed } = result.value;
  const overview = overviewAfter(services, change, inboxChannel);
  const again = routeUndos.hold(change, removed);
  await interaction.reply(
    removed ? routeRemovedMessage(change, overview, again) : routeSetMessage(change, overview, undefined, again),
    // The answer with the spent button gives way to what was done, with a button of its own (a redo).
    { replaceOriginal: true },
  );
}
