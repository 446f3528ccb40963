import { formatPhoneForPeople } from '../../core/phone.js';
import type { InboundMessage } from '../../store/repositories/inbound.js';
import { type Block, clip, context, escapeMrkdwn, type SlackMessage, section } from './text.js';

const person = (digits: string) => escapeMrkdwn(formatPhoneForPeople(`+${digits.replace(/^\+/, '')}`));

/** Slack renders this in each reader's own time zone; the fallback is UTC. */
function when(message: InboundMessage): string {
  const at = message.receivedAt ?? message.ingestedAt;
  const seconds = Math.floor(at / 1000);
  const fallback = new Date(at).toISOString().replace('T', ' ').slice(0, 16);
  return `<!date^${seconds}^{date_short_pretty} {time}|${fallback} UTC>`;
}

/** A media URL as a link whose label says what it is; only http(s), with the characters that could break out escaped. */
function mediaLinks(media: readonly string[] | null): string {
  if (!media || media.length === 0) return '';
  const links = media.map((url, i) =>
    /^https?:\/\//i.test(url)
      ? `<${url.replace(/&/g, '&amp;').replace(/</g, '%3C').replace(/>/g, '%3E').replace(/\|/g, '%7C')}|media ${i + 1}>`
      : `media ${i + 1}: ${escapeMrkdwn(url)}`,
  );
  return links.join(' · ');
}

function body(message: InboundMessage): string {
  // Escaped: an SMS cannot mention @channel or a person, nor show a link whose label hides its target.
  const text = message.text ? escapeMrkdwn(message.text) : '_(no text)_';
  return clip(text, 2800);
}

/** Said on a post an operator re-sent (`/sms relay replay`), so nobody takes it for a new message. */
const REPLAYED = ':repeat: replayed';

/** One inbound SMS/MMS as posted in the inbox channel. */
export function inboundSmsMessage(message: InboundMessage, options: { replayed?: boolean } = {}): SlackMessage {
  const kind = message.messageType.toUpperCase();
  const header = `*${kind}* from *${person(message.fromNumber)}* to ${person(message.toNumber)}`;
  const blocks: Block[] = [section(`${header}\n${body(message)}`)];
  const media = mediaLinks(message.media);
  if (media) blocks.push(context(media));
  blocks.push(
    context(`${when(message)} · Wavix ${escapeMrkdwn(message.wavixMessageId)}${options.replayed ? ` · ${REPLAYED}` : ''}`),
  );
  const fallback = `${kind} from ${formatPhoneForPeople(`+${message.fromNumber}`)}: ${message.text.slice(0, 200)}`;
  return { text: escapeMrkdwn(fallback), blocks };
}

/** Under a storm, many messages in one post (every one of them stays in the database and in /sms inbox). */
export function inboundBatchMessage(
  messages: readonly InboundMessage[],
  replayed: ReadonlySet<number> = new Set(),
): SlackMessage {
  const shown = messages.slice(0, 45);
  const blocks: Block[] = [section(`:incoming_envelope: *${messages.length} inbound messages* (grouped: many arrived at once)`)];
  for (const m of shown) {
    const media = mediaLinks(m.media);
    blocks.push(
      section(
        `*${person(m.fromNumber)}* → ${person(m.toNumber)} · ${when(m)}${replayed.has(m.id) ? ` · ${REPLAYED}` : ''}\n${clip(body(m), 1500)}${media ? `\n${media}` : ''}`,
      ),
    );
  }
  if (messages.length > shown.length) blocks.push(context(`${messages.length - shown.length} more: \`/sms inbox\` lists them.`));
  return { text: `${messages.length} inbound messages`, blocks };
}
