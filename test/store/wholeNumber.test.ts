import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { registerWholeNumberFunctions } from '../../src/store/repositories/wholeNumber.js';

/** The SQL functions `/sms forget` finds and masks a number with, in real SQLite. */
describe('holds_number and mask_number', () => {
  const db = new Database(':memory:');
  registerWholeNumberFunctions(db);
  const holds = (text: string | Buffer, digits: string) => db.prepare('SELECT holds_number(?, ?)').pluck().get(text, digits);
  const mask = (text: string, digits: string) => db.prepare("SELECT mask_number(?, ?, '•••0123')").pluck().get(text, digits);

  it('finds the number only as a whole number, with or without its +, in text and in a blob', () => {
    expect(holds('{"from":"447400123456","to":"14155550100"}', '447400123456')).toBe(1);
    expect(holds('sent to +447400123456.', '447400123456')).toBe(1);
    expect(holds(Buffer.from('{"from":"+447400123456"}'), '447400123456')).toBe(1);
    expect(holds('{"from":"447400123456"}', '447400123')).toBe(0);
    expect(holds('{"from":"9447400123"}', '447400123')).toBe(0);
    expect(holds(Buffer.from('{"from":"447400123456"}'), '447400123')).toBe(0);
  });

  it('masks the whole number only, leaving a longer number that holds its digits as it was', () => {
    expect(mask('{"to":"447400123456","other":"+447400123"}', '447400123')).toBe('{"to":"447400123456","other":"•••0123"}');
    expect(mask('447400123456', '447400123')).toBe('447400123456');
    expect(mask('+447400123 and 447400123', '447400123')).toBe('•••0123 and •••0123');
  });
});
