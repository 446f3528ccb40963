import type { types } from '@slack/bolt';

export { andMore, duration, durationInMinutes, plural } from '../../core/wording.js';

export type Block = types.KnownBlock;

/** A message as smsops sends it: blocks, and the plain text Slack shows in notifications and falls back to. */
export interface SlackMessage {
  text: string;
  blocks: Block[];
}

/**
 * Escapes text for mrkdwn: with `&`, `<` and `>` as entities, nothing typed by a person (or received by SMS) can
 * become a mention (`<!channel>`, `<@U…>`) or a link whose label hides its target.
 */
export function escapeMrkdwn(text: string): string {
  return wellFormed(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Replaces a lone surrogate (a JSON webhook may carry `"\ud83d"` on its own) with U+FFFD: Slack's client cannot
 * form-encode one (`URI malformed`), and no retry would ever get it through.
 */
export function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** Inline code: escaped, and without backticks that would end it early. */
export function code(text: string): string {
  return `\`${escapeMrkdwn(text.replace(/`/g, "'"))}\``;
}

export const mention = (userId: string): string => (/^[UW][A-Z0-9]+$/.test(userId) ? `<@${userId}>` : escapeMrkdwn(userId));

/**
 * Text is cut between user-perceived characters (an emoji with its skin tone, a ZWJ family, a flag, a letter with its
 * accents), never inside one. Half a surrogate pair would make Slack's client throw `URI malformed` while
 * form-encoding the call, for every retry of it.
 */
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Where the grapheme holding code unit `at` starts: cutting there keeps only whole graphemes. Whether a boundary falls
 * at a position depends only on the text up to the character there, so a short window past `at` is segmented
 * (segmenting costs as much as the string is long, and an SMS may be 256 KB).
 */
export function graphemeStart(text: string, at: number): number {
  if (at <= 0) return 0;
  if (at >= text.length) return text.length;
  return graphemes.segment(text.slice(0, at + 64)).containing(at)?.index ?? at;
}

/**
 * The longest prefix of `text` made of whole graphemes whose UTF-16 length is at most `max` (Slack's limits are
 * counted in characters; UTF-16 units are never fewer, so the budget holds whichever way Slack counts them).
 */
export function graphemePrefix(text: string, max: number): { kept: string; cut: boolean } {
  if (text.length <= max) return { kept: text, cut: false };
  return { kept: text.slice(0, graphemeStart(text, Math.max(0, max))), cut: true };
}

/**
 * Slack's section text limit is 3,000 characters; longer mrkdwn is cut (between graphemes, never inside an entity
 * such as `&amp;` or a `<…>` token such as a date or a link) with a mark, rather than refused by Slack.
 */
export function clip(text: string, max = 2900): string {
  if (text.length <= max) return text;
  const { kept } = graphemePrefix(text, Math.max(0, max - 1));
  return `${kept.replace(/&(?:a|am|amp|l|lt|g|gt)?$/, '').replace(/<[^>]*$/, '')}…`;
}

export const section = (text: string, blockId?: string): Block => ({
  type: 'section',
  text: { type: 'mrkdwn', text: clip(text) },
  ...(blockId ? { block_id: blockId } : {}),
});

export const context = (text: string): Block => ({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(text) }] });

export const plain = (text: string, max = 75) => ({
  type: 'plain_text' as const,
  text: text.length > max ? `${graphemePrefix(text, max - 1).kept}…` : text,
  emoji: true,
});

export function button(options: { text: string; actionId: string; value: string; style?: 'primary' | 'danger' }) {
  return {
    type: 'button' as const,
    text: plain(options.text),
    action_id: options.actionId,
    value: options.value,
    ...(options.style ? { style: options.style } : {}),
  };
}

export const formatTime = (epochMs: number): string => `${new Date(epochMs).toISOString().replace('T', ' ').slice(0, 16)} UTC`;

/**
 * A time each reader sees in their own time zone (Slack's date token), with the UTC text for clients that cannot
 * render it. Only for mrkdwn in blocks: plain_text and a message's fallback `text` would show the raw token.
 */
export const slackTime = (epochMs: number): string =>
  `<!date^${Math.floor(epochMs / 1000)}^{date_short_pretty} {time}|${formatTime(epochMs)}>`;
