import type { InboundActivation, NumberState, NumbersOverview } from '../../core/numbers.js';
import { maskUrl } from '../../core/urls.js';
import { ACTION } from '../ids.js';
import { type Block, button, code, context, escapeMrkdwn, type SlackMessage, section } from './text.js';

/** A webhook URL for Slack: its token masked (it is a credential), as code so Slack does not link or unfurl it. */
export function webhookLabel(url: string | null, smsopsInbound: boolean): string {
  if (url === null) return '_none_';
  return smsopsInbound ? `smsops ${code(maskUrl(url))}` : code(maskUrl(url));
}

export function inboundLine(n: NumberState): string {
  if (!n.inboundPossible) return n.smsEnabled ? 'SMS: enabled (send) · inbound: not available outside US/CA' : 'SMS: off';
  return n.inboundActive ? 'inbound SMS: active' : 'inbound SMS: *not active*';
}

export function webhookLine(n: NumberState, smsopsUrlKnown: boolean): string {
  if (!n.inboundActive && !n.numberWebhook) return '';
  const source =
    n.webhookSource === 'number'
      ? 'own webhook (overrides the default)'
      : n.webhookSource === 'account'
        ? 'account default'
        : 'no webhook';
  const mark =
    n.effectiveWebhook === null || !smsopsUrlKnown ? '' : n.pointsAtSmsops ? ' :white_check_mark:' : ' :warning: *not smsops*';
  return `\n→ ${source}: ${webhookLabel(n.effectiveWebhook, n.pointsAtSmsops)}${mark}`;
}

function numberBlocks(n: NumberState, overview: NumbersOverview): Block[] {
  const label = n.label ? ` · ${escapeMrkdwn(n.label)}` : '';
  const blocks: Block[] = [
    section(`*${escapeMrkdwn(n.display)}* (${n.country})${label}\n${inboundLine(n)}${webhookLine(n, overview.smsopsUrlKnown)}`),
  ];
  const buttons = [];
  if (n.inboundPossible && !n.inboundActive) {
    buttons.push(button({ text: 'Enable inbound SMS', actionId: ACTION.enableInbound, value: n.e164, style: 'primary' }));
  }
  if (n.inboundActive && overview.smsopsUrlKnown && !n.pointsAtSmsops) {
    buttons.push(button({ text: 'Point webhook at smsops', actionId: ACTION.pointWebhookAtSmsops, value: n.e164 }));
  }
  if (buttons.length > 0) blocks.push({ type: 'actions', block_id: `number:${n.e164}`, elements: buttons });
  return blocks;
}

export function numberListMessage(overview: NumbersOverview): SlackMessage {
  const header = `*Account default inbound webhook*: ${webhookLabel(overview.accountWebhook, overview.accountPointsAtSmsops)}${
    overview.accountWebhook && overview.smsopsUrlKnown && !overview.accountPointsAtSmsops ? ' :warning: *not smsops*' : ''
  }`;
  const blocks: Block[] = [section(header)];
  if (overview.smsopsUrlKnown && !overview.accountPointsAtSmsops) {
    blocks.push({
      type: 'actions',
      block_id: 'number:default',
      elements: [button({ text: 'Point default at smsops', actionId: ACTION.pointWebhookAtSmsops, value: 'default' })],
    });
  }
  if (!overview.smsopsUrlKnown)
    blocks.push(context('PUBLIC_BASE_URL is not set, so smsops cannot tell whether a webhook points at it.'));
  // 50 blocks per message: numbers beyond what fits are counted, not silently dropped.
  let shown = 0;
  for (const n of overview.numbers) {
    const more = numberBlocks(n, overview);
    if (blocks.length + more.length > 48) break;
    blocks.push(...more);
    shown += 1;
  }
  if (shown < overview.numbers.length) blocks.push(context(`${overview.numbers.length - shown} more numbers are not shown.`));
  if (overview.numbers.length === 0) blocks.push(section('There are no numbers on this Wavix account.'));
  return { text: `${overview.numbers.length} numbers on the Wavix account`, blocks };
}

export function inboundEnabledMessage(result: InboundActivation): SlackMessage {
  // Escaped once for both: the fallback text is mrkdwn too.
  const text = escapeMrkdwn(
    result.alreadyActive
      ? `Inbound SMS was already active on ${result.number.display}.`
      : `Inbound SMS is now active on ${result.number.display}.`,
  );
  const next = result.number.pointsAtSmsops
    ? 'Its inbound messages reach smsops.'
    : `Its inbound webhook is ${webhookLabel(result.number.effectiveWebhook, false)}; \`/sms webhook set ${result.number.e164}\` points it at smsops.`;
  return { text, blocks: [section(`:white_check_mark: ${text}`), context(next)] };
}
