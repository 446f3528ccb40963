import type { InputProblem } from './inputError.js';
import type { SenderIdRecord } from './model/senderId.js';
import { parsePhoneNumber, toWavixDigits } from './phone.js';
import type { RequestableSenderIdType } from './senderIdRules.js';
import { listInWords } from './wording.js';

/**
 * One logical Sender ID (a value and a type) can sit in several Wavix records: Wavix's create call takes the countries
 * once and has no "add a country", so asking for a new country makes a new record. What must not happen is a second
 * request for a country that one of them already has pending or approved.
 */

/** A country one of the Sender ID's Wavix records already has asked for or allowlisted. */
export interface ExistingCountry {
  country: string;
  status: 'pending' | 'approved';
  wavixId: string;
  requestedBy: string | null;
}

/** The form's value as Wavix stores it: the text for alphanumeric, the digits without "+" for numeric. */
function storedValue(type: RequestableSenderIdType, value: string): string | null {
  if (type === 'alphanumeric') return value;
  const parsed = parsePhoneNumber(value);
  return parsed.ok ? toWavixDigits(parsed.value.e164) : null;
}

/**
 * The countries among `countries` that a record with the same value and type already has pending or approved.
 * The value is compared exactly (Wavix and handsets show "ACME" and "Acme" differently); deleted records do not count.
 */
export function existingCountries(
  records: readonly SenderIdRecord[],
  request: { type: RequestableSenderIdType; value: string; countries: readonly string[] },
): ExistingCountry[] {
  const value = storedValue(request.type, request.value);
  if (value === null) return [];
  const wanted = new Set(request.countries.map((c) => c.toUpperCase()));
  const found = new Map<string, ExistingCountry>();
  for (const record of records) {
    if (
      record.deletedAt !== null ||
      record.type !== request.type ||
      record.value.replace(/^\+/, '') !== value.replace(/^\+/, '')
    ) {
      continue;
    }
    for (const c of record.countries) {
      if (!wanted.has(c.country) || (c.status !== 'pending' && c.status !== 'approved')) continue;
      // Approved wins over pending when two records hold the same country: it is what can be used.
      if (found.get(c.country)?.status === 'approved') continue;
      found.set(c.country, { country: c.country, status: c.status, wavixId: record.wavixId, requestedBy: record.requestedBy });
    }
  }
  return [...found.values()].sort((a, b) => a.country.localeCompare(b.country));
}

/** "approved in GB and pending carrier approval in FR (Wavix id 5108c63f…)": what a person reads on the form. */
export function describeExisting(existing: readonly ExistingCountry[]): string {
  const by = (status: ExistingCountry['status']) => existing.filter((e) => e.status === status).map((e) => e.country);
  const parts = [
    by('approved').length > 0 ? `approved in ${listInWords(by('approved'))}` : '',
    by('pending').length > 0 ? `pending carrier approval in ${listInWords(by('pending'))}` : '',
  ].filter(Boolean);
  const ids = [...new Set(existing.map((e) => e.wavixId))];
  return `${parts.join(' and ')} (Wavix id ${listInWords(ids)})`;
}

/** The field problem when nothing new is left to request. */
export function nothingNewProblem(value: string, existing: readonly ExistingCountry[]): InputProblem<'countries'> {
  return {
    field: 'countries',
    message: `${value} is already ${describeExisting(existing)}: nothing new to request. Choose other countries, or see it with /sms senderid status ${value}.`,
  };
}
