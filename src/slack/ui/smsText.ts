import { type Block, graphemeStart, wellFormed } from './text.js';

/**
 * SMS text is shown in rich_text preformatted blocks, not in mrkdwn nor plain_text. A rich_text `text` element is
 * taken literally by Slack (it is how Slack's own clients store what a person typed): no mrkdwn, no `:emoji:`
 * conversion, no `<!channel>` or `<url|label>` parsing, and no `&amp;` entity decoding either, which Slack documents
 * for every text object (plain_text included, so an SMS saying `&amp;` would be shown as `&`). The preformatted box
 * also sets the sender's words apart from smsops' own lines, so an SMS cannot pass itself off as one of them.
 */

/**
 * Characters of SMS text per block. Slack documents 3,000 for a text object and nothing for rich_text; the same bound
 * is kept, counted in UTF-16 units (never fewer than the characters Slack counts).
 */
export const SMS_TEXT_PIECE_MAX = 2_900;

/** One piece of SMS text, exactly as received (a lone surrogate aside, which Slack's client cannot even encode). */
export function smsTextBlock(text: string): Block {
  return {
    type: 'rich_text',
    elements: [{ type: 'rich_text_preformatted', border: 0, elements: [{ type: 'text', text: wellFormed(text) }] }],
  };
}

/** Where to end a piece of at most `max` units of `text`: after a line break or a space near the end, else between graphemes. */
function pieceEnd(text: string, max: number): number {
  if (text.length <= max) return text.length;
  const end = graphemeStart(text, max);
  // One grapheme longer than a piece (hundreds of combining marks): cut between code points rather than not at all.
  if (end === 0) return /[\uD800-\uDBFF]/.test(text[max - 1] ?? '') ? max - 1 : max;
  const floor = Math.floor(end * 0.8);
  for (const separator of ['\n', ' ']) {
    const at = text.lastIndexOf(separator, end - 1);
    if (at >= floor && graphemeStart(text, at + 1) === at + 1) return at + 1;
  }
  return end;
}

/**
 * `text` cut into pieces of at most `pieceMax` UTF-16 units whose concatenation is the text itself: at line breaks or
 * spaces where there is one near a piece's end, never inside a surrogate pair, and between graphemes (an emoji with
 * its skin tone, a flag, a letter with its accents) unless one grapheme is longer than a piece. At most `maxUnits` in
 * all; `rest` is what did not fit.
 */
export function splitSmsText(
  text: string,
  pieceMax: number,
  maxUnits = Number.POSITIVE_INFINITY,
): { pieces: string[]; rest: string } {
  const pieces: string[] = [];
  let offset = 0;
  let room = maxUnits;
  while (offset < text.length && room > 0) {
    // A window a little longer than the piece: segmenting costs as much as the string is long, and an SMS may be 256 KB.
    const window = text.slice(offset, offset + Math.min(pieceMax, room) + 64);
    const end = pieceEnd(window, Math.min(pieceMax, room));
    if (end === 0) break;
    pieces.push(window.slice(0, end));
    offset += end;
    room -= end;
  }
  return { pieces, rest: text.slice(offset) };
}

/** Characters as people count them (code points), for "N more characters". */
export const characterCount = (text: string): number => {
  let count = 0;
  for (const _ of text) count++;
  return count;
};

/**
 * The SMS text as blocks, whole when it fits in `maxUnits` and `maxBlocks`; else as much as fits, and `left` says how
 * many characters are not shown (the caller says so in the post: never a silent cut).
 */
export function smsTextBlocks(text: string, limits: { maxUnits: number; maxBlocks: number }): { blocks: Block[]; left: number } {
  const shown = wellFormed(text);
  const { pieces, rest } = splitSmsText(
    shown,
    SMS_TEXT_PIECE_MAX,
    Math.min(limits.maxUnits, limits.maxBlocks * SMS_TEXT_PIECE_MAX),
  );
  const kept = pieces.slice(0, Math.max(0, limits.maxBlocks));
  const notKept = pieces.slice(kept.length).join('') + rest;
  return { blocks: kept.map(smsTextBlock), left: characterCount(notKept) };
}
