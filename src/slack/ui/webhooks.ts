import { maskUrl } from '../../core/urls.js';
import type { WebhookPlan, WebhookSlot } from '../../core/webhooks.js';
import { ACTION } from '../ids.js';
import { webhookLabel } from './numbers.js';
import { type Block, button, code, context, escapeMrkdwn, type SlackMessage, section } from './text.js';

/** What the confirm button carries back: the request, and a fingerprint of the URL the user saw (not the URL: it holds a credential). */
export interface WebhookConfirmation {
  target: string;
  url?: string;
  /** `webhookFingerprint` of Wavix's inbound URL when the confirmation was shown; the change is refused if it changed since. */
  seen: string | null;
}

const noteLine = (plan: WebhookPlan) => (plan.destinationNote ? `\n:warning: ${escapeMrkdwn(plan.destinationNote)}` : '');

const slotName = (slot: WebhookSlot) => (slot.kind === 'inbound' ? 'inbound SMS webhook' : 'delivery report webhook');

const PREVIOUS_SMSOPS = 'smsops’ URL with its previous webhook secret';

const currentLabel = (slot: WebhookSlot) =>
  slot.currentIsPreviousSmsops && slot.current !== null
    ? `${PREVIOUS_SMSOPS} ${code(maskUrl(slot.current))}`
    : webhookLabel(slot.current, false);

/**
 * The question before replacing a different URL (PortSIP's, say): the old one first, then the new one.
 * The button value holds the full request, which stays inside Slack's message (never logged by smsops).
 */
export function webhookConfirmMessage(
  plan: WebhookPlan,
  confirmation: WebhookConfirmation,
  smsopsInbound: string | null,
): SlackMessage {
  const lines = plan.slots.map(
    (slot) =>
      `• ${slotName(slot)}: ${currentLabel(slot)} → ${webhookLabel(slot.next, slot.next === smsopsInbound || slot.kind === 'dlr')}`,
  );
  // A rotation of WEBHOOK_SECRET: nothing of PortSIP's or anybody else's is replaced, so no word of keeping it.
  const rotation = plan.replaces.every((slot) => slot.currentIsPreviousSmsops);
  // Escaped once for both: the fallback text is mrkdwn too.
  const text = escapeMrkdwn(`Replace the webhook of ${plan.targetLabel}?`);
  const blocks: Block[] = [
    section(
      `:warning: *${text}* ${rotation ? `It points at ${PREVIOUS_SMSOPS}:` : 'It points somewhere else now:'}\n${lines.join('\n')}${noteLine(plan)}`,
    ),
    context(
      rotation
        ? 'Replace moves it to smsops’ URL with the current secret. smsops takes both until WEBHOOK_SECRET_PREVIOUS is emptied.'
        : 'If the old URL is PortSIP’s, keep it as a route (`/sms route set …`) so smsops relays the messages there.',
    ),
    {
      type: 'actions',
      elements: [
        button({ text: 'Replace', actionId: ACTION.confirmWebhook, value: JSON.stringify(confirmation), style: 'danger' }),
        button({ text: 'Cancel', actionId: ACTION.cancelWebhook, value: 'cancel' }),
      ],
    },
  ];
  return { text, blocks };
}

export function webhookResultMessage(plan: WebhookPlan, smsopsInbound: string | null): SlackMessage {
  if (plan.unchanged) {
    const text = escapeMrkdwn(`The webhook of ${plan.targetLabel} already points there; nothing changed.`);
    return { text, blocks: [section(`:white_check_mark: ${text}`)] };
  }
  const lines = plan.slots.map(
    (slot) => `• ${slotName(slot)}: ${webhookLabel(slot.next, slot.next === smsopsInbound || slot.kind === 'dlr')}`,
  );
  const text = escapeMrkdwn(`Webhook of ${plan.targetLabel} updated on Wavix.`);
  return { text, blocks: [section(`:white_check_mark: *${text}*\n${lines.join('\n')}${noteLine(plan)}`)] };
}
