import { plainNumberText } from './phone.js';
import { isCountryCode, type RequestableSenderIdType } from './senderIdRules.js';

/** What `/sms senderid create Acme FR GB` says about the form to open. */
export interface SenderIdPrefill {
  type: RequestableSenderIdType;
  value: string;
  /** Known ISO codes, upper-case, in the order typed. */
  countries: string[];
  /** Words where a country code was expected that are not one, as typed: said on the form, not dropped silently. */
  notCountries: string[];
}

const COUNTRY_WORD = /^[A-Za-z]{2}$/;

/**
 * Reads the words after `senderid create`. The Sender ID may contain spaces ("Acme Co", "+44 7400 123456"): it runs up
 * to the first two-letter word in capitals after its first word (as `senderid reject` reads it); every word after that
 * is a country. The type is guessed from the value: digits (with "+", spaces, brackets or dashes) make a number.
 */
export function parseSenderIdPrefill(text: string): SenderIdPrefill | null {
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return null;
  const at = words.findIndex((word, i) => i > 0 && /^[A-Z]{2}$/.test(word));
  const valueWords = at < 0 ? words : words.slice(0, at);
  const countryWords = at < 0 ? [] : words.slice(at);
  const typed = valueWords.join(' ');
  // A number pasted with typographic dashes or full-width digits (as every other command reads it) is a number: taken
  // as typed, it opened the form as a name "15 characters; at most 11". A name is left exactly as typed.
  const plain = plainNumberText(typed);
  const type: RequestableSenderIdType =
    /^\+?[\d\s().-]+$/.test(plain) && /\d{5}/.test(plain.replace(/\D/g, '')) ? 'numeric' : 'alphanumeric';
  const value = type === 'numeric' ? plain : typed;
  const countries: string[] = [];
  const notCountries: string[] = [];
  for (const word of countryWords.flatMap((w) => w.split(',')).filter(Boolean)) {
    const code = word.toUpperCase();
    if (COUNTRY_WORD.test(word) && isCountryCode(code)) {
      if (!countries.includes(code)) countries.push(code);
    } else notCountries.push(word);
  }
  return { type, value, countries, notCountries };
}

/** "UK is not an ISO country code, so it is not chosen (the United Kingdom is GB)." */
export function notCountriesNotice(notCountries: readonly string[]): string | null {
  if (notCountries.length === 0) return null;
  const quoted = notCountries.map((w) => `"${w}"`);
  const hint = notCountries.some((w) => w.toUpperCase() === 'UK') ? ' (the United Kingdom is GB)' : '';
  return notCountries.length === 1
    ? `${quoted[0]} is not an ISO country code, so it is not chosen${hint}. Choose the countries below.`
    : `${quoted.join(', ')} are not ISO country codes, so they are not chosen${hint}. Choose the countries below.`;
}
