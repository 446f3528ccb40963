import { formatPhoneForPeople } from '../../core/phone.js';
import { maskUrl } from '../../core/urls.js';
import type { InboxLine, InboxReading, TextHidden } from '../../relay/inboxReading.js';
import type { RelayStatus, ReplayResult } from '../../relay/operations.js';
import type { DeliveryStatus } from '../../store/repositories/deliveries.js';
import type { SchemaWarningSummary } from '../../store/repositories/schemaWarnings.js';
import { type Block, clip, code, context, escapeMrkdwn, formatTime, type SlackMessage, section } from './text.js';

const destination = (kind: 'portsip' | 'slack', value: string) =>
  kind === 'portsip' ? `PortSIP ${code(maskUrl(value))}` : `Slack <#${value}>`;

const age = (ms: number) =>
  ms < 60_000
    ? `${Math.round(ms / 1000)} s`
    : ms < 3_600_000
      ? `${Math.round(ms / 60_000)} min`
      : `${(ms / 3_600_000).toFixed(1)} h`;

/** "3 webhooks in the last 24 h had unexpected fields (…), most often: `message_type null` ×2, …"; null if none. */
export function schemaWarningsLine(summary: SchemaWarningSummary): string | null {
  if (summary.webhooks === 0) return null;
  const count = `${summary.atLeast ? 'At least ' : ''}${summary.webhooks} webhook${summary.webhooks === 1 ? '' : 's'}`;
  const top = summary.top.map((t) => `${code(clip(t.problem, 80))} ×${t.count}`).join(', ');
  return `:warning: ${count} in the last 24 h had unexpected fields (stored and relayed unchanged), most often: ${top}`;
}

export function relayStatusMessage(status: RelayStatus, now: number, warnings?: SchemaWarningSummary): SlackMessage {
  const headline =
    status.pending === 0 && status.dead === 0
      ? ':white_check_mark: Nothing waiting: every inbound message was delivered.'
      : `${status.pending > 0 ? `:hourglass_flowing_sand: ${status.pending} waiting (oldest ${age(status.oldestPendingAgeMs ?? 0)})` : 'Nothing waiting'}${
          status.dead > 0 ? ` · :rotating_light: ${status.dead} dead (\`/sms relay replay dead\`)` : ''
        }`;
  const lines = status.destinations.map(
    (d) =>
      `• ${destination(d.destinationKind, d.destination)}: ${d.pending} pending${
        d.oldestPendingCreatedAt !== null ? ` (oldest ${age(now - d.oldestPendingCreatedAt)})` : ''
      }, ${d.dead} dead, last success ${d.lastDeliveredAt !== null ? formatTime(d.lastDeliveredAt) : 'never'}`,
  );
  const blocks: Block[] = [section(`*Relay*\n${headline}`)];
  if (lines.length > 0) blocks.push(section(lines.slice(0, 40).join('\n')));
  else blocks.push(context('No inbound message has been relayed yet.'));
  const warned = warnings && schemaWarningsLine(warnings);
  if (warned) blocks.push(context(warned));
  return { text: `Relay: ${status.pending} pending, ${status.dead} dead`, blocks };
}

export function replayMessage(result: ReplayResult): SlackMessage {
  const text =
    result.scope === 'dead'
      ? `${result.requeued} dead deliver${result.requeued === 1 ? 'y' : 'ies'} queued again.`
      : `Message ${result.scope.wavixMessageId} queued again to ${result.requeued} destination${result.requeued === 1 ? '' : 's'}.`;
  return { text, blocks: [section(`:repeat: ${escapeMrkdwn(text)}`), context('`/sms relay status` shows the progress.')] };
}

const DELIVERY_ICON: Record<DeliveryStatus, string> = {
  delivered: ':white_check_mark:',
  pending: ':hourglass_flowing_sand:',
  in_flight: ':arrows_counterclockwise:',
  dead: ':rotating_light:',
};

function deliveryLine(d: InboxLine['deliveries'][number]): string {
  const where = d.kind === 'portsip' ? 'PortSIP' : 'Slack';
  const why = d.answer ? ` (${escapeMrkdwn(d.answer)})` : '';
  return `${DELIVERY_ICON[d.status]} ${where} ${d.status}${why}`;
}

function hiddenText(hidden: TextHidden): string {
  const where = hidden.channel ? `<#${hidden.channel}>` : 'no channel';
  return hidden.reason === 'not-member'
    ? `_text hidden: you are not in ${where}, where it was posted_`
    : `_text hidden: smsops could not check that you are in ${where} (${escapeMrkdwn(hidden.why)})_`;
}

function lineBlock(line: InboxLine): Block {
  const from = line.fromNumber === null ? '_hidden sender_' : `*${escapeMrkdwn(formatPhoneForPeople(`+${line.fromNumber}`))}*`;
  const body = line.hidden ? hiddenText(line.hidden) : clip(escapeMrkdwn(line.text ?? '') || '_(no text)_', 600);
  return section(
    `${from} → ${escapeMrkdwn(formatPhoneForPeople(`+${line.toNumber}`))} · ${formatTime(line.ingestedAt)} · ${line.messageType.toUpperCase()}${
      line.mediaCount > 0 ? ` (${line.mediaCount} media)` : ''
    }\n${body}\n${line.deliveries.map(deliveryLine).join(' · ') || '_no destination_'} · id ${code(line.wavixMessageId)}`,
  );
}

export function inboxMessage(reading: InboxReading, number?: string): SlackMessage {
  const { lines } = reading;
  if (lines.length === 0) {
    return {
      text: 'No inbound messages yet.',
      blocks: [section(`No inbound messages${number ? ` to ${escapeMrkdwn(number)}` : ''} yet.`)],
    };
  }
  const hidden = lines.filter((l) => l.hidden).length;
  const blocks: Block[] = [
    section(`*Inbox*${number ? ` for ${escapeMrkdwn(number)}` : ''}`),
    ...lines.slice(0, 20).map(lineBlock),
  ];
  if (hidden > 0) {
    blocks.push(
      context(
        `The text and sender of ${hidden} message${hidden === 1 ? ' is' : 's are'} hidden: SMS text is personal data, shown to smsops admins and to the members of the channel it is posted in. Ask to be added to that channel.`,
      ),
    );
  }
  if (!reading.admin && lines.some((l) => l.deliveries.some((d) => d.kind === 'portsip' && d.answer))) {
    blocks.push(context('What PortSIP answered is shown to smsops admins only; here, its HTTP status.'));
  }
  return { text: `${lines.length} recent inbound messages${hidden > 0 ? ` (${hidden} hidden)` : ''}`, blocks };
}
