import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { AppError, err, ok, type Result } from '../errors.js';
import { oneLine } from './text.js';

/**
 * Phone numbers as smsops handles them. Inside smsops a number is E.164 (`+14155550100`); Wavix writes the same
 * digits without the `+` (`14155550100`); people type national forms (`(415) 555-0100`, `07911 123456`).
 *
 * The "max" metadata is used on purpose: the smaller default metadata cannot tell which country some numbers
 * belong to (e.g. +1 numbers across the NANP), and the US/CA rule for inbound SMS depends on exactly that.
 */
export interface PhoneNumber {
  /** `+` and digits, e.g. `+14155550100`. */
  e164: string;
  /** ISO 3166-1 alpha-2 country of the number (NANP numbers resolve to US, CA, or a Caribbean country). */
  country: CountryCode;
  /** International format for people, e.g. `+1 415 555 0100`. */
  display: string;
}

export class PhoneNumberError extends AppError {
  constructor(input: string, reason: string) {
    super(
      `invalid phone number ${JSON.stringify(input)}: ${reason}`,
      `"${input}" is not a phone number smsops can use: ${reason}`,
    );
    this.name = 'PhoneNumberError';
  }
}

/**
 * A number copied from a web page, a PDF, a contact card or a spreadsheet carries typographic dashes (`‐ ‑ – — −`),
 * invisible marks (zero-width spaces, the direction marks around a number in right-to-left text) and full-width
 * digits: refused, "may only contain digits, spaces, `-`…" named characters the person saw there. Read as the plain
 * characters they stand for (no-break and thin spaces are white space already).
 */
export function plainNumberText(input: string): string {
  if (/^[\x20-\x7e]*$/.test(input)) return input;
  return input
    .replace(/[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g, '')
    .replace(/[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]/g, '-')
    .replace(/[\uff01-\uff5e]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0xfee0));
}

/**
 * Parses a number given in E.164 (`+44 7400 123456`), Wavix's digits-only international form (`447400123456`), or a
 * national form of `defaultCountry` (`(415) 555-0100` with US).
 *
 * Digits-only input is ambiguous (`4155550100` is a US national number, `14155550100` is Wavix's form of the same):
 * it is tried as international first, because that is how Wavix writes every number it sends us, then as national.
 */
export function parsePhoneNumber(input: string, defaultCountry: CountryCode = 'US'): Result<PhoneNumber, PhoneNumberError> {
  const trimmed = plainNumberText(input).trim();
  if (trimmed === '') return err(new PhoneNumberError(input, 'it is empty.'));
  if (/[^\d\s+().\-/]/.test(trimmed)) {
    return err(new PhoneNumberError(input, 'it may only contain digits, spaces, `+`, `-`, `.`, `/` and parentheses.'));
  }

  const candidates: Array<[string, CountryCode | undefined]> = [];
  if (trimmed.startsWith('+')) candidates.push([trimmed, undefined]);
  else if (trimmed.startsWith('00')) candidates.push([`+${trimmed.slice(2)}`, undefined]);
  else {
    if (/^\d{8,15}$/.test(trimmed)) candidates.push([`+${trimmed}`, undefined]);
    candidates.push([trimmed, defaultCountry]);
  }

  for (const [text, country] of candidates) {
    const parsed = parsePhoneNumberFromString(text, country);
    if (parsed?.isValid() && parsed.country) {
      return ok({ e164: parsed.number, country: parsed.country, display: parsed.formatInternational() });
    }
  }
  // A new NANP area code (an overlay opens every few months) is unknown to the metadata smsops was built with: its
  // numbers were refused here while Wavix sells them and their SMS arrive (the webhook does not check ranges), so no
  // route could be set for one, and its SMS went to the `default` route's PBX. Taken when it has the plan's shape.
  for (const [text, country] of candidates) {
    const parsed = parsePhoneNumberFromString(text, country);
    if (parsed?.countryCallingCode === '1' && NANP_SHAPE.test(parsed.nationalNumber)) {
      // Caribbean codes are few and old: a code too new for the metadata is a US or Canadian one, told apart by Wavix.
      return ok({ e164: parsed.number, country: parsed.country ?? 'US', display: parsed.formatInternational() });
    }
  }
  const hint = trimmed.startsWith('+')
    ? 'no country uses a number of that shape.'
    : `it is not valid in international form, nor as a national number of ${defaultCountry}. Write it with its country code, e.g. +44 7400 123456.`;
  return err(new PhoneNumberError(input, hint));
}

/**
 * Whether the number is in the number data smsops was built with, as opposed to taken by the NANP plan's shape only:
 * a new area code, or a typo into an unused one (refused until new codes were taken by shape), to be said as a doubt.
 */
export function inNumberData(e164: string): boolean {
  return parsePhoneNumberFromString(e164)?.isValid() === true;
}

/** A NANP number: area code and exchange from 2-9, no N11 or N9X (reserved) area code. */
const NANP_SHAPE = /^[2-9](?!11)[0-8]\d[2-9]\d{6}$/;

/** Inbound SMS on Wavix can only be activated on numbers of these countries (Wavix's own rule, HTTP 422 otherwise). */
export const INBOUND_SMS_COUNTRIES: ReadonlySet<string> = new Set(['US', 'CA']);

export function isUsOrCanada(phone: Pick<PhoneNumber, 'country'>): boolean {
  return INBOUND_SMS_COUNTRIES.has(phone.country);
}

/** Wavix's form of a number: international digits, no `+`. */
export function toWavixDigits(e164: string): string {
  return e164.replace(/^\+/, '');
}

// Rendering relayed SMS formats the same few numbers over and over, and libphonenumber's full parse was a tenth of
// the Slack leg's CPU under load. Bounded: cleared when full rather than tracking recency, which is enough here.
const displayCache = new Map<string, string>();
const DISPLAY_CACHE_MAX = 10_000;

/**
 * A sender written in its country's national form: starting with a trunk `0` (`07400 123456`) or an area code in
 * parentheses (`(323) 555-0100`), or in NANP's 3-3-4 grouping (`323-555-0100`), so with no `+`, `00` or country code. Its digits read as an international number are
 * often another country's (3235550100 is +32 3 555 01 00, in Belgium): a reply went to Belgium for a Los Angeles
 * customer (a probe).
 */
export function isNationalForm(sender: string): boolean {
  const text = sender.trim();
  // `1 (202) 555-0100` starts with its country code (NANP's trunk prefix is the same 1): Wavix's digits are right.
  // `323-555-0100` is the North American plan's own grouping, which no international number is written in.
  return /^[\d\s().\-/]+$/.test(text) && (/^(\(|0[1-9])/.test(text) || /^\d{3}([-.\s])\d{3}\1\d{4}$/.test(text));
}

/**
 * A national-form sender as Wavix's international digits, read in the country of the smsops number it texted (a
 * network writes its own numbering plan's national form; `(323) 555-0100` on a US number is 13235550100); undefined
 * when it is no valid number there, so it is kept as sent and never answered (replyAssessment.ts).
 */
export function nationalSenderDigits(sender: string, ourDigits: string): string | undefined {
  const ours = parsePhoneNumber(`+${ourDigits}`);
  if (!ours.ok) return undefined;
  const parsed = parsePhoneNumber(sender, ours.value.country);
  return parsed.ok ? toWavixDigits(parsed.value.e164) : undefined;
}

/**
 * A number's national form as digits (13235550100: 3235550100; 447400123456: 07400123456): how a STOP texted in national
 * form was keyed before such senders were read in their country, so that opt-out still blocks replies to them.
 */
export function nationalDigitsOf(digits: string): string | undefined {
  const parsed = parsePhoneNumberFromString(`+${digits}`);
  const national = parsed?.formatNational().replace(/\D/g, '');
  return national && national !== digits ? national : undefined;
}

/** How a sender is shown when Wavix gave none. */
export const NO_SENDER = 'no sender given';

/**
 * A sender or recipient as smsops stores it, for people: Wavix's digits (7 to 15, see phoneDigits) get their `+` and
 * are formatted; anything else (an alphanumeric sender, a short code) is shown as sent, since a `+` before it would
 * make "ACME" read "+ACME".
 */
export function formatPartyForPeople(stored: string): string {
  // On one line and trimmed: a sender is shown in bold, and `* BANK *` (a space inside a star) is no bold in mrkdwn,
  // only the stars shown. Stored as sent: that is whom a reply goes to.
  const shown = oneLine(stored).trim();
  // An SMS whose carrier withheld the sender is stored with '' (src/wavix/webhookSchemas.ts): said, not left blank.
  if (shown === '') return NO_SENDER;
  // `07400 123456` is not shown `+07400123456`, nor `(323) 555-0100` as the Belgian number its digits make.
  if (isNationalForm(shown)) return shown;
  return /^\+?\d{7,15}$/.test(shown) ? formatPhoneForPeople(shown.startsWith('+') ? shown : `+${shown}`) : shown;
}

/** Formats a number for people; falls back to the raw text when it does not parse (e.g. an alphanumeric sender). */
export function formatPhoneForPeople(value: string): string {
  const cached = displayCache.get(value);
  if (cached !== undefined) return cached;
  const parsed = parsePhoneNumber(value);
  const display = parsed.ok ? parsed.value.display : value;
  if (displayCache.size >= DISPLAY_CACHE_MAX) displayCache.clear();
  displayCache.set(value, display);
  return display;
}
