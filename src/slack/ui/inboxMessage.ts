import type { InboxMessageDelivery, InboxMessageReading } from '../../relay/inboxReading.js';
import { deliveryLine, hiddenText } from './inboxPage.js';
import { mediaList } from './mediaLinks.js';
import { deliveryErrorInWords, person } from './relay.js';
import { characterCount, smsTextBlocks } from './smsText.js';
import { type Block, code, context, escapeMrkdwn, type SlackMessage, section, slackTime } from './text.js';

/** Characters of the media list: a section holds 3,000. */
const MEDIA_LIST_UNITS = 2_900;

/** Characters of the text shown: the whole text is in its Slack post. */
const EXCERPT_UNITS = 2_000;

/** What happened to one delivery besides where it stands now, one line each; none for a delivery with no history. */
function historyLines(h: InboxMessageDelivery | undefined, kind: 'portsip' | 'slack', destination?: string | null): string[] {
  if (!h) return [];
  const lines: string[] = [];
  const where = kind === 'portsip' ? 'PortSIP' : 'Slack';
  if (h.failure) {
    // Fixed words only: the recorded error can quote the route URL; what was answered is on the line above, as allowed.
    const words = deliveryErrorInWords(h.failure, kind, destination ?? undefined);
    lines.push(`Last error${h.lastAttemptAt !== null ? ` (${slackTime(h.lastAttemptAt)})` : ''}: ${words}`);
  } else if (h.lastAttemptAt !== null) lines.push(`Last attempt ${slackTime(h.lastAttemptAt)}`);
  if (h.nextAttemptAt !== null) lines.push(`Next attempt ${slackTime(h.nextAttemptAt)}`);
  if (h.deadAt !== null) lines.push(`Given up ${slackTime(h.deadAt)}`);
  if (h.replayedAt !== null) lines.push(`:repeat: Sent again by an operator (\`/sms relay replay\`) ${slackTime(h.replayedAt)}`);
  if (h.releasedAt !== null)
    lines.push(
      `:warning: Sent again after smsops stopped during an attempt (${slackTime(h.releasedAt)}): ${where} may have got it twice`,
    );
  return lines;
}

/**
 * `/sms inbox <Wavix id>`: one message, both of its arrival times named, its text as the inbox shows it (or why it is
 * hidden), and each delivery: where, how it stands, and what happened to it (its last error, a replay, an attempt
 * smsops stopped during).
 */
export function inboxMessageDetail(reading: InboxMessageReading): SlackMessage {
  const { line, history } = reading;
  const from = line.fromNumber === null ? '_hidden sender_' : `*${person(line.fromNumber)}*`;
  const received =
    line.receivedAt === null
      ? `Received by smsops ${slackTime(line.ingestedAt)} (Wavix gave no time)`
      : `Received by Wavix ${slackTime(line.receivedAt)} · by smsops ${slackTime(line.ingestedAt)}`;
  const text = line.hidden ? '' : (line.text ?? '');
  const excerpt = smsTextBlocks(text, { maxUnits: EXCERPT_UNITS, maxBlocks: 1 });
  const rest =
    excerpt.left > 0 ? `\n${characterCount(text).toLocaleString('en-US')} characters: the whole text is in its Slack post.` : '';
  const body = line.hidden ? `\n${hiddenText(line.hidden)}` : text ? rest : '\n_(no text)_';
  const media = line.mediaCount > 0 ? ` (${line.mediaCount} media)` : '';
  const blocks: Block[] = [
    section(
      `*Message ${code(line.wavixMessageId)}*: ${line.messageType.toUpperCase()}${media} from ${from} → ${person(line.toNumber)}\n${received}${body}`,
    ),
    ...(line.hidden ? [] : excerpt.blocks),
  ];
  // Each media link, where a post names this command for the ones it had no room for.
  if (line.media && line.media.length > 0) blocks.push(section(mediaList(line.media, MEDIA_LIST_UNITS)));
  const deliveries = line.deliveries.map((d, i) =>
    [`• ${deliveryLine(d)}`, ...historyLines(history[i], d.kind, d.destination).map((l) => `   ◦ ${l}`)].join('\n'),
  );
  blocks.push(section(`*Deliveries*\n${deliveries.join('\n') || '_no destination_'}`));
  if (!reading.admin && line.deliveries.some((d) => d.kind === 'portsip' && d.answer)) {
    blocks.push(context('What PortSIP answered is shown to smsops admins only; here, its HTTP status.'));
  }
  blocks.push(context(`${code(`/sms relay replay ${line.wavixMessageId}`)} sends it again (admins).`));

  const count = line.deliveries.length;
  return { text: escapeMrkdwn(`Message ${line.wavixMessageId}: ${count} deliver${count === 1 ? 'y' : 'ies'}`), blocks };
}
