import { checkMayChange } from '../../../core/access.js';
import { proposeRoutes } from '../../../core/portsipSetup.js';
import { overviewAfter, setRoute } from '../../../core/routes.js';
import { AppError } from '../../../errors.js';
import { errorMessage } from '../../ui/errors.js';
import { portsipNotConfiguredMessage, proposalValue, routeProposalsMessage } from '../../ui/portsip.js';
import { routeSetMessage } from '../../ui/routes.js';
import { type Interaction, logFailure } from '../context.js';

export async function portsipRoutesCommand(interaction: Interaction, request: { page?: number } = {}): Promise<void> {
  const { portsip, services, logger } = interaction.deps;
  if (!portsip) {
    await interaction.reply(portsipNotConfiguredMessage());
    return;
  }
  const proposals = await proposeRoutes({ portsip, routes: services.routes });
  if (!proposals.ok) {
    logFailure(logger, 'portsip routes', proposals.error);
    await interaction.reply(errorMessage(proposals.error, 'read PortSIP'));
    return;
  }
  await interaction.reply(routeProposalsMessage(proposals.value, request));
}

class ProposalGoneError extends AppError {
  constructor() {
    super('route proposal no longer offered', 'PortSIP no longer offers that configuration: run `/sms portsip` again.');
  }
}

/** "Use this route": the proposal is read again from PortSIP (the button carries its name, not its URL), then set. */
export async function usePortsipRouteCommand(interaction: Interaction, value: string): Promise<void> {
  const { portsip, services, logger } = interaction.deps;
  // Refused (and recorded) before anything else, as every admin button: before PortSIP is read (what it offers, or that
  // an offer is gone, is for those who may act) and before saying it is not configured (a non-admin's press of a button
  // kept from before PORTSIP_API_* were unset was neither refused as such nor in /sms audit).
  const allowed = await checkMayChange(services, interaction.actor, { action: 'route.set', target: 'a route PortSIP proposed' });
  if (!allowed.ok) {
    await interaction.reply(errorMessage(allowed.error, 'set the route'));
    return;
  }
  if (!portsip) {
    await interaction.reply(portsipNotConfiguredMessage());
    return;
  }
  const proposals = await proposeRoutes({ portsip, routes: services.routes });
  if (!proposals.ok) {
    await interaction.reply(errorMessage(proposals.error, 'read PortSIP'));
    return;
  }
  const chosen = proposals.value.find((p) => proposalValue(p) === value);
  if (!chosen) {
    await interaction.reply(errorMessage(new ProposalGoneError(), 'set the route'));
    return;
  }
  // The channel is kept as the route has it when written, not as read here before the awaits of the change.
  const result = await setRoute(services, interaction.actor, {
    number: chosen.number,
    portsipUrl: chosen.portsipUrl,
    slackChannel: undefined,
  });
  if (!result.ok) {
    logFailure(logger, 'portsip route', result.error);
    await interaction.reply(errorMessage(result.error, 'set the route'));
    return;
  }
  await interaction.reply(routeSetMessage(result.value, overviewAfter(services, result.value, interaction.deps.inboxChannel)));
}
