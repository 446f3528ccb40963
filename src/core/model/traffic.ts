export const HOUR_MS = 3_600_000;

/** Wavix outbound statuses that count as a failed message; the others are delivered, or still in progress/unknown. */
export const FAILED_OUTBOUND_STATUSES = ['undelivered', 'expired', 'rejected'] as const;

export interface TrafficCounts {
  sent: number;
  delivered: number;
  failed: number;
  inbound: number;
  relayed: number;
}

export interface TrafficHour extends TrafficCounts {
  hourStart: number;
}

export interface NumberTraffic extends TrafficCounts {
  number: string;
}

export interface FailureReason {
  reason: string;
  count: number;
}

// A phone number as Wavix or a carrier may quote one: digits, perhaps a '+', spaces, dots, dashes, slashes or brackets
// between (as smsops' own number parsing accepts them).
const QUOTED_NUMBER = /\+?\d[\d\s()./-]{5,}\d/g;
// A link as a carrier may name the one it blocked: with a scheme (defanged `hxxps[:]//` or backslashed too), from `www.`
// or `//`, a URL of a scheme without slashes (data:, mailto:, javascript:), or a host (IDN and punycode included; an IP
// address too) followed by a path, a port, a query or a fragment, also with an encoded or look-alike slash. It is the
// SMS's own link (a password reset with its token, a tracking link naming the customer), and Slack would make it
// clickable. A bare host without any of those is left: it reads like a carrier's or Wavix's name more often than content.
const HOST_LABEL = '[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]*[\\p{L}\\p{N}])?';
const HOST = `(?:${HOST_LABEL}(?:\\.|\\[\\.\\]))+(?:\\p{L}{2,}|xn--[a-z\\d-]+)|\\d{1,3}(?:\\.\\d{1,3}){3}`;
const AFTER_HOST = '(?::\\d+|[/\\\\?#／＼]|%2f|%5c|%3f|%23)';
const QUOTED_LINK = new RegExp(
  [
    '\\b[a-z][a-z\\d+.-]*(?::|\\[:\\])[/\\\\]{1,2}[^\\s"\'<>]+',
    '\\b(?:data|mailto|javascript|vbscript|blob|intent|sms|smsto):[^\\s"\'<>]+',
    '(?<![\\p{L}\\p{N}:/])//[^\\s"\'<>]+',
    '\\bwww\\.[^\\s"\'<>]+',
    `(?<![\\p{L}\\p{N}.@-])(?:${HOST})${AFTER_HOST}[^\\s"'<>]*`,
  ].join('|'),
  'giu',
);
// An email address (the customer's, a carrier's contact): Slack makes it a mailto: link.
const QUOTED_ADDRESS = new RegExp(`[\\p{L}\\p{N}._%+-]+@(?:${HOST})`, 'giu');
// A passage in quotes of any kind: where a carrier quotes content, it is the SMS's.
// Single quotes only as quotes, not apostrophes ("recipient's handset" is left as it is).
const QUOTED_PASSAGE = /"[^"]*"|(?<![\p{L}\p{N}])'[^']*'(?![\p{L}\p{N}])|“[^”]*”|‘[^’]*’|«[^»]*»|„[^“”]*[“”]/gu;
// The same in a reason cut short, where the passage the cut falls in has lost its closing quote and runs to the end.
const QUOTED_PASSAGE_CUT =
  /"[^"]*(?:"|$)|(?<![\p{L}\p{N}])'[^']*(?:'(?![\p{L}\p{N}])|$)|“[^”]*(?:”|$)|‘[^’]*(?:’|$)|«[^»]*(?:»|$)|„[^“”]*(?:[“”]|$)/gu;
/** Past this, a reason is more than a carrier's title ("Rejected by far-end carrier"): the rest is cut. */
const SHOWN_REASON_MAX = 100;
/**
 * Only this much of a reason is read: the patterns above take time growing with the square of a long run of letters and
 * dots, and a 100 KB reason held the event loop for 23 s per read (a probe). Ten times what is shown leaves room for
 * the links and quotes before it that shrink to a few words.
 */
const READ_REASON_MAX = SHOWN_REASON_MAX * 10;

/**
 * A failure reason as the shared surfaces show it (`/sms traffic` to any member, the digest and the failure-rate alert
 * in the alert channel), whom the SMS went to and what it said being personal data those readers may not see: Wavix's
 * words with any passage in quotes and any phone number replaced ('Carrier blocked content "Hi Jane…" to
 * +44 7400 918273' → 'Carrier blocked content "…" to a number'), any link replaced too ('Blocked URL
 * bit.ly/3xYz' → 'Blocked URL a link'), and cut to a title's length. Wavix documents its
 * reasons as human-readable titles; whether one ever carries content unquoted is not documented.
 */
export function failureReasonShown(reason: string): string {
  // Links before numbers: a link's digits (a token, a date in its path) would leave the rest of it shown.
  // A cut falls inside a quoted SMS of over 1,000 characters (its closing quote past it) or inside a number, a link or
  // an address: that passage is masked to the end and that last word dropped, or the SMS's own words would show.
  const cut = reason.length > READ_REASON_MAX;
  const read = cut ? reason.slice(0, READ_REASON_MAX).replace(/(?<=\s)\S+$/u, '') : reason;
  const masked = read
    .replace(cut ? QUOTED_PASSAGE_CUT : QUOTED_PASSAGE, '"…"')
    .replace(QUOTED_LINK, 'a link')
    .replace(QUOTED_ADDRESS, 'an address')
    .replace(QUOTED_NUMBER, 'a number');
  const shown = cut && !/…"?$/u.test(masked) ? `${masked.trimEnd()}…` : masked;
  const characters = [...shown];
  return characters.length > SHOWN_REASON_MAX ? `${characters.slice(0, SHOWN_REASON_MAX - 1).join('')}…` : shown;
}

/** Reasons that read the same once shown are one reason: their counts added, the largest first. */
export function mergeFailureReasons(reasons: readonly FailureReason[], limit: number): FailureReason[] {
  const counts = new Map<string, number>();
  for (const { reason, count } of reasons) {
    const shown = failureReasonShown(reason);
    counts.set(shown, (counts.get(shown) ?? 0) + count);
  }
  return [...counts]
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0))
    .slice(0, limit);
}

/** '+1 415 555 0100' and '14155550100' are the same number; an alphanumeric Sender ID is kept as written. */
export function normaliseTrafficNumber(number: string): string {
  const trimmed = number.trim();
  return /^[\d\s+().-]+$/.test(trimmed) ? trimmed.replace(/\D/g, '') : trimmed;
}

/** Traffic is counted in whole UTC hours: the start of the hour `ms` falls in. */
export const hourStartOf = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;
