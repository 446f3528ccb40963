import { isSmsopsAdmin } from '../../../core/access.js';
import { readInbox, readInboxMessage } from '../../../relay/inboxReading.js';
import {
  type ReplayConfirmed,
  recentRejections,
  recentSchemaWarnings,
  relayStatus,
  replayDeliveries,
} from '../../../relay/operations.js';
import { ReplayOutdatedError } from '../../../relay/replayConfirmation.js';
import { errorMessage } from '../../ui/errors.js';
import { inboxMessageDetail } from '../../ui/inboxMessage.js';
import { inboxMessage } from '../../ui/inboxPage.js';
import { relayStatusMessage } from '../../ui/relay.js';
import { replayConfirmMessage, replayMessage, replayOutdatedMessage } from '../../ui/replay.js';
import { type Interaction, logFailure } from '../context.js';

export async function relayStatusCommand(interaction: Interaction, page?: number): Promise<void> {
  const { relay, services } = interaction.deps;
  // What destinations answered is a read-back channel for whoever set the route: an excerpt for admins only.
  const admin = await isSmsopsAdmin(services, interaction.actor);
  await interaction.reply(
    relayStatusMessage(relayStatus(relay), relay.now(), recentSchemaWarnings(relay), {
      showErrorExcerpt: admin.ok && admin.value,
      rejections: recentRejections(relay),
      ...(page !== undefined ? { page } : {}),
    }),
  );
}

/**
 * `/sms relay replay …`, and the "Send again" button of its confirmation (`confirmed`: what the question showed;
 * the answer replaces the question).
 */
export async function relayReplayCommand(interaction: Interaction, target: string, confirmed?: ReplayConfirmed): Promise<void> {
  const { services, relay } = interaction.deps;
  const result = await replayDeliveries(services, relay, interaction.actor, target, confirmed ? { confirmed } : {});
  const options = { replaceOriginal: confirmed !== undefined };
  if (!result.ok) {
    logFailure(interaction.deps.logger, 'relay replay', result.error);
    const error = result.error;
    const answer =
      error instanceof ReplayOutdatedError
        ? replayOutdatedMessage(error, interaction.actor.userId)
        : errorMessage(error, 'replay');
    await interaction.reply(answer, options);
    return;
  }
  const value = result.value;
  await interaction.reply(
    value.kind === 'confirm' ? replayConfirmMessage(value.message, value.delivered, value) : replayMessage(value),
    options,
  );
}

/** `/sms inbox [number | Wavix message id] [page n]`: a stored message's Wavix id shows that message and its deliveries. */
export async function inboxCommand(interaction: Interaction, number: string | undefined, page?: number): Promise<void> {
  const { deps, actor } = interaction;
  if (number !== undefined && page === undefined) {
    const message = await readInboxMessage(deps.services, deps.relay, actor, number, deps.inboxChannel);
    if (message) {
      await interaction.reply(inboxMessageDetail(message));
      return;
    }
  }
  const reading = await readInbox(deps.services, deps.relay, actor, number, deps.inboxChannel, page);
  if (!reading.ok) {
    await interaction.reply(errorMessage(reading.error, 'read the inbox'));
    return;
  }
  await interaction.reply(inboxMessage(reading.value, number));
}
