import { describe, expect, it } from 'vitest';
import { countryRestriction, validateAlphanumericSenderId, validateSenderIdRequest } from '../../src/core/senderIdRules.js';

describe('alphanumeric Sender IDs', () => {
  it.each(['Wavix', 'ACME', 'Acme Co', 'ABCDEFGHIJK', 'Shop 24', 'abc'])('accepts %j', (value) => {
    expect(validateAlphanumericSenderId(value)).toEqual([]);
  });

  it.each([
    ['ABCDEFGHIJKL', /12 characters long; .* at most 11/],
    ['Acme Co Shop', /12 characters long/],
    ['ACME!', /remove "!"/],
    ['Acme-Co', /remove "-"/],
    ['Acme.Co', /remove "\."/],
    ['Acme🚀', /the emoji 🚀/],
    ['Café', /the letter "é"/],
    [' ACME', /start or end with a space/],
    ['ACME ', /start or end with a space/],
    ['12345', /at least one letter/],
    ['AB', /at least 3/],
    ['   ', /Enter a Sender ID/],
    // Quoted, these showed as `remove " "` or `remove ""`: named, with the code point to search for.
    ['Acme\u00a0Co', /remove a no-break space \(U\+00A0\)\./],
    ['Acme\u200bCo', /remove a zero-width space \(U\+200B\)\./],
    ['Acme\tCo', /remove a tab\./],
    ['Acme\u2003Co', /remove a space other than the plain one \(U\+2003\)\./],
    ['Acme\u0007Co', /remove a control character \(U\+0007\)\./],
    ['Acme\u2066Co', /remove an invisible character \(U\+2066\)\./],
    ['Cafe\u0301', /remove a combining mark \(U\+0301\)\./],
  ])('refuses %j', (value, message) => {
    const problems = validateAlphanumericSenderId(value);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.map((p) => p.message).join(' ')).toMatch(message);
  });
});

describe('country restrictions', () => {
  it('refuses alphanumeric for the US and Canada, with the reason', () => {
    expect(countryRestriction('alphanumeric', 'US')).toMatch(/US does not allow/);
    expect(countryRestriction('alphanumeric', 'CA')).toMatch(/Canada/);
    expect(countryRestriction('alphanumeric', 'GB')).toBeNull();
    expect(countryRestriction('numeric', 'US')).toMatch(/10DLC/);
    expect(countryRestriction('numeric', 'CA')).toBeNull();
  });
});

describe('validateSenderIdRequest', () => {
  const account = { smsEnabledNumbers: ['+16135550123', '+14155550100'] };

  it('accepts a valid alphanumeric request', () => {
    expect(validateSenderIdRequest({ type: 'alphanumeric', value: 'ACME', countries: ['GB', 'DE'] }, account).problems).toEqual(
      [],
    );
  });

  it('names each refused country and unknown code', () => {
    const { problems } = validateSenderIdRequest(
      { type: 'alphanumeric', value: 'ACME', countries: ['GB', 'US', 'CA', 'XX'] },
      account,
    );
    expect(problems.map((p) => p.field)).toEqual(['countries', 'countries', 'countries']);
    expect(problems.some((p) => p.message.startsWith('US:'))).toBe(true);
    expect(problems.some((p) => p.message.startsWith('CA:'))).toBe(true);
    expect(problems.some((p) => p.message.includes('"XX"'))).toBe(true);
  });

  it('requires at least one country', () => {
    const { problems } = validateSenderIdRequest({ type: 'alphanumeric', value: 'ACME', countries: [] }, account);
    expect(problems).toEqual([{ field: 'countries', message: 'Choose at least one destination country.' }]);
  });

  it('accepts a numeric Sender ID that is an SMS-enabled number of the account, in any format', () => {
    const result = validateSenderIdRequest({ type: 'numeric', value: '1 (613) 555-0123', countries: ['CA'] }, account);
    expect(result.problems).toEqual([]);
    expect(result.number?.e164).toBe('+16135550123');
  });

  it('refuses a numeric Sender ID that is not an SMS-enabled number of the account', () => {
    const { problems } = validateSenderIdRequest({ type: 'numeric', value: '+44 20 7946 0000', countries: ['GB'] }, account);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toMatch(/\+44 20 7946 0000 is not an SMS-enabled number of this Wavix account/);
  });

  it('refuses a numeric Sender ID that is not a phone number', () => {
    const { problems } = validateSenderIdRequest({ type: 'numeric', value: 'ACME', countries: ['GB'] }, account);
    expect(problems[0]?.field).toBe('value');
  });
});
