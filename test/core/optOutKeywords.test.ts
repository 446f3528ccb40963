import { describe, expect, it } from 'vitest';
import { classifyConsentKeyword } from '../../src/core/model/optOutKeywords.js';

describe('classifyConsentKeyword', () => {
  it.each(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'])('%s opts out', (word) => {
    expect(classifyConsentKeyword(word)).toEqual({ kind: 'opt_out', keyword: word });
  });

  it.each([
    ['REVOKE', 'REVOKE'],
    ['Opt out', 'OPT OUT'],
    ['OPTOUT', 'OPT OUT'],
    ['opt-out!', 'OPT OUT'],
    ['Opt  Out', 'OPT OUT'],
    ['Stop all', 'STOPALL'],
    ['STOP-ALL', 'STOPALL'],
    ['Arrêt', 'ARRET'],
    ['ARRET', 'ARRET'],
  ])('reads %j as %s, which US rules or US/Canadian carriers take as opting out', (text, keyword) => {
    expect(classifyConsentKeyword(text)).toEqual({ kind: 'opt_out', keyword });
  });

  it.each(['START', 'UNSTOP'])('%s opts back in', (word) => {
    expect(classifyConsentKeyword(word)).toEqual({ kind: 'opt_in', keyword: word });
  });

  it.each([
    ['stop', 'STOP'],
    ['Stop', 'STOP'],
    ['  stop  ', 'STOP'],
    ['\nStop\n', 'STOP'],
    ['STOP.', 'STOP'],
    ['stop!!', 'STOP'],
    ['Stop?', 'STOP'],
    ['“Stop”', 'STOP'],
    ['Unsubscribe 🙏', 'UNSUBSCRIBE'],
    ['ＳＴＯＰ', 'STOP'],
    ['STOP\u200B', 'STOP'],
    ['STOP\u2060', 'STOP'],
    ['Stop\u200D', 'STOP'],
    ['STOP\uFE0F', 'STOP'],
    ['\uFEFFStop', 'STOP'],
    ['\u200Fstop\u200E', 'STOP'],
    ['ST\u200BOP', 'STOP'],
    ['Unsubscribe\u{E0100}', 'UNSUBSCRIBE'],
  ])('reads %j as %s: trimmed, any case, punctuation around it ignored', (text, keyword) => {
    expect(classifyConsentKeyword(text)).toEqual({ kind: 'opt_out', keyword });
  });

  it.each(['start.', ' Unstop! '])('reads %j as an opt-in', (text) => {
    expect(classifyConsentKeyword(text).kind).toBe('opt_in');
  });

  it.each([
    '',
    '   ',
    'please stop',
    'stop texting me',
    "don't stop",
    'STOP STOP',
    'the end',
    'stopped',
    'st op',
    'yes',
    'opt out of what?',
    'optional',
    'revoked',
    'START now',
    '\u200B',
    'STOP\u200BSTOP',
  ])('leaves %j alone: only the whole message is a keyword', (text) => {
    expect(classifyConsentKeyword(text)).toEqual({ kind: 'none', keyword: null });
  });
});
