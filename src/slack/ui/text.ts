import type { types } from '@slack/bolt';

import { graphemePrefix, inlineText, oneLine, wellFormed } from '../../core/text.js';

export { graphemePrefix, graphemeStart, inlineText, oneLine, wellFormed } from '../../core/text.js';
export { andMore, clockAge, duration, durationInMinutes, plural } from '../../core/wording.js';

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

/** inlineText, escaped for mrkdwn: for a field shown inline, often in bold (`*${escapeInline(sender)}*`). */
export const escapeInline = (text: string): string => escapeMrkdwn(inlineText(text));

/**
 * Inline code, not escaped (for text escaped later): on one line (a line break would end the code and let what follows
 * format itself as a line of smsops' own), and without backticks that would end it early. Inside it `*` and `_` are
 * shown as written: a code from outside (Wavix's SELF_DECLARED) reads as its source writes it.
 */
export function inlineCode(text: string): string {
  return `\`${oneLine(text).replace(/`/g, "'")}\``;
}

/** Inline code, escaped (see inlineCode). */
export function code(text: string): string {
  return escapeMrkdwn(inlineCode(text));
}

/** The Slack leg's queue (SLACK_QUEUE_DESTINATION in a backlog or an alert): messages without a channel chosen yet. */
export const SLACK_QUEUE_WORDS = 'Slack (queued in arrival order; each gets its channel at its turn)';

export const mention = (userId: string): string => (/^[UW][A-Z0-9]+$/.test(userId) ? `<@${userId}>` : escapeMrkdwn(userId));

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
