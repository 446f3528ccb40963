/**
 * What an inbound SMS says about consent, when the whole message is a keyword. smsops records these itself instead of
 * relying only on Wavix's opt-out list: Wavix documents STOP, QUIT and UNSUBSCRIBE as its stop words (messaging error
 * 9) and its FAQ adds CANCEL and END, but the list does not say which of them it applies to a DID's inbound traffic,
 * nor whether it ever lifts an opt-out. The keywords are the CTIA set US carriers honour.
 *
 * Only a message that is the keyword alone counts ("stop", " Stop! "), as carriers match: "please don't stop the
 * service" must not opt anyone out. Wavix also treats YES as an opt-in word; smsops does not, since a customer
 * answering "yes" to a question is far likelier than one meaning to resubscribe.
 *
 * The FCC's revocation rule (47 CFR 64.1200(a)(10), in force since April 2025) names REVOKE and OPT OUT beside the
 * CTIA words: a US customer replying either has opted out in law, whether or not Wavix or the carrier acts on it, so
 * smsops records them too. A two-word keyword ("OPT OUT", "STOP ALL") is matched with any spaces or a hyphen between
 * its words ("Opt-out", "OPTOUT"), and recorded under one spelling. ARRET is the French STOP Canadian carriers (CWTA)
 * require beside it, with or without its accent.
 */

export type ConsentKeyword = 'opt_out' | 'opt_in' | 'none';

export const OPT_OUT_KEYWORDS = [
  'STOP',
  'STOPALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'REVOKE',
  'OPT OUT',
  'ARRET',
] as const;
export const OPT_IN_KEYWORDS = ['START', 'UNSTOP'] as const;

export interface ConsentClassification {
  kind: ConsentKeyword;
  /** The keyword as recorded (upper case), when there is one. */
  keyword: string | null;
}

const optOut = new Set<string>(OPT_OUT_KEYWORDS);
const optIn = new Set<string>(OPT_IN_KEYWORDS);

/** Two-word keywords, with whatever a person types between the words, as recorded. */
const SPELLED_APART: ReadonlyArray<[RegExp, string]> = [
  [/^OPT[\s-]*OUT$/, 'OPT OUT'],
  [/^STOP[\s-]*ALL$/, 'STOPALL'],
  [/^ARRÊT$/, 'ARRET'],
];

/** Whitespace and punctuation a phone adds or a person types around a keyword: "STOP.", "stop!!", "“Stop”". */
const SURROUNDING = /^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu;

/**
 * Characters a phone shows as nothing, wherever they are: format characters (zero-width space and joiner, word joiner,
 * BOM, direction marks: Unicode's Cf, as looksEmpty reads them) and variation selectors (U+FE0F follows an emoji, a
 * keyboard may leave one behind). "STOP\u200B" reads STOP on the customer's screen, so it must opt them out.
 */
const INVISIBLE = /\p{Cf}|[\uFE00-\uFE0F]|[\u{E0100}-\u{E01EF}]/gu;

/**
 * ASCII only: NFKC leaves every ASCII character as it is and none of them is invisible, so both steps are skipped. Most
 * texts are ASCII, and the NFKC call (ICU, a new string) was the larger part of this check on every inbound webhook.
 */
const NON_ASCII = /[\u0080-\uffff]/;

export function classifyConsentKeyword(text: string): ConsentClassification {
  const visible = NON_ASCII.test(text) ? text.normalize('NFKC').replace(INVISIBLE, '') : text;
  const trimmed = visible.replace(SURROUNDING, '').toUpperCase();
  const word = SPELLED_APART.find(([spelling]) => spelling.test(trimmed))?.[1] ?? trimmed;
  if (optOut.has(word)) return { kind: 'opt_out', keyword: word };
  if (optIn.has(word)) return { kind: 'opt_in', keyword: word };
  return { kind: 'none', keyword: null };
}
