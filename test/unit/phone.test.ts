import { describe, expect, it } from 'vitest';
import {
  formatPartyForPeople,
  formatPhoneForPeople,
  isNationalForm,
  isUsOrCanada,
  nationalSenderDigits,
  parsePhoneNumber,
  toWavixDigits,
} from '../../src/core/phone.js';

describe('parsePhoneNumber', () => {
  it.each([
    ['+1 (415) 555-0100', undefined, '+14155550100', 'US'],
    ['(415) 555-0100', undefined, '+14155550100', 'US'],
    ['415.555.0100', undefined, '+14155550100', 'US'],
    ['14155550100', undefined, '+14155550100', 'US'], // Wavix's digits-only form
    ['4155550100', undefined, '+14155550100', 'US'], // US national digits
    ['+1 613 555 0123', undefined, '+16135550123', 'CA'],
    ['16135550123', undefined, '+16135550123', 'CA'],
    ['+44 20 7946 0000', undefined, '+442079460000', 'GB'],
    ['442079460000', undefined, '+442079460000', 'GB'],
    ['020 7946 0000', 'GB', '+442079460000', 'GB'],
    ['0044 20 7946 0000', undefined, '+442079460000', 'GB'],
    ['+49 151 12345678', undefined, '+4915112345678', 'DE'],
    ['31612345678', undefined, '+31612345678', 'NL'],
  ] as const)('%s → %s', (input, country, e164, expectedCountry) => {
    const result = parsePhoneNumber(input, country);
    expect(result.ok, result.ok ? '' : result.error.userMessage).toBe(true);
    if (!result.ok) return;
    expect(result.value.e164).toBe(e164);
    expect(result.value.country).toBe(expectedCountry);
  });

  it.each([
    ['', /empty/],
    ['hello', /only contain digits/],
    ['+1 415 555', /no country/],
    ['12', /country code/],
    ['+44 7700 900123', /no country/], // Ofcom's drama range: possible, never valid
  ])('refuses %j with a reason', (input, reason) => {
    const result = parsePhoneNumber(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.userMessage).toMatch(reason);
    expect(result.error.userMessage).toContain(input);
  });
});

describe('US/CA detection for inbound SMS', () => {
  it.each([
    ['+14155550100', true],
    ['+16135550123', true],
    ['+442079460000', false], // UK numbers cannot receive inbound SMS through Wavix
    ['+447911123456', false],
    ['+12462345678', false], // Barbados shares +1 but is not US/CA
  ])('%s → %s', (input, expected) => {
    const result = parsePhoneNumber(input);
    expect(result.ok).toBe(true);
    if (result.ok) expect(isUsOrCanada(result.value)).toBe(expected);
  });
});

describe('formatting', () => {
  it('converts to Wavix digits and to a readable form', () => {
    expect(toWavixDigits('+14155550100')).toBe('14155550100');
    expect(formatPhoneForPeople('14155550100')).toBe('+1 415 555 0100');
    expect(formatPhoneForPeople('Wavix')).toBe('Wavix');
  });
});

describe('parsePhoneNumber, numbers pasted from web pages, PDFs and contact cards', () => {
  it.each([
    ['+1 202\u2011555\u20110143'], // non-breaking hyphens (a web page keeping the number on one line)
    ['+1 202\u2013555\u20130143'], // en dashes (a word processor's autocorrect)
    ['(202) 555\u22120143'], // a minus sign
    ['+1\u00a0202\u00a0555\u00a00143'], // no-break spaces
    ['\u202a+1 202 555 0143\u202c'], // direction marks around it (copied from right-to-left text)
    ['+1 202 555 0143\u200b'], // a zero-width space at the end of a copied line
    ['\uff0b\uff11 \uff12\uff10\uff12 \uff15\uff15\uff15 \uff10\uff11\uff14\uff13'], // full-width (a CJK keyboard)
  ])('%j is +12025550143', (input) => {
    const result = parsePhoneNumber(input);
    expect(result.ok, result.ok ? '' : result.error.userMessage).toBe(true);
    if (result.ok) expect(result.value.e164).toBe('+12025550143');
  });

  it('still refuses letters, and quotes the number as it was pasted', () => {
    const result = parsePhoneNumber('+1 202\u2013555\u2013CALL');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.userMessage).toContain('+1 202\u2013555\u2013CALL');
  });
});

describe('parsePhoneNumber, NANP area codes newer than the number metadata', () => {
  // 729 (Tennessee's 423 overlay) and 624 (Buffalo's 716 overlay) are unknown to the metadata smsops is built with;
  // Wavix sells their numbers and their SMS arrive, so a route must be settable for them.
  it.each([
    ['+1 729 234 5678', '+17292345678'],
    ['(624) 234-5678', '+16242345678'],
    ['17292345678', '+17292345678'],
    ['7292345678', '+17292345678'],
  ])('%j is %s', (input, e164) => {
    const result = parsePhoneNumber(input);
    expect(result.ok, result.ok ? '' : result.error.userMessage).toBe(true);
    if (!result.ok) return;
    expect(result.value.e164).toBe(e164);
    expect(isUsOrCanada(result.value)).toBe(true);
    expect(result.value.display).toBe(`+1 ${e164.slice(2, 5)} ${e164.slice(5, 8)} ${e164.slice(8)}`);
  });

  it.each([
    ['+1 911 234 5678'], // N11: a service code, never an area code
    ['+1 292 234 5678'], // N9X: reserved
    ['+1 729 134 5678'], // an exchange starting with 1
    ['+1 729 234 567'], // a digit short
  ])('still refuses %j', (input) => {
    expect(parsePhoneNumber(input).ok).toBe(false);
  });
});

describe('senders in national form', () => {
  it('are told apart from international digits, and shown as sent rather than as another country’s number', () => {
    for (const national of ['(323) 555-0100', '07400 123456', '07400123456', ' (415)555-0100 ', '323-555-0100', '323.555.0100']) {
      expect(isNationalForm(national)).toBe(true);
      expect(formatPartyForPeople(national)).toBe(national.trim());
    }
    for (const international of [
      '13235550100',
      '+1 (323) 555-0100',
      '1 (323) 555-0100',
      '1-323-555-0100',
      '3235550100',
      '44 7400 123456',
      '00447400123456',
      '72975',
      'ACME',
      '',
    ]) {
      expect(isNationalForm(international)).toBe(false);
    }
    expect(formatPartyForPeople('13235550100')).toBe('+1 323 555 0100');
  });

  it('are read in the country of the number they texted, or not at all', () => {
    expect(nationalSenderDigits('(323) 555-0100', '14155550100')).toBe('13235550100');
    expect(nationalSenderDigits('(416) 555-0199', '14155550100')).toBe('14165550199');
    expect(nationalSenderDigits('323-555-0100', '14155550100')).toBe('13235550100');
    expect(nationalSenderDigits('323-555-0100', '447911123456')).toBeUndefined();
    expect(nationalSenderDigits('07400 123456', '447911123456')).toBe('447400123456');
    expect(nationalSenderDigits('07400 123456', '14155550100')).toBeUndefined();
  });
});
