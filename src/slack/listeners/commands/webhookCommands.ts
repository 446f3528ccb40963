import { applyWebhookChange, planWebhookChange, type WebhookChangeRequest, webhookFingerprint } from '../../../core/webhooks.js';
import { errorMessage } from '../../ui/errors.js';
import { webhookConfirmMessage, webhookResultMessage } from '../../ui/webhooks.js';
import { type Interaction, logFailure } from '../context.js';

/**
 * `webhook set`: reads what is there first; a different URL (PortSIP's, say) is shown and must be confirmed before
 * it is replaced. The same path serves the "Point webhook at smsops" buttons. A change Wavix holds already is still
 * applied (nothing is written to Wavix): the watch learns it was meant, which a change cut by a crash never told it.
 */
export async function setWebhookCommand(interaction: Interaction, request: WebhookChangeRequest): Promise<void> {
  const { deps, actor } = interaction;
  const smsopsInbound = deps.services.smsopsWebhooks?.inbound ?? null;
  const plan = await planWebhookChange(deps.services, actor, request);
  if (!plan.ok) {
    logFailure(deps.logger, 'webhook set', plan.error);
    // The plan only read Wavix: nothing was asked to change yet.
    await interaction.reply(errorMessage(plan.error, 'set the webhook', { readOnly: true }));
    return;
  }
  if (plan.value.replaces.length > 0 && !plan.value.unchanged) {
    const seen = webhookFingerprint(plan.value.slots.find((s) => s.kind === 'inbound')?.current ?? null);
    await interaction.reply(
      webhookConfirmMessage(
        plan.value,
        { target: request.target, ...(request.url ? { url: request.url } : {}), seen },
        smsopsInbound,
      ),
    );
    return;
  }
  await applyAndReply(interaction, request, undefined);
}

export async function applyAndReply(
  interaction: Interaction,
  request: WebhookChangeRequest,
  confirmedCurrent: string | null | undefined,
  options: { replaceOriginal?: boolean } = {},
): Promise<void> {
  const { deps, actor } = interaction;
  const applied = await applyWebhookChange(deps.services, actor, { ...request, confirmedCurrent });
  if (!applied.ok) {
    logFailure(deps.logger, 'webhook set', applied.error);
    await interaction.reply(errorMessage(applied.error, 'set the webhook'), options);
    return;
  }
  await interaction.reply(webhookResultMessage(applied.value, deps.services.smsopsWebhooks?.inbound ?? null), options);
}
