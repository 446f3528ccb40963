/**
 * A person's message as mrkdwn rebuilt from its rich_text `blocks`. Slack's `text` holds an emoji typed or picked in
 * the composer as its shortcode (`:+1:`); only the blocks hold its Unicode (`"unicode": "1f44d"`), and a customer
 * must get 👍, not ":+1:" (which also prices the SMS as GSM-7 when it is UCS-2). Everything else is written the way
 * Slack writes it into `text`: entities, `<…>` tokens for links and mentions, styles as `*bold*`, numbered lists as
 * `1.` lines, quotes as `> ` lines, so `typedText` turns both into what the person typed alike. Code and bullets are
 * the exceptions: code goes without Slack's backticks and ``` fences, bullets as `- `, since Slack's are not in GSM-7
 * and made the SMS UCS-2.
 *
 * Element shapes: Slack's rich text block reference (docs.slack.dev/reference/block-kit/blocks/rich-text-block and its
 * element pages). A user group becomes Slack's `<!subteam^ID>` token (with its handle when `text` gives it), a date
 * its fallback text, a colour its value. A block or element of any other kind (one Slack adds later) makes the whole
 * message fall back to `text`: Slack's own rendering of everything, where a partial rendering would drop what that
 * element said. A reply is never lost to its blocks.
 */

import { z } from 'zod';

const style = z
  .object({
    bold: z.boolean().optional(),
    italic: z.boolean().optional(),
    strike: z.boolean().optional(),
    code: z.boolean().optional(),
  })
  .optional();

const text = z.object({ type: z.literal('text'), text: z.string(), style });
/** `unicode` is absent for a custom emoji; `skin_tone` (2-6) may come beside a `unicode` without the modifier. */
const emoji = z.object({
  type: z.literal('emoji'),
  name: z.string(),
  unicode: z.string().optional(),
  skin_tone: z.number().optional(),
});
const link = z.object({ type: z.literal('link'), url: z.string(), text: z.string().optional(), style });
const user = z.object({ type: z.literal('user'), user_id: z.string() });
const channel = z.object({ type: z.literal('channel'), channel_id: z.string() });
// `here`, `channel`, `everyone` documented; another range is written as Slack would write it, `<!range>`.
const broadcast = z.object({ type: z.literal('broadcast'), range: z.string().regex(/^[a-z_]+$/) });
const usergroup = z.object({ type: z.literal('usergroup'), usergroup_id: z.string() });
/** `timestamp` in epoch seconds, `format` Slack's template; `fallback` is what Slack shows where it cannot render. */
const date = z.object({ type: z.literal('date'), timestamp: z.number(), fallback: z.string().optional() });
const color = z.object({ type: z.literal('color'), value: z.string() });

const inline = z.discriminatedUnion('type', [text, emoji, link, user, channel, broadcast, usergroup, date, color]);
const section = z.object({ type: z.literal('rich_text_section'), elements: z.array(inline) });
const list = z.object({
  type: z.literal('rich_text_list'),
  style: z.enum(['bullet', 'ordered']),
  elements: z.array(section),
  indent: z.number().int().min(0).optional(),
  offset: z.number().int().min(0).optional(),
});
const quote = z.object({ type: z.literal('rich_text_quote'), elements: z.array(inline) });
const preformatted = z.object({
  type: z.literal('rich_text_preformatted'),
  elements: z.array(z.discriminatedUnion('type', [text, link])),
});
const richTextBlocks = z
  .array(
    z.object({
      type: z.literal('rich_text'),
      elements: z.array(z.discriminatedUnion('type', [section, list, quote, preformatted])),
    }),
  )
  .min(1);

type Inline = z.infer<typeof inline>;
type Block = z.infer<typeof richTextBlocks>[number]['elements'][number];

const entities = (raw: string) => raw.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const SPACE = /\s/;

/**
 * Where `text`'s edge spaces end and start again, found by walking in from each end. Regular expressions for them
 * (`/^(\s*)([\s\S]*?)(\s*)$/`, `/\n+$/`) retried the rest of the text at every position: a member's message of
 * 40,000 characters, spaces between two letters, held smsops' only thread 2.3 s (no webhook, no relay meanwhile), in any
 * thread of any channel the bot is in, since a message is read before smsops knows whose thread it is.
 */
function edges(text: string, isEdge: (char: string) => boolean): { start: number; end: number } {
  let end = text.length;
  while (end > 0 && isEdge(text.charAt(end - 1))) end -= 1;
  let start = 0;
  while (start < end && isEdge(text.charAt(start))) start += 1;
  return { start, end };
}

/** `text` without the line breaks it ends with. */
const withoutClosingBreaks = (text: string) => text.slice(0, edges(text, (char) => char === '\n').end);

/** Markers around the text, not its edge spaces, as Slack writes `*bold* ` (a marker next to a space is not one). */
function styled(raw: string, marks: z.infer<typeof style>): string {
  const { start, end } = edges(raw, (char) => SPACE.test(char));
  const [lead, core, trail] = [raw.slice(0, start), raw.slice(start, end), raw.slice(end)];
  if (!marks || core === '') return raw;
  // Code keeps no backticks: they are Slack's markup, not the words, and GSM-7 has no backtick (a tracking number
  // marked as code made a 131-character reply 3 UCS-2 segments instead of 1).
  let inner = core;
  if (marks.italic) inner = `_${inner}_`;
  if (marks.bold) inner = `*${inner}*`;
  if (marks.strike) inner = `~${inner}~`;
  return `${lead}${inner}${trail}`;
}

const ZWJ = 0x200d;
const VARIATION_16 = 0xfe0f;
const isToneModifier = (point: number) => point >= 0x1f3fb && point <= 0x1f3ff;

/** "1f44d-1f3fd" → its code points; undefined for anything that is not a dash-joined run of them. */
function codePoints(unicode: string | undefined): number[] | undefined {
  if (!unicode || !/^[0-9a-f]{1,6}(-[0-9a-f]{1,6})*$/i.test(unicode)) return undefined;
  const points = unicode.split('-').map((hex) => Number.parseInt(hex, 16));
  return points.every((point) => point <= 0x10ffff) ? points : undefined;
}

/**
 * The emoji's characters. The unicode field carries a chosen skin tone itself ("1f44d-1f3fd") and a ZWJ sequence
 * its joiners; a tone given only as `skin_tone` or in the name (`wave::skin-tone-3`, Slack's 2-6 for U+1F3FB-1F3FF)
 * goes after a single emoji's base, in place of its U+FE0F. A custom emoji has no Unicode and stays `:name:`.
 */
function emojiText(element: z.infer<typeof emoji>): string {
  const points = codePoints(element.unicode);
  if (!points) return `:${element.name}:`;
  const tone = element.skin_tone ?? Number(/::skin-tone-(\d)$/.exec(element.name)?.[1]);
  const [base, ...rest] = points;
  if (
    base === undefined ||
    !Number.isInteger(tone) ||
    tone < 2 ||
    tone > 6 ||
    points.some(isToneModifier) ||
    points.includes(ZWJ)
  ) {
    return String.fromCodePoint(...points);
  }
  return String.fromCodePoint(base, 0x1f3f9 + tone, ...rest.filter((point) => point !== VARIATION_16));
}

/** A date without its fallback: the moment in UTC, the one reading every customer can take the same way. */
const utcDate = (seconds: number) => `${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** User groups' handles by id, from the `<!subteam^ID|@handle>` tokens of the event's `text` (blocks name only the id). */
export type GroupHandles = ReadonlyMap<string, string>;

/** Links and mentions as the `<…>` tokens Slack puts in `text`, so they are named exactly as a text-only event's. */
function inlineMarkup(element: Inline, groups: GroupHandles): string {
  switch (element.type) {
    case 'text':
      return styled(entities(element.text), element.style);
    case 'emoji':
      return emojiText(element);
    case 'link':
      return element.text === undefined || element.text === ''
        ? `<${entities(element.url)}>`
        : `<${entities(element.url)}|${entities(element.text)}>`;
    case 'user':
      return `<@${element.user_id}>`;
    case 'channel':
      return `<#${element.channel_id}>`;
    case 'broadcast':
      return `<!${element.range}>`;
    case 'usergroup': {
      const handle = groups.get(element.usergroup_id);
      return handle === undefined ? `<!subteam^${element.usergroup_id}>` : `<!subteam^${element.usergroup_id}|${handle}>`;
    }
    case 'date':
      return entities(element.fallback ?? utcDate(element.timestamp));
    case 'color':
      return entities(element.value);
  }
}

/** `body` with `wrap` applied to it and its closing line breaks kept after it (the gap to the next block). */
function aroundTrailingBreaks(body: string, wrap: (content: string) => string): string {
  const content = withoutClosingBreaks(body);
  return content === '' ? body : `${wrap(content)}${body.slice(content.length)}`;
}

/**
 * A bullet list's points as "- ", at every depth (its indent shows the nesting): Slack's • ◦ ▪ are not in GSM-7, and
 * a list typed as "- shoes" made the whole SMS UCS-2 (half the room per segment) for a mark the person never typed.
 */
const BULLET = '-';

function blockMarkup(block: Block, groups: GroupHandles): string {
  const inlines = (elements: Inline[]) => elements.map((element) => inlineMarkup(element, groups)).join('');
  switch (block.type) {
    case 'rich_text_section':
      return inlines(block.elements);
    case 'rich_text_list': {
      const depth = block.indent ?? 0;
      return block.elements
        .map((item, index) => {
          const point = block.style === 'ordered' ? `${(block.offset ?? 0) + index + 1}.` : BULLET;
          return `${'    '.repeat(depth)}${point} ${inlines(item.elements)}\n`;
        })
        .join('');
    }
    case 'rich_text_quote':
      return aroundTrailingBreaks(inlines(block.elements), (content) =>
        content
          .split('\n')
          .map((line) => `&gt; ${line}`)
          .join('\n'),
      );
    case 'rich_text_preformatted':
      // Its text without the ``` fences, for the reason code has no backticks (styled).
      return block.elements
        .map((element) => (element.type === 'text' ? entities(element.text) : inlineMarkup(element, groups)))
        .join('');
  }
}

/**
 * The message's mrkdwn from its rich_text blocks, each block on its own line (a section before a list ends with its
 * line break, a quote does not), without the line breaks after the last; `undefined` when there are no blocks, a
 * kind this does not render, or nothing rendered: the caller then uses the event's `text`.
 */
export function markupFromBlocks(blocks: unknown, groups: GroupHandles = new Map()): string | undefined {
  const parsed = richTextBlocks.safeParse(blocks);
  if (!parsed.success) return undefined;
  let markup = '';
  for (const block of parsed.data.flatMap((richText) => richText.elements)) {
    if (markup !== '' && !markup.endsWith('\n')) markup += '\n';
    markup += blockMarkup(block, groups);
  }
  markup = withoutClosingBreaks(markup);
  return markup.trim() === '' ? undefined : markup;
}

/**
 * The names of the custom emoji (no Unicode: an image of this workspace) in the message's rich_text blocks, once
 * each: the customer reads each as its `:name:`.
 */
export function customEmojiNames(blocks: unknown): string[] {
  const parsed = richTextBlocks.safeParse(blocks);
  if (!parsed.success) return [];
  const names = new Set<string>();
  const visit = (elements: readonly { type: string }[]) => {
    for (const element of elements) {
      const inner = element as { type: string; elements?: { type: string }[] };
      if (inner.elements) visit(inner.elements);
      else if (element.type === 'emoji' && codePoints((element as z.infer<typeof emoji>).unicode) === undefined) {
        names.add(`:${(element as z.infer<typeof emoji>).name}:`);
      }
    }
  };
  for (const richText of parsed.data) visit(richText.elements);
  return [...names];
}
