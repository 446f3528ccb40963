import type { InboundMessage } from '../../core/model/inboundMessage.js';
import { formatPhoneForPeople } from '../../core/phone.js';
import { type Block, clip, context, escapeMrkdwn, graphemePrefix, graphemeStart, type SlackMessage, section } from './text.js';

/**
 * Slack refuses a message whose blocks hold more than about 12,000 characters of text (`msg_blocks_too_long`; the
 * figure is undocumented, Slack staff speak of "12,000 with a buffer"), and more than 50 blocks. smsops keeps its own
 * posts under these budgets, counted in UTF-16 units over every text of the blocks (see `blockTextLength`).
 */
export const SLACK_BLOCK_TEXT_BUDGET = 11_000;
export const SLACK_MAX_BLOCKS = 50;

/** Where a relayed SMS went on PortSIP, as its Slack post shows it (updated in place as it changes). */
export type PortsipState =
  | { kind: 'none' }
  | { kind: 'sending' }
  | { kind: 'delivered'; at: number }
  | { kind: 'retrying'; error: string; attempts: number; nextAt: number }
  | { kind: 'dead'; reason: string };

/** A sender is a phone number in Wavix's digits, or (from an alphanumeric sender) any text: escaped and bounded. */
const person = (digits: string) => escapeMrkdwn(clip(formatPhoneForPeople(`+${digits.replace(/^\+/, '')}`), 40));

const isoUtc = (at: number) => new Date(at).toISOString().replace('T', ' ');

/** A time Slack renders in each reader's own time zone; the fallback (older clients, notifications) is UTC. */
const slackTime = (at: number, format: string, fallback: string) => `<!date^${Math.floor(at / 1000)}^${format}|${fallback} UTC>`;

function when(message: InboundMessage): string {
  const at = message.receivedAt ?? message.ingestedAt;
  return slackTime(at, '{date_short_pretty} {time}', isoUtc(at).slice(0, 16));
}

/** The PortSIP leg of one SMS in words, e.g. "PortSIP ✓ 12:03:04" or "PortSIP retrying (HTTP 503, attempt 4, next 12:05)". */
export function portsipStateText(state: PortsipState, compact = false): string {
  switch (state.kind) {
    case 'none':
      return 'no PortSIP route';
    case 'sending':
      return 'PortSIP sending…';
    case 'delivered':
      return compact ? 'PortSIP ✓' : `PortSIP ✓ ${slackTime(state.at, '{time_secs}', isoUtc(state.at).slice(11, 19))}`;
    case 'retrying': {
      const why = escapeMrkdwn(clip(state.error, compact ? 30 : 60));
      return compact
        ? `PortSIP retrying (${why}, attempt ${state.attempts})`
        : `PortSIP retrying (${why}, attempt ${state.attempts}, next ${slackTime(state.nextAt, '{time}', isoUtc(state.nextAt).slice(11, 16))})`;
    }
    case 'dead':
      return `PortSIP dead: ${escapeMrkdwn(clip(state.reason, compact ? 40 : 120))}`;
  }
}

/** Budget for the state in a coalesced post: any later state fits where the first one did. */
const COMPACT_STATE_RESERVE = 100;

/** Media URLs as links whose label says what they are; only http(s), with the characters that could break out escaped. */
function mediaLinks(media: readonly string[] | null, budget: number): string {
  if (!media || media.length === 0) return '';
  const links: string[] = [];
  let length = 0;
  for (const [i, url] of media.entries()) {
    const link = /^https?:\/\//i.test(url)
      ? `<${url.replace(/&/g, '&amp;').replace(/</g, '%3C').replace(/>/g, '%3E').replace(/\|/g, '%7C')}|media ${i + 1}>`
      : `media ${i + 1}: ${escapeMrkdwn(clip(url, 100))}`;
    // A URL is never cut (a cut link would lead elsewhere): the ones that do not fit are counted instead.
    if (length + link.length + 40 > budget || link.length > 1000) {
      links.push(`${media.length - i} more media (\`/sms inbox\`)`);
      break;
    }
    links.push(link);
    length += link.length + 3;
  }
  return links.join(' · ');
}

/**
 * The SMS text escaped, cut (between graphemes, never inside an entity) into pieces of at most `pieceMax`
 * characters, at most `totalMax` in all. A text that did not fit says so in its last piece.
 */
function bodyPieces(text: string, pieceMax: number, totalMax: number): string[] {
  if (!text) return ['_(no text)_'];
  let rest = escapeMrkdwn(text);
  if (rest.length <= pieceMax) return [rest];
  const limit = totalMax - 120;
  const pieces: string[] = [];
  let used = 0;
  while (rest.length > 0 && used < limit) {
    const room = Math.min(pieceMax, limit - used);
    let end = rest.length <= room ? rest.length : graphemeStart(rest, room);
    const partialEntity = /&[a-z]{0,3}$/.exec(rest.slice(0, end));
    if (partialEntity) end = partialEntity.index;
    if (end === 0) break; // one grapheme longer than the room left (hundreds of combining marks)
    pieces.push(rest.slice(0, end));
    used += end;
    rest = rest.slice(end);
  }
  if (rest.length > 0) {
    const left = Array.from(rest.replace(/&(?:amp|lt|gt);/g, '&')).length;
    const note = `… _(shortened in Slack: ${left.toLocaleString('en-US')} more characters; PortSIP got it whole)_`;
    pieces.push(`${pieces.pop() ?? ''}${note}`);
  }
  return pieces;
}

/** One inbound SMS/MMS as posted in the inbox channel, with where it went on PortSIP. */
export function inboundSmsMessage(
  message: InboundMessage,
  portsip: PortsipState,
  options: { short?: boolean; replayed?: boolean } = {},
): SlackMessage {
  const kind = message.messageType.toUpperCase();
  const header = `*${kind}* from *${person(message.fromNumber)}* to ${person(message.toNumber)}`;
  // Long texts take several sections (each under Slack's 3,000) rather than being cut at the first.
  // `short`: one section only, for a Slack that refused the long form (it may count characters its own way).
  const [first = '', ...more] = bodyPieces(message.text, 2_700, options.short ? 2_700 : 8_000);
  const blocks: Block[] = [section(`${header}\n${first}`), ...more.map((piece) => section(piece))];
  const media = mediaLinks(message.media, 1_500);
  if (media) blocks.push(context(media));
  // A post an operator re-sent (`/sms relay replay`) says so, so nobody takes it for a new message.
  const replayed = options.replayed ? ' · :repeat: replayed' : '';
  blocks.push(context(`${when(message)} · Wavix ${escapeMrkdwn(clip(message.wavixMessageId, 100))}${replayed}`));
  blocks.push(context(portsipStateText(portsip)));
  const { kept, cut } = graphemePrefix(message.text, 200);
  const fallback = `${kind} from ${clip(formatPhoneForPeople(`+${message.fromNumber}`), 40)}: ${kept}${cut ? '…' : ''}`;
  return { text: escapeMrkdwn(fallback), blocks };
}

function batchSection(message: InboundMessage, portsip: PortsipState | null): string {
  const state = portsip ? ` · ${clip(portsipStateText(portsip, true), COMPACT_STATE_RESERVE)}` : '';
  const media = mediaLinks(message.media, 600);
  const [body = ''] = bodyPieces(message.text, 1_500, 1_500);
  return `*${person(message.fromNumber)}* → ${person(message.toNumber)} · ${when(message)}${state}\n${body}${media ? `\n${media}` : ''}`;
}

const batchHeader = (count: number) => `:incoming_envelope: *${count} inbound messages* (grouped: many arrived at once)`;

/**
 * Under a storm, many messages in one post. It takes as many of `items` (in order) as fit Slack's limits and says how
 * many (`shown`, at least one): the caller posts the rest separately, none is dropped. The budget reserves room for
 * every state, so an update of the same post always fits too.
 */
export function inboundBatchMessage(items: ReadonlyArray<{ message: InboundMessage; portsip: PortsipState }>): {
  message: SlackMessage;
  shown: number;
} {
  const sections: string[] = [];
  let total = batchHeader(items.length).length;
  for (const { message, portsip } of items) {
    const text = batchSection(message, portsip);
    const cost = batchSection(message, null).length + COMPACT_STATE_RESERVE;
    if (sections.length > 0 && (total + cost > SLACK_BLOCK_TEXT_BUDGET || sections.length + 1 >= SLACK_MAX_BLOCKS)) break;
    sections.push(text);
    total += cost;
  }
  const shown = sections.length;
  return {
    message: { text: `${shown} inbound messages`, blocks: [section(batchHeader(shown)), ...sections.map((s) => section(s))] },
    shown,
  };
}

/**
 * The last resort when Slack refuses a message's post whatever its shape: only who wrote to whom and where to read
 * it, so the conversation's later messages are not held behind it. `reason` is Slack's error code.
 */
export function minimalSmsMessage(message: InboundMessage, reason: string, portsip: PortsipState): SlackMessage {
  const to = `+${message.toNumber.replace(/^\+/, '')}`;
  const code = reason.replace(/[^A-Za-z0-9_ ]/g, '').slice(0, 60);
  const text =
    `${message.messageType.toUpperCase()} from ${person(message.fromNumber)} to ${person(message.toNumber)}: ` +
    `text could not be shown (Slack: ${code || 'refused'}), \`/sms inbox ${escapeMrkdwn(clip(to, 30))}\` lists it. ` +
    portsipStateText(portsip, true);
  return { text, blocks: [] };
}

/** Characters of text in a message's blocks, as Slack's `msg_blocks_too_long` limit counts them (approximately). */
export function blockTextLength(blocks: readonly unknown[]): number {
  let total = 0;
  const walk = (value: unknown) => {
    if (Array.isArray(value)) for (const v of value) walk(v);
    else if (value && typeof value === 'object')
      for (const [key, v] of Object.entries(value)) {
        if (key === 'text' && typeof v === 'string') total += v.length;
        else walk(v);
      }
  };
  walk(blocks);
  return total;
}
