import type { InboundMessage } from '../../core/model/inboundMessage.js';
import { classifyConsentKeyword } from '../../core/model/optOutKeywords.js';
import { formatPartyForPeople } from '../../core/phone.js';
import { ACTION } from '../ids.js';
import { GROUPED_POST_HINT } from './groupedPost.js';
import { mediaLine } from './mediaLinks.js';
import { SMS_TEXT_PIECE_MAX, smsTextBlocks } from './smsText.js';
import {
  type Block,
  button,
  clip,
  context,
  escapeInline,
  escapeMrkdwn,
  graphemePrefix,
  inlineText,
  type SlackMessage,
  section,
} from './text.js';

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
  /** Not tried yet: an earlier SMS of its conversation to the same PortSIP goes first (arrival order), `retrying` or not. */
  | { kind: 'waiting'; retrying: boolean }
  | { kind: 'delivered'; at: number }
  | { kind: 'retrying'; error: string; attempts: number; nextAt: number }
  | { kind: 'dead'; reason: string };

/**
 * A sender is a phone number in Wavix's digits, or (from an alphanumeric sender) any text: bounded, on one line and
 * unable to format itself (it is shown in bold), escaped.
 */
const person = (stored: string) => escapeInline(clip(formatPartyForPeople(stored), 40));

const isoUtc = (at: number) => new Date(at).toISOString().replace('T', ' ');

/** A time Slack renders in each reader's own time zone; the fallback (older clients, notifications) is UTC. */
const slackTime = (at: number, format: string, fallback: string) => `<!date^${Math.floor(at / 1000)}^${format}|${fallback} UTC>`;

/** Apart by more than this, Wavix's received_at and smsops' ingest time are both shown, each named. */
const TIMES_APART_MS = 60_000;

/**
 * When a message arrived: one time (Wavix's received_at, else smsops' ingest time) while the two agree, else both,
 * named ("received by Wavix 21:38 · by smsops 22:38"): a webhook Wavix sent again an hour late showed one time in its
 * post and another in `/sms inbox`, neither saying whose.
 */
export function receivedWhen(message: Pick<InboundMessage, 'receivedAt' | 'ingestedAt'>): string {
  const at = (t: number) => slackTime(t, '{date_short_pretty} {time}', isoUtc(t).slice(0, 16));
  const { receivedAt, ingestedAt } = message;
  if (receivedAt === null || Math.abs(ingestedAt - receivedAt) <= TIMES_APART_MS) return at(receivedAt ?? ingestedAt);
  return `received by Wavix ${at(receivedAt)} · by smsops ${at(ingestedAt)}`;
}

const when = receivedWhen;

/** The PortSIP leg of one SMS in words, e.g. "PortSIP ✓ 12:03:04" or "PortSIP retrying (HTTP 503, attempt 4, next 12:05)". */
export function portsipStateText(state: PortsipState, compact = false): string {
  switch (state.kind) {
    case 'none':
      return 'no PortSIP route';
    case 'sending':
      return 'PortSIP sending…';
    case 'waiting': {
      const head = state.retrying ? ' (retrying)' : '';
      return compact
        ? `PortSIP waiting behind an earlier SMS${head}`
        : `PortSIP waiting behind an earlier SMS of this conversation${head}`;
    }
    case 'delivered':
      return compact ? 'PortSIP ✓' : `PortSIP ✓ ${slackTime(state.at, '{time_secs}', isoUtc(state.at).slice(11, 19))}`;
    case 'retrying': {
      const why = escapeMrkdwn(clip(state.error, compact ? 30 : 90));
      // No attempt yet: held unposted while its route's Retry-After runs.
      const attempt = state.attempts > 0 ? `attempt ${state.attempts}` : 'not posted yet';
      return compact
        ? `PortSIP retrying (${why}, ${attempt})`
        : `PortSIP retrying (${why}, ${attempt}, next ${slackTime(state.nextAt, '{time}', isoUtc(state.nextAt).slice(11, 16))})`;
    }
    case 'dead':
      return `PortSIP dead: ${escapeMrkdwn(clip(state.reason, compact ? 40 : 120))}`;
  }
}

/**
 * What a keyword SMS did to the customer's consent, said on its post: the team reading "STOP" (or "Opt out", which is
 * one too) learns there and then that their replies will be refused, instead of from a refused reply. Read from the
 * text by the rule the ingest records it by (a sender withheld opts nobody out); `compact` for a grouped post.
 */
function consentNote(message: Pick<InboundMessage, 'text' | 'fromNumber' | 'laterOptOut'>, compact = false): string | null {
  if (message.fromNumber === '' || !message.text) return null;
  const { kind, keyword } = classifyConsentKeyword(message.text);
  // Sent before the STOP in force (Wavix posted it late): it lifted nothing, and "opted back in" sent people to reply.
  const later = message.laterOptOut;
  if (kind === 'opt_in' && later) {
    const stop = `${later.keyword ?? 'STOP'}, ${slackTime(later.optedOutAt, '{date_short_pretty} {time}', isoUtc(later.optedOutAt).slice(0, 16))}`;
    return compact
      ? `:no_entry: ${keyword} sent before their ${stop}: still opted out`
      : `:no_entry: The customer sent this ${keyword} before they opted out (${stop}), so it lifts nothing: replies from Slack to them from this number are still refused until they text START again.`;
  }
  if (kind === 'opt_out')
    return compact
      ? `:no_entry: opted out (${keyword})`
      : `:no_entry: The customer opted out (${keyword}): replies from Slack to them from this number are refused until they text START.`;
  if (kind === 'opt_in')
    return compact
      ? `:white_check_mark: opted back in (${keyword})`
      : `:white_check_mark: The customer opted back in (${keyword}): replies from Slack may text them from this number again.`;
  return null;
}

/** Budget for the state in a coalesced post: any later state fits where the first one did. */
const COMPACT_STATE_RESERVE = 100;

/** Room for SMS text in a single post: the budget less the header, media, times, state and a continuation line. */
const SINGLE_TEXT_UNITS = 8_000;
/** Blocks a single post keeps for everything but the text: header, note, consent, media, time, state, continuation. */
const SINGLE_OTHER_BLOCKS = 7;

/** Room kept for the note on a text that did not fit. */
const NOTE_RESERVE = 300;

/** What a post says when the text did not fit: how much is missing, and where the whole text went. */
function notShownNote(left: number, why: string): string {
  return `:scissors: The text goes on: ${left.toLocaleString('en-US')} more character${left === 1 ? ' is' : 's are'} not shown here (${why}). smsops keeps the whole text and relays it whole to PortSIP (read it there).`;
}

/** One inbound SMS/MMS as posted in the inbox channel, with where it went on PortSIP. */
export function inboundSmsMessage(
  message: InboundMessage,
  portsip: PortsipState,
  options: { short?: boolean; replayed?: boolean } = {},
): SlackMessage {
  const kind = message.messageType.toUpperCase();
  const header = `*${kind}* from *${person(message.fromNumber)}* to ${person(message.toNumber)}`;
  // The text, literal and whole, over as many blocks as it takes. `short`: one block only, for a Slack that refused
  // the long form (it may count characters its own way).
  const text = smsTextBlocks(message.text, {
    maxUnits: options.short ? SMS_TEXT_PIECE_MAX : SINGLE_TEXT_UNITS,
    maxBlocks: options.short ? 1 : SLACK_MAX_BLOCKS - SINGLE_OTHER_BLOCKS,
  });
  const blocks: Block[] = [section(message.text ? header : `${header}\n_(no text)_`), ...text.blocks];
  if (text.left > 0)
    blocks.push(
      context(
        notShownNote(
          text.left,
          options.short ? 'Slack refused the post with the whole text' : 'a Slack message holds about 12,000 characters',
        ),
      ),
    );
  const consent = consentNote(message);
  if (consent) blocks.push(context(consent));
  const media = mediaLine(message.media, 1_500, message.wavixMessageId);
  if (media) blocks.push(context(media));
  // A post an operator re-sent (`/sms relay replay`) says so, so nobody takes it for a new message.
  const replayed = options.replayed ? ' · :repeat: replayed' : '';
  blocks.push(context(`${when(message)} · Wavix ${escapeInline(clip(message.wavixMessageId, 100))}${replayed}`));
  blocks.push(context(portsipStateText(portsip)));
  const { kept, cut } = graphemePrefix(message.text, 200);
  // The notification is all a phone shows: a photo with no words read "MMS from +1 202 555 0143: " and nothing else.
  const mediaCount = message.media?.length ?? 0;
  const said = message.text
    ? `${kept}${cut ? '…' : ''}${mediaCount > 0 ? ` (${mediaCount} media)` : ''}`
    : `(no text${mediaCount > 0 ? `, ${mediaCount} media` : ''})`;
  const fallback = `${kind} from ${inlineText(clip(formatPartyForPeople(message.fromNumber), 40))}: ${said}`;
  return { text: escapeMrkdwn(fallback), blocks };
}

/** A message's line in a coalesced post, above its text. */
function batchHeader(message: InboundMessage, portsip: PortsipState | null): string {
  const state = portsip ? ` · ${clip(portsipStateText(portsip, true), COMPACT_STATE_RESERVE)}` : '';
  const media = mediaLine(message.media, 600, message.wavixMessageId);
  const noText = message.text ? '' : '\n_(no text)_';
  const consent = consentNote(message, true);
  return `*${person(message.fromNumber)}* → ${person(message.toNumber)} · ${when(message)}${state}${consent ? ` · ${consent}` : ''}${noText}${media ? `\n${media}` : ''}`;
}

/** "Answer" beside one SMS of a grouped post: starts that customer's conversation thread (src/slack/groupedAnswer.ts). */
const ANSWER_BUTTON_TEXT = 'Answer';
const answerButton = (message: InboundMessage) =>
  button({ text: ANSWER_BUTTON_TEXT, actionId: ACTION.answerGrouped, value: String(message.id) });

const batchTitle = (count: number) =>
  count === 1
    ? ':incoming_envelope: *1 inbound message*'
    : `:incoming_envelope: *${count} inbound messages* (grouped: many arrived at once)`;

/**
 * Under a storm, many messages in one post, each with its whole text. It takes as many of `items` (in order) as fit
 * Slack's limits and says how many (`shown`, at least one): the caller posts the rest separately, none is dropped. The
 * budget reserves room for every state, so an update of the same post always fits too. Only a first message too long
 * for any post is shown in part, with a note saying so, as its single post would be.
 */
export function inboundBatchMessage(items: ReadonlyArray<{ message: InboundMessage; portsip: PortsipState }>): {
  message: SlackMessage;
  shown: number;
} {
  const parts: Block[][] = [];
  let total = batchTitle(items.length).length + GROUPED_POST_HINT.length;
  let blockCount = 2;
  for (const { message, portsip } of items) {
    const headerCost = batchHeader(message, null).length + COMPACT_STATE_RESERVE + ANSWER_BUTTON_TEXT.length;
    const first = parts.length === 0;
    // The first message takes what room there is (with a note if its text is cut); a later one fits whole or waits.
    const text = smsTextBlocks(message.text, {
      maxUnits: Math.max(0, SLACK_BLOCK_TEXT_BUDGET - total - headerCost - (first ? NOTE_RESERVE : 0)),
      maxBlocks: SLACK_MAX_BLOCKS - blockCount - (first ? 2 : 1),
    });
    const cost = headerCost + blockTextLength(text.blocks);
    const blocks = 1 + text.blocks.length + (text.left > 0 ? 1 : 0);
    if (!first && (text.left > 0 || total + cost > SLACK_BLOCK_TEXT_BUDGET || blockCount + blocks > SLACK_MAX_BLOCKS)) break;
    const note = text.left > 0 ? notShownNote(text.left, 'a Slack message holds about 12,000 characters') : null;
    // Its own button: a grouped post's thread is no one's, and under a storm every SMS of a customer may be grouped,
    // so without it no one could answer them from Slack (1,000 customers texting 3 SMS each over 76 s got no thread).
    const header = { ...section(batchHeader(message, portsip)), accessory: answerButton(message) };
    parts.push([header, ...text.blocks, ...(note ? [context(note)] : [])]);
    total += cost + (note?.length ?? 0);
    blockCount += blocks;
  }
  const shown = parts.length;
  return {
    message: {
      text: shown === 1 ? '1 inbound message' : `${shown} inbound messages`,
      blocks: [section(batchTitle(shown)), context(GROUPED_POST_HINT), ...parts.flat()],
    },
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
