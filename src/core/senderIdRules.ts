import { getCountries } from 'libphonenumber-js/max';
import type { PhoneNumber } from './phone.js';
import { parsePhoneNumber } from './phone.js';

/**
 * Wavix's Sender ID rules, checked before anything is sent so that a person gets a precise reason at once.
 *
 * Sources: Wavix's send-SMS guide (../shared/wavix/notes.md §2.6) says alphanumeric Sender IDs are 3 to 11
 * characters and lists `- + _ &` as allowed too; the product brief (DEVELOPERS.md, issue 2) says letters, digits and
 * spaces only. We follow the stricter brief: carriers in many countries drop the punctuation, and a Sender ID that
 * Wavix accepts but handsets show mangled is worse than a clear refusal here. Change `ALPHANUMERIC_ALLOWED` if
 * operators ask for the punctuation.
 */

/** What a Sender ID request may ask for: Wavix's create call takes these two (a shortcode is not requested). */
export type RequestableSenderIdType = 'alphanumeric' | 'numeric';

export interface SenderIdProblem {
  field: 'value' | 'countries' | 'type';
  message: string;
}

export const ALPHANUMERIC_MAX_LENGTH = 11;
export const ALPHANUMERIC_MIN_LENGTH = 3;
const ALPHANUMERIC_ALLOWED = /^[A-Za-z0-9 ]+$/;

/** Countries where alphanumeric Sender IDs cannot be used, with the reason shown to people. */
export const ALPHANUMERIC_REFUSED_COUNTRIES: Readonly<Record<string, string>> = {
  US: 'The US does not allow alphanumeric Sender IDs: send from a 10DLC, toll-free or short-code number.',
  CA: 'Canada does not allow alphanumeric Sender IDs: send from a Canadian long-code or toll-free number.',
};

/** Why a numeric Sender ID is not created for the US through this API (Wavix: "Use the 10DLC API"). */
export const NUMERIC_US_REASON =
  'US traffic from a long-code number goes through 10DLC: register a brand and campaign with Wavix, then link the number.';

const knownCountries: ReadonlySet<string> = new Set(getCountries());

/** An ISO 3166 alpha-2 code libphonenumber knows (upper-case). */
export const isCountryCode = (code: string): boolean => knownCountries.has(code);

/** Characters a person cannot see in the message, or would take for a plain space: said by name. */
const INVISIBLE_NAMES: Readonly<Record<string, string>> = {
  '\t': 'a tab',
  '\n': 'a line break',
  '\r': 'a carriage return',
  '\u00a0': 'a no-break space',
  '\u00ad': 'a soft hyphen',
  '\u2007': 'a figure space',
  '\u200b': 'a zero-width space',
  '\u200c': 'a zero-width non-joiner',
  '\u200d': 'a zero-width joiner',
  '\u200e': 'a left-to-right mark',
  '\u200f': 'a right-to-left mark',
  '\u2028': 'a line separator',
  '\u2029': 'a paragraph separator',
  '\u202f': 'a narrow no-break space',
  '\u2060': 'a word joiner',
  '\u3000': 'an ideographic space',
  '\ufe0f': 'an emoji variation selector',
  '\ufeff': 'a zero-width no-break space',
};

const codePoint = (code: number) => `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;

function describeCharacter(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  // Quoted, these show as "" or " " in Slack: the person would not know what to remove.
  const named = INVISIBLE_NAMES[char];
  if (named) return char === '\t' || char === '\n' || char === '\r' ? named : `${named} (${codePoint(code)})`;
  if (/\p{Z}/u.test(char)) return `a space other than the plain one (${codePoint(code)})`;
  if (/\p{Cc}/u.test(char)) return `a control character (${codePoint(code)})`;
  if (/\p{M}/u.test(char)) return `a combining mark (${codePoint(code)})`;
  if (/\p{C}/u.test(char)) return `an invisible character (${codePoint(code)})`;
  if (/\p{Extended_Pictographic}/u.test(char)) return `the emoji ${char}`;
  if (code > 0x7f && /\p{L}/u.test(char)) return `the letter "${char}" (only A–Z without accents)`;
  return `"${char}"`;
}

export function validateAlphanumericSenderId(value: string): SenderIdProblem[] {
  const problems: SenderIdProblem[] = [];
  const chars = [...value];
  if (value.trim() === '') return [{ field: 'value', message: 'Enter a Sender ID.' }];
  if (value !== value.trim()) {
    problems.push({ field: 'value', message: 'A Sender ID cannot start or end with a space.' });
  }
  if (chars.length > ALPHANUMERIC_MAX_LENGTH) {
    problems.push({
      field: 'value',
      message: `"${value}" is ${chars.length} characters long; an alphanumeric Sender ID has at most ${ALPHANUMERIC_MAX_LENGTH}.`,
    });
  } else if (value.trim().length < ALPHANUMERIC_MIN_LENGTH) {
    problems.push({ field: 'value', message: `An alphanumeric Sender ID has at least ${ALPHANUMERIC_MIN_LENGTH} characters.` });
  }
  if (!ALPHANUMERIC_ALLOWED.test(value)) {
    const bad = [...new Set(chars.filter((c) => !ALPHANUMERIC_ALLOWED.test(c)))].map(describeCharacter);
    problems.push({
      field: 'value',
      message: `Only letters A–Z, digits and spaces are allowed; remove ${bad.join(', ')}.`,
    });
  } else if (/^[\d ]+$/.test(value)) {
    problems.push({
      field: 'value',
      message: 'An alphanumeric Sender ID needs at least one letter; for a number choose the numeric type.',
    });
  }
  return problems;
}

/** Per-country verdict for a Sender ID type: usable, or refused with the reason. */
export function countryRestriction(type: RequestableSenderIdType, country: string): string | null {
  if (type === 'alphanumeric') return ALPHANUMERIC_REFUSED_COUNTRIES[country] ?? null;
  if (country === 'US') return NUMERIC_US_REASON;
  return null;
}

export interface SenderIdRequest {
  type: RequestableSenderIdType;
  value: string;
  countries: readonly string[];
}

export interface SenderIdAccountFacts {
  /** The account's SMS-enabled numbers, E.164. A numeric Sender ID must be one of them. */
  smsEnabledNumbers: readonly string[];
}

/**
 * Validates a Sender ID request. Returns the problems (empty when it may be sent to Wavix) and, for numeric ones,
 * the parsed number. Without `account` the number is only checked for shape (a quick check before the slow one).
 */
export function validateSenderIdRequest(
  request: SenderIdRequest,
  account?: SenderIdAccountFacts,
): { problems: SenderIdProblem[]; number?: PhoneNumber } {
  const problems: SenderIdProblem[] = [];
  let number: PhoneNumber | undefined;

  if (request.type === 'alphanumeric') {
    problems.push(...validateAlphanumericSenderId(request.value));
  } else {
    const parsed = parsePhoneNumber(request.value);
    if (!parsed.ok) {
      problems.push({ field: 'value', message: parsed.error.userMessage });
    } else {
      number = parsed.value;
      if (account && !account.smsEnabledNumbers.includes(parsed.value.e164)) {
        problems.push({
          field: 'value',
          message: `${parsed.value.display} is not an SMS-enabled number of this Wavix account; a numeric Sender ID must be one.`,
        });
      }
    }
  }

  if (request.countries.length === 0) {
    problems.push({ field: 'countries', message: 'Choose at least one destination country.' });
  }
  for (const country of request.countries) {
    if (!knownCountries.has(country)) {
      problems.push({ field: 'countries', message: `"${country}" is not an ISO 3166 country code (e.g. GB, DE, FR).` });
      continue;
    }
    const refusal = countryRestriction(request.type, country);
    if (refusal) problems.push({ field: 'countries', message: `${country}: ${refusal}` });
  }
  return number ? { problems, number } : { problems };
}
