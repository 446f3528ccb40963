import { formatPhoneForPeople } from '../../core/phone.js';
import { maskUrl } from '../../core/urls.js';
import type { DestinationStatus, InboxEntry, RelayStatus, ReplayResult } from '../../relay/operations.js';
import type { Delivery, FailingDelivery } from '../../store/repositories/deliveries.js';
import type { InboundMessage } from '../../store/repositories/inbound.js';
import { ACTION } from '../ids.js';
import { type Block, button, clip, code, context, escapeMrkdwn, formatTime, type SlackMessage, section } from './text.js';

const destination = (kind: 'portsip' | 'slack', value: string) =>
  kind === 'portsip' ? `PortSIP ${code(maskUrl(value))}` : `Slack <#${value}>`;

const age = (ms: number) =>
  ms < 60_000
    ? `${Math.round(ms / 1000)} s`
    : ms < 3_600_000
      ? `${Math.round(ms / 60_000)} min`
      : `${(ms / 3_600_000).toFixed(1)} h`;

/**
 * An error as recorded for a destination, fit for mrkdwn: the destination's own URL (its last segment is PortSIP's
 * credential) replaced by its masked form wherever the error quotes it, escaped, one line, clipped.
 */
function errorText(error: string, d: Pick<DestinationStatus, 'destinationKind' | 'destination'>): string {
  let text = error;
  if (d.destinationKind === 'portsip') {
    const masked = maskUrl(d.destination);
    for (const form of [d.destination, encodeURI(d.destination), d.destination.replaceAll(' ', '%20')]) {
      if (form) text = text.split(form).join(masked);
    }
  }
  return escapeMrkdwn(clip(text.replace(/\s+/g, ' '), 200));
}

const person = (digits: string) => escapeMrkdwn(formatPhoneForPeople(`+${digits.replace(/^\+/, '')}`));

function failingLine(f: FailingDelivery, d: DestinationStatus, now: number): string {
  const when = f.lastAttemptAt !== null ? `${age(now - f.lastAttemptAt)} ago` : 'not tried yet';
  const state = f.status === 'dead' ? 'dead' : `${f.attempts} attempt${f.attempts === 1 ? '' : 's'}`;
  return `   ◦ ${code(f.wavixMessageId)} to ${person(f.toNumber)}: ${state}, last ${when}: ${errorText(f.lastError, d)}`;
}

function destinationLines(d: DestinationStatus, now: number): string {
  const head = `• ${destination(d.destinationKind, d.destination)}: ${d.pending} pending${
    d.oldestPendingCreatedAt !== null ? ` (oldest ${age(now - d.oldestPendingCreatedAt)})` : ''
  }, ${d.dead} dead, last success ${d.lastDeliveredAt !== null ? formatTime(d.lastDeliveredAt) : 'never'}`;
  return [head, ...d.failing.map((f) => failingLine(f, d, now))].join('\n');
}

export function relayStatusMessage(status: RelayStatus, now: number): SlackMessage {
  const headline =
    status.pending === 0 && status.dead === 0
      ? ':white_check_mark: Nothing waiting: every inbound message was delivered.'
      : `${status.pending > 0 ? `:hourglass_flowing_sand: ${status.pending} waiting (oldest ${age(status.oldestPendingAgeMs ?? 0)})` : 'Nothing waiting'}${
          status.dead > 0 ? ` · :rotating_light: ${status.dead} dead (\`/sms relay replay dead\`)` : ''
        }`;
  const blocks: Block[] = [section(`*Relay*\n${headline}`)];
  // One section per destination (each within Slack's 3,000 characters), at most 40.
  for (const d of status.destinations.slice(0, 40)) blocks.push(section(destinationLines(d, now)));
  if (status.destinations.length === 0) blocks.push(context('No inbound message has been relayed yet.'));
  if (status.destinations.some((d) => d.failing.length > 0)) {
    blocks.push(
      context(
        'To fix a wrong destination: `/sms route set <number or default> <PortSIP URL> [#channel]` moves the pending and dead deliveries of those numbers to the new route and sends them now. Once the destination itself works again, `/sms relay replay dead` sends the dead ones again; `/sms relay replay <id>` one message.',
      ),
    );
  }
  return { text: `Relay: ${status.pending} pending, ${status.dead} dead`, blocks };
}

export function replayMessage(result: Extract<ReplayResult, { kind: 'replayed' }>): SlackMessage {
  const moved = result.moved > 0 ? ` (${result.moved} to the route in force now)` : '';
  const text =
    result.scope === 'dead'
      ? `${result.replayed} dead deliver${result.replayed === 1 ? 'y' : 'ies'} queued again${moved}.`
      : `Message ${result.scope.wavixMessageId} queued again to ${result.replayed} destination${result.replayed === 1 ? '' : 's'}${moved}.`;
  return {
    text,
    blocks: [
      section(`:repeat: ${escapeMrkdwn(text)}`),
      context('Each gets a fresh retry window. `/sms relay status` shows the progress.'),
    ],
  };
}

/** What the confirm button carries back: the message's Wavix id (not secret). */
export interface ReplayConfirmation {
  target: string;
}

export function replayConfirmMessage(message: InboundMessage, delivered: number): SlackMessage {
  const text = `Message ${message.wavixMessageId} was delivered already. Send it again?`;
  const confirmation: ReplayConfirmation = { target: message.wavixMessageId };
  return {
    text,
    blocks: [
      section(
        `:warning: *Message ${code(message.wavixMessageId)}* from ${person(message.fromNumber)} to ${person(message.toNumber)} (${formatTime(
          message.ingestedAt,
        )}) was delivered already to ${delivered} destination${delivered === 1 ? '' : 's'}. Sending it again makes a duplicate there; the Slack post is marked as replayed.`,
      ),
      {
        type: 'actions',
        elements: [
          button({ text: 'Send again', actionId: ACTION.confirmReplay, value: JSON.stringify(confirmation), style: 'danger' }),
          button({ text: 'Cancel', actionId: ACTION.cancelReplay, value: 'cancel' }),
        ],
      },
    ],
  };
}

const DELIVERY_ICON: Record<Delivery['status'], string> = {
  delivered: ':white_check_mark:',
  pending: ':hourglass_flowing_sand:',
  in_flight: ':arrows_counterclockwise:',
  dead: ':rotating_light:',
};

function deliveryLine(d: Delivery): string {
  const where = d.destinationKind === 'portsip' ? 'PortSIP' : 'Slack';
  const why = d.status !== 'delivered' && d.lastError ? ` (${escapeMrkdwn(clip(d.lastError, 120))})` : '';
  return `${DELIVERY_ICON[d.status]} ${where} ${d.status}${why}`;
}

export function inboxMessage(entries: readonly InboxEntry[], number?: string): SlackMessage {
  if (entries.length === 0) {
    return {
      text: 'No inbound messages yet.',
      blocks: [section(`No inbound messages${number ? ` to ${escapeMrkdwn(number)}` : ''} yet.`)],
    };
  }
  const blocks: Block[] = entries
    .slice(0, 20)
    .map(({ message, deliveries }) =>
      section(
        `*${escapeMrkdwn(formatPhoneForPeople(`+${message.fromNumber}`))}* → ${escapeMrkdwn(formatPhoneForPeople(`+${message.toNumber}`))} · ${formatTime(
          message.ingestedAt,
        )} · ${message.messageType.toUpperCase()}${message.media?.length ? ` (${message.media.length} media)` : ''}\n${clip(
          escapeMrkdwn(message.text) || '_(no text)_',
          600,
        )}\n${deliveries.map(deliveryLine).join(' · ') || '_no destination_'} · id ${code(message.wavixMessageId)}`,
      ),
    );
  return {
    text: `${entries.length} recent inbound messages`,
    blocks: [section(`*Inbox*${number ? ` for ${escapeMrkdwn(number)}` : ''}`), ...blocks],
  };
}
