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
