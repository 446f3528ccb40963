import type { SenderIdRecord } from './model/senderId.js';
import { countryRestriction, isCountryCode } from './senderIdRules.js';
import { listInWords } from './wording.js';

export const REJECT_USAGE =
  'Usage: `/sms senderid reject <Sender ID or Wavix id> <country code> <reason>`, e.g. `/sms senderid reject Acme FR Brand not registered`.';

/** Why `country` names no country (a refusal there is recorded for nothing), or null. */
export function countryProblem(country: string): string | null {
  return isCountryCode(country) ? null : `${country} is not a country code. ${REJECT_USAGE}`;
}

/**
 * Why `record` cannot have been refused in `country`, or null. What is recorded is announced and alerted, so only a
 * refusal that could have happened is: not where the type can never send (an alphanumeric in the US), not where it is
 * approved, and, for one requested through smsops (which knows what it asked for), only a country it asked for and
 * was not given. A portal-made one's requested countries are not in Wavix's API: any country not approved is taken.
 */
export function rejectionProblem(record: SenderIdRecord, country: string): string | null {
  const restriction = record.type === 'shortcode' ? null : countryRestriction(record.type, country);
  if (restriction) return `${record.value} is ${record.type}, which is never approved in ${country}: ${restriction}`;
  const stored = record.countries.find((c) => c.country === country);
  if (stored?.status === 'approved') {
    return `${record.value} is approved in ${country} on Wavix; a refusal there cannot be recorded.`;
  }
  if (record.origin === 'smsops' && stored?.status !== 'pending' && stored?.status !== 'rejected') {
    const asked = record.countries.map((c) => `${c.country} ${c.status}`);
    return `${record.value} was not requested for ${country} (its countries: ${
      asked.length > 0 ? listInWords(asked) : 'none'
    }), so Wavix cannot have refused it there. ${REJECT_USAGE}`;
  }
  return null;
}
