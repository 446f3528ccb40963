import { describe, expect, it } from 'vitest';
import { instantAt, localIso } from '../../src/core/zoneClock.js';

const wall = (iso: string) => Date.parse(`${iso}Z`);
const at = (iso: string, zone: string) => localIso(instantAt(wall(iso), zone), zone);

describe('instantAt: the instant a zone wall clock reads a time', () => {
  it('reads an ordinary time, a half-hour zone and a 30-minute change', () => {
    expect(at('2027-07-01T08:00:00', 'Europe/London')).toBe('2027-07-01T08:00:00.000+01:00');
    expect(at('2027-07-01T08:00:00', 'Asia/Kolkata')).toBe('2027-07-01T08:00:00.000+05:30');
    expect(at('2027-04-04T01:45:00', 'Australia/Lord_Howe')).toBe('2027-04-04T01:45:00.000+11:00');
  });

  it('gives a time shown twice at its first showing, as a fixed-time cron runs it', () => {
    expect(at('2027-10-31T01:30:00', 'Europe/London')).toBe('2027-10-31T01:30:00.000+01:00');
    expect(at('2027-11-07T01:15:00', 'America/New_York')).toBe('2027-11-07T01:15:00.000-04:00');
  });

  it('gives a skipped time just after the gap, by as much as it was inside it', () => {
    // 01:30 GMT never shows on 28 March 2027: 01:30 UTC is 02:30 BST, in the hour whose start the cron ran at.
    expect(instantAt(wall('2027-03-28T01:30:00'), 'Europe/London')).toBe(Date.UTC(2027, 2, 28, 1, 30));
    expect(at('2027-03-28T00:30:00', 'Europe/London')).toBe('2027-03-28T00:30:00.000Z');
  });
});
