/**
 * Pure text helpers used wherever text typed by a person or received by SMS is kept or cut: by the use cases, the
 * webhook intake and the Slack builders alike.
 */

/**
 * Replaces a lone surrogate (a JSON webhook may carry `"\ud83d"` on its own) with U+FFFD: Slack's client cannot
 * form-encode one (`URI malformed`), and SQLite stores one as three bytes read back as three U+FFFD.
 * (`String.prototype.toWellFormed` does the same from ES2024; the project's lib is ES2023.)
 */
export function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

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

// Here, not in the Slack builders, because the use cases quote outside text too (doctor's findings name a number's
// label, a Sender ID). Fullwidth lookalikes of mrkdwn's formatting characters. mrkdwn has entities for &, < and > only; a zero-width
// character beside a `*` works or not depending on how Slack's parser treats it, another character is never markup.
const FORMATTING_LOOKALIKES: Record<string, string> = { '*': '\uFF0A', _: '\uFF3F', '~': '\uFF5E', '`': '\uFF40' };

/**
 * Characters that break a line out of its place: control characters, the line and paragraph separators, and the
 * direction overrides and isolates (U+202A-U+202E, U+2066-U+2069), which would show what follows them reversed, the
 * rest of smsops' own line included, until the line ends.
 */
const OFF_THE_LINE = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/gu;

/** Text on one line: control characters and line breaks become spaces; its formatting is left as it is. */
export const oneLine = (text: string): string => wellFormed(text).replace(OFF_THE_LINE, ' ');

/**
 * Text from outside (a sender, a 10DLC id or status) made to stay one inline run: control characters and line breaks
 * become spaces, so it cannot start lines of its own, and `*`, `_`, `~`, `` ` `` their fullwidth lookalikes (＊ ＿ ～ ｀),
 * so it cannot end the bold around it or format itself. Not escaped: for text escaped later, or by someone else.
 */
export function inlineText(text: string): string {
  return wellFormed(text)
    .replace(OFF_THE_LINE, ' ')
    .replace(/[*_~`]/g, (c) => FORMATTING_LOOKALIKES[c] ?? c);
}
