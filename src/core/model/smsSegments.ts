/**
 * How many SMS segments a text costs, in which encoding, and why. Shown to the person replying before and after a
 * reply is sent ("2 segments, UCS-2 because of ’"), so a single curly quote pasted from a document does not
 * silently halve the room per segment.
 *
 * Carriers pick GSM-7 (3GPP TS 23.038) when every character is in its default alphabet or its extension table, UCS-2
 * otherwise. A single segment holds 160 septets or 70 UTF-16 code units; a concatenated one loses room to its user
 * data header and holds 153 septets or 67 code units.
 *
 * Wavix documents none of this (it only reports `segments` after sending); it may apply "smart encoding" (replacing
 * curly quotes by straight ones) when asked, which smsops does not ask for, so the count here is the honest upper
 * bound of what Wavix will charge.
 */

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSegments {
  encoding: SmsEncoding;
  segments: number;
  /** Septets for GSM-7 (an extension character counts 2), UTF-16 code units for UCS-2. */
  units: number;
  /** Room of one segment for this text: 160/153 septets or 70/67 code units. */
  unitsPerSegment: number;
  /** The first distinct characters (at most 3) that forced UCS-2; empty for GSM-7. */
  nonGsmCharacters: string[];
  /**
   * For UCS-2 forced only by typographic punctuation (curly quotes, dashes, an ellipsis, a no-break space: what an
   * editor or a phone's keyboard puts in for straight ones): the segments the text would take in GSM-7 with their
   * plain forms, when fewer; the plain forms to name.
   */
  withPlainPunctuation?: { segments: number; plain: string[] };
}

// The GSM 03.38 default alphabet, in table order. ESC (0x1B) is left out: it only introduces the extension table.
const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
// Reached by ESC + one septet, so each costs 2 septets.
const GSM7_EXTENSION = new Set('\f^{}\\[~]|€');

export const GSM7_SINGLE = 160;
export const GSM7_PART = 153;
export const UCS2_SINGLE = 70;
export const UCS2_PART = 67;
const MAX_SHOWN_CHARACTERS = 3;

/** A character's size in GSM-7 septets, or undefined when GSM-7 cannot carry it. */
function septets(character: string): 1 | 2 | undefined {
  if (GSM7_BASIC.has(character)) return 1;
  if (GSM7_EXTENSION.has(character)) return 2;
  return undefined;
}

/**
 * How many parts a sequence of indivisible units needs. An element never straddles two parts: a GSM-7 escape pair
 * (ESC + character) whose second septet would fall into the next part moves whole into the next part, leaving the
 * last septet of the part unused, as real encoders do (a receiver would otherwise show ESC and a stray character).
 * A UCS-2 surrogate pair (an emoji) is kept whole the same way. So a part can hold one unit less than its room.
 */
function partsNeeded(sizes: readonly number[], room: number): number {
  let parts = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > room) {
      parts += 1;
      used = 0;
    }
    used += size;
  }
  return parts;
}

export function countSmsSegments(text: string): SmsSegments {
  // Iterating a string yields code points, so a surrogate pair arrives as one character of length 2.
  const characters = [...text];
  const gsmSizes: number[] = [];
  let gsm = true;
  for (const character of characters) {
    const size = septets(character);
    if (size === undefined) gsm = false;
    else gsmSizes.push(size);
  }

  // An empty text still goes out as one (empty) segment.
  if (gsm) {
    const units = gsmSizes.reduce((sum, size) => sum + size, 0);
    const single = units <= GSM7_SINGLE;
    return {
      encoding: 'GSM-7',
      segments: single ? 1 : partsNeeded(gsmSizes, GSM7_PART),
      units,
      unitsPerSegment: single ? GSM7_SINGLE : GSM7_PART,
      nonGsmCharacters: [],
    };
  }
  const ucsSizes = characters.map((character) => character.length);
  const units = text.length;
  const single = units <= UCS2_SINGLE;
  const segments = single ? 1 : partsNeeded(ucsSizes, UCS2_PART);
  const plain = withPlainPunctuation(characters, segments);
  return {
    encoding: 'UCS-2',
    segments,
    units,
    unitsPerSegment: single ? UCS2_SINGLE : UCS2_PART,
    nonGsmCharacters: nonGsmShown(text),
    ...(plain ? { withPlainPunctuation: plain } : {}),
  };
}

/**
 * Typographic punctuation and the plain GSM-7 characters a person would type for it: smart quotes and dashes come from
 * macOS/iOS substitution, word processors and pasted documents, and alone turn a GSM-7 text into UCS-2, halving the
 * room per segment. smsops never replaces them itself (the SMS goes as typed, and Wavix's `smart_encoding`, seen only
 * outside its OpenAPI, is not asked for): it says what the person can do.
 */
const PLAIN_PUNCTUATION: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201A': "'",
  '\u201B': "'",
  '\u2032': "'",
  '\u201C': '"',
  '\u201D': '"',
  '\u201E': '"',
  '\u201F': '"',
  '\u2033': '"',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
  '\u2212': '-',
  '\u2026': '...',
  '\u00A0': ' ',
  '\u2009': ' ',
  '\u202F': ' ',
};

function withPlainPunctuation(characters: readonly string[], segments: number): SmsSegments['withPlainPunctuation'] {
  const plain: string[] = [];
  const sizes: number[] = [];
  for (const character of characters) {
    const replacement = PLAIN_PUNCTUATION[character];
    if (replacement !== undefined && !plain.includes(replacement)) plain.push(replacement);
    for (const c of replacement ?? character) {
      const size = septets(c);
      if (size === undefined) return undefined;
      sizes.push(size);
    }
  }
  const units = sizes.reduce((sum, size) => sum + size, 0);
  const gsmSegments = units <= GSM7_SINGLE ? 1 : partsNeeded(sizes, GSM7_PART);
  return gsmSegments < segments ? { segments: gsmSegments, plain } : undefined;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The characters that make a text UCS-2, as a person sees them: whole (a thumbs-up with its skin tone, a family joined
 * by zero-width joiners), not the code points they are made of ("👍, 🏽").
 */
function nonGsmShown(text: string): string[] {
  const shown: string[] = [];
  const show = (piece: string) => {
    if (shown.length < MAX_SHOWN_CHARACTERS && !shown.includes(piece)) shown.push(piece);
  };
  for (const { segment } of graphemes.segment(text)) {
    const culprits = [...segment].filter((character) => septets(character) === undefined);
    if (culprits.length === 0) continue;
    // An invisible one riding on a visible letter ("a" + a zero-width joiner) is named by its code point.
    if (culprits.every((character) => visibleCharacter(character) !== character)) for (const c of culprits) show(c);
    else show(segment);
  }
  return shown;
}

/** A character as a person can see it in Slack: invisible ones (no-break space, zero-width joiner…) by code point. */
export function visibleCharacter(character: string): string {
  if (/^[\p{Z}\p{C}]$/u.test(character) || character.trim() === '') {
    return `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return character;
}

/** "UCS-2 because of ’, “" or "GSM-7": why the text is in its encoding. */
export function encodingReason(result: SmsSegments): string {
  if (result.encoding === 'GSM-7') return 'GSM-7';
  return `UCS-2 because of ${result.nonGsmCharacters.map(visibleCharacter).join(', ')}`;
}

const segmentsText = (n: number) => `${n} segment${n === 1 ? '' : 's'}`;

/**
 * "3 segments by Wavix's count (smsops counted 1 segment, GSM-7)": Wavix documents no counting rules (how it counts
 * extension characters, whether it uses national language tables or smart encoding), so smsops' count before the
 * send is an estimate; the segments Wavix's send answer or delivery report gives are what the reply costs.
 */
export const countedByWavix = (segments: number, estimate: string): string =>
  `${segmentsText(segments)} by Wavix’s count (smsops counted ${estimate})`;

/** "1 segment, GSM-7": smsops' estimate as recorded (the line first shown may add what plain punctuation saves). */
export const estimatedCost = (segments: number, encoding: SmsEncoding): string => `${segmentsText(segments)}, ${encoding}`;

/**
 * What a reply costs in words: smsops' estimate (`estimate`, its words as first shown, else as recorded), with Wavix's
 * count before it once Wavix gave one that differs. Both are recorded, so a restart says the same.
 */
export function replyCost(
  reply: { segments: number; encoding: SmsEncoding; wavixSegments: number | null },
  estimate: string = estimatedCost(reply.segments, reply.encoding),
): string {
  return reply.wavixSegments !== null && reply.wavixSegments !== reply.segments
    ? countedByWavix(reply.wavixSegments, estimate)
    : estimate;
}

/**
 * "2 segments, UCS-2 because of ’": the line shown beside a reply; with "(1 segment with plain ' instead)" when only
 * typographic punctuation made it UCS-2 and costs segments, so the person sees what the curly quote costs.
 */
export function describeSmsSegments(result: SmsSegments): string {
  const line = `${segmentsText(result.segments)}, ${encodingReason(result)}`;
  const plain = result.withPlainPunctuation;
  if (!plain) return line;
  const forms = plain.plain.map((form) => (form === ' ' ? 'spaces' : form)).join(' and ');
  return `${line} (${segmentsText(plain.segments)} with plain ${forms} instead)`;
}
