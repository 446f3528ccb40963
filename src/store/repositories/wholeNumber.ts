import type { Db } from '../database.js';

/**
 * A customer's number inside stored text (a refused webhook's excerpt, an audit entry), as a whole number: the digits
 * with no digit on either side, with or without a leading `+`. Found anywhere in the text, 447400123 (a typo, nobody's)
 * matched inside 447400123456 and its erasure deleted that customer's refused webhook and masked their audit entries.
 */
const wholeNumber = (digits: string) => new RegExp(`(?<!\\d)\\+?${digits.replace(/\D/g, '')}(?!\\d)`, 'g');

const textOf = (value: unknown): string | null =>
  typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('latin1') : null;

/** Whether `text` holds the number as a whole number. */
export function holdsWholeNumber(text: unknown, digits: string): boolean {
  const s = textOf(text);
  return s?.includes(digits) === true && wholeNumber(digits).test(s);
}

/** `text` with each whole-number occurrence of the number (with its `+`, if any) replaced by `masked`. */
export function maskWholeNumber(text: unknown, digits: string, masked: string): unknown {
  return typeof text === 'string' && text.includes(digits) ? text.replace(wholeNumber(digits), masked) : text;
}

/**
 * The two as SQL functions on this connection: `holds_number(text, digits)` (1 or 0) and `mask_number(text, digits,
 * masked)`. Direct only: no trigger or view may depend on them, so the file stays readable by any sqlite3.
 */
export function registerWholeNumberFunctions(db: Db): void {
  const options = { deterministic: true, directOnly: true };
  db.function('holds_number', options, (text: unknown, digits: unknown) =>
    typeof digits === 'string' && holdsWholeNumber(text, digits) ? 1 : 0,
  );
  db.function('mask_number', options, (text: unknown, digits: unknown, masked: unknown) =>
    typeof digits === 'string' && typeof masked === 'string' ? maskWholeNumber(text, digits, masked) : text,
  );
}
