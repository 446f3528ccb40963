import { formatPhoneForPeople } from '../../core/phone.js';
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

const currentLabel = (slot: WebhookSlot, smsopsInbound: string | null = null) =>
  slot.currentIsPreviousSmsops && slot.current !== null
    ? `${PREVIOUS_SMSOPS} ${code(maskUrl(slot.current))}`
    : webhookLabel(slot.current, slot.kind === 'inbound' && slot.current !== null && slot.current === smsopsInbound);

/** The command that points the plan's target at smsops again: the way back from pointing it elsewhere. */
const pointBackCommand = (plan: WebhookPlan) =>
  code(plan.target === 'default' ? '/sms webhook set' : `/sms webhook set ${formatPhoneForPeople(plan.target.e164)}`);

/** Whose SMS a webhook decides: every number following the account default, or one number. */
const whoseSms = (plan: WebhookPlan) =>
  plan.target === 'default' ? 'the SMS of every number without a webhook of its own' : `the SMS to ${plan.targetLabel}`;

/**
 * The inbound webhook would leave smsops (its current or previous secret's URL) for another URL: from then on smsops
 * receives none of those SMS, and, made through smsops, it is no drift, so nothing alerts. Said before the press.
 */
function leavesSmsops(plan: WebhookPlan, smsopsInbound: string | null): boolean {
  const inbound = plan.slots.find((s) => s.kind === 'inbound');
  return (
    inbound !== undefined &&
    inbound.next !== smsopsInbound &&
    (inbound.currentIsPreviousSmsops || (inbound.current !== null && inbound.current === smsopsInbound))
  );
}

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
      `• ${slotName(slot)}: ${currentLabel(slot, smsopsInbound)} → ${webhookLabel(slot.next, slot.next === smsopsInbound || slot.kind === 'dlr')}`,
  );
  const leaving = leavesSmsops(plan, smsopsInbound);
  // A rotation of WEBHOOK_SECRET: nothing of PortSIP's or anybody else's is replaced, so no word of keeping it.
  const rotation = plan.replaces.every((slot) => slot.currentIsPreviousSmsops);
  // Escaped once for both: the fallback text is mrkdwn too.
  const text = escapeMrkdwn(`Replace the webhook of ${plan.targetLabel}?`);
  const blocks: Block[] = [
    section(
      `:warning: *${text}* ${rotation ? `It points at ${PREVIOUS_SMSOPS}:` : leaving ? 'It points at smsops now:' : 'It points somewhere else now:'}\n${lines.join('\n')}${noteLine(plan)}`,
    ),
    ...(leaving && !rotation
      ? [
          section(
            `:rotating_light: After Replace, Wavix sends ${whoseSms(plan)} to that URL instead: smsops receives none of them (nothing relayed to PortSIP, nothing posted in Slack, and no alert, since a change made here is not drift) until ${pointBackCommand(plan)} points it back.`,
          ),
        ]
      : []),
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
  return {
    text,
    blocks: [section(`:white_check_mark: *${text}*\n${lines.join('\n')}${noteLine(plan)}`), ...wayBack(plan, smsopsInbound)],
  };
}

/**
 * What the change replaced and how to put it back: smsops' own URL with one command to copy; another URL (PortSIP's,
 * say) only masked, as Slack always shows it, so from where it was copied.
 */
function wayBack(plan: WebhookPlan, smsopsInbound: string | null): Block[] {
  const inbound = plan.slots.find((s) => s.kind === 'inbound');
  if (!inbound || inbound.current === inbound.next) return [];
  const was = `The inbound SMS webhook was ${currentLabel(inbound, smsopsInbound)}`;
  if (leavesSmsops(plan, smsopsInbound)) {
    return [context(`${was}. smsops now receives none of ${whoseSms(plan)}. To put it back: ${pointBackCommand(plan)}`)];
  }
  if (inbound.current === null) return [context(`${was} before (none).`)];
  const command =
    plan.target === 'default' ? '/sms webhook set default' : `/sms webhook set ${formatPhoneForPeople(plan.target.e164)}`;
  return [
    context(
      `${was} (shown masked, as everywhere in Slack). To put it back: ${code(`${command} <that URL>`)}, copied from where it came from (PortSIP: Message Channels → SMS/MMS → Copy Webhook); \`/sms audit\` keeps what it was.`,
    ),
  ];
}
