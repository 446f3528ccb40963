import cron from 'node-cron';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { localIso } from '../../src/core/zoneClock.js';
import { cronSlots } from '../../src/jobs/cronSlots.js';

afterEach(() => {
  vi.useRealTimers();
});

/** The slots after `from` and before `until`, as UTC ISO strings. */
function slots(schedule: string, zone: string, from: string, until: string): string[] {
  const source = cronSlots(schedule, zone);
  const found: string[] = [];
  for (let at = source.after(Date.parse(from)); at !== null && at < Date.parse(until); at = source.after(at))
    found.push(new Date(at).toISOString());
  return found;
}

/** Every `minutes` real minutes from `first` to `last`, both included. */
function every(minutes: number, first: string, last: string): string[] {
  const found: string[] = [];
  for (let at = Date.parse(first); at <= Date.parse(last); at += minutes * 60_000) found.push(new Date(at).toISOString());
  return found;
}

describe('cronSlots: an interval schedule goes on in real time through a daylight-saving change', () => {
  // Each case spans a change: the hour (half hour at Lord Howe) shown twice has its slots at both showings, and the
  // hour a spring change skips has none, so the job runs every 5 real minutes throughout, each instant once.
  it.each([
    ['Europe/London', 'fall-back', '2026-10-24T23:30:00Z', '2026-10-25T02:30:00Z'],
    ['Europe/London', 'spring-forward', '2026-03-29T00:00:00Z', '2026-03-29T02:30:00Z'],
    ['Europe/Athens', 'fall-back', '2026-10-24T23:30:00Z', '2026-10-25T02:30:00Z'],
    ['Europe/Athens', 'spring-forward', '2026-03-29T00:00:00Z', '2026-03-29T02:30:00Z'],
    ['Australia/Lord_Howe', 'fall-back', '2026-04-04T14:00:00Z', '2026-04-04T16:00:00Z'],
    ['Australia/Lord_Howe', 'spring-forward', '2026-10-03T14:30:00Z', '2026-10-03T16:30:00Z'],
    ['America/New_York', 'fall-back', '2026-11-01T05:00:00Z', '2026-11-01T07:30:00Z'],
  ])('%s %s: */5 ticks every 5 minutes', (zone, _change, from, until) => {
    const found = slots('*/5 * * * *', zone, from, until);
    const fiveMinutes = 5 * 60_000;
    expect(found).toEqual(every(5, new Date(Date.parse(from) + fiveMinutes).toISOString(), found.at(-1) ?? ''));
    expect(Date.parse(until) - Date.parse(found.at(-1) ?? '')).toBeLessThanOrEqual(fiveMinutes);
  });

  it('an hourly job runs at both showings of the hour shown twice (hourly in real time)', () => {
    expect(slots('30 * * * *', 'Europe/London', '2026-10-24T22:45:00Z', '2026-10-25T02:00:00Z')).toEqual([
      '2026-10-24T23:30:00.000Z',
      '2026-10-25T00:30:00.000Z', // 01:30 BST
      '2026-10-25T01:30:00.000Z', // 01:30 GMT
    ]);
  });
});

describe('cronSlots: a fixed-time schedule runs once a day through a daylight-saving change', () => {
  it.each([
    // The default RETENTION_CRON / BACKUP_CRON: 03:30 does not exist on the spring day in Athens (03:00 → 04:00).
    ['Europe/Athens', '30 3 * * *', '2026-03-27T12:00:00Z', ['03-28T01:30', '03-29T01:00', '03-30T00:30']],
    ['Europe/Helsinki', '30 3 * * *', '2026-03-27T12:00:00Z', ['03-28T01:30', '03-29T01:00', '03-30T00:30']],
    ['Europe/London', '30 1 * * *', '2026-03-27T12:00:00Z', ['03-28T01:30', '03-29T01:00', '03-30T00:30']],
    // Lord Howe's clock goes from 02:00 to 02:30: 02:15 runs at the change.
    ['Australia/Lord_Howe', '15 2 * * *', '2026-10-01T12:00:00Z', ['10-01T15:45', '10-02T15:45', '10-03T15:30', '10-04T15:15']],
  ])('%s %s: a time the spring change skips runs at the change', (zone, schedule, from, expected) => {
    const until = new Date(Date.parse(from) + expected.length * 86_400_000 - 3_600_000).toISOString();
    expect(slots(schedule, zone, from, until)).toEqual(expected.map((at) => `2026-${at}:00.000Z`));
  });

  it('the change instant is said as the wall clock then reads it', () => {
    expect(localIso(Date.parse('2026-03-29T01:00:00Z'), 'Europe/Athens')).toBe('2026-03-29T04:00:00.000+03:00');
  });

  it.each([
    // Athens goes from 04:00 back to 03:00: 03:30 shows at 00:30Z and again at 01:30Z.
    ['Europe/Athens', '30 3 * * *', '2026-10-23T12:00:00Z', ['10-24T00:30', '10-25T00:30', '10-26T01:30']],
    ['Europe/London', '30 1 * * *', '2026-10-23T12:00:00Z', ['10-24T00:30', '10-25T00:30', '10-26T01:30']],
    // Lord Howe goes from 02:00 back to 01:30: 01:45 shows at 14:45Z and again at 15:15Z.
    ['Australia/Lord_Howe', '45 1 * * *', '2026-04-03T00:00:00Z', ['04-03T14:45', '04-04T14:45', '04-05T15:15']],
  ])('%s %s: a time shown twice runs at its first showing only', (zone, schedule, from, expected) => {
    const until = new Date(Date.parse(from) + expected.length * 86_400_000).toISOString();
    expect(slots(schedule, zone, from, until)).toEqual(expected.map((at) => `2026-${at}:00.000Z`));
  });

  it('slots in the skipped hour and the one right after it run once, at the change', () => {
    // London 01:00 GMT → 02:00 BST at 01:00Z: 01:00 does not exist, 02:00 BST is the change itself.
    expect(slots('0 1,2 * * *', 'Europe/London', '2026-03-28T12:00:00Z', '2026-03-29T12:00:00Z')).toEqual([
      '2026-03-29T01:00:00.000Z',
    ]);
  });
});

describe('cronSlots: away from a change, the slots are node-cron 4.6 own', () => {
  const expressions = [
    '*/5 * * * *',
    '*/10 * * * *',
    '30 3 * * *',
    '0 8 * * *',
    '@weekly',
    '0 0 L * *',
    '0 12 15W * *',
    '0 0 LW * *',
    '0 0 L-3 * *',
    '0 0 * * 5L',
    '0 9 * * 1#2',
    '15 10 * * SUN-TUE',
    '0 0 ? * MON',
    '0 0 * JAN-MAR *',
    '*/7 */3 1-5 * *',
    '5 0 23-2 * *',
    '0 0 1,15 * 1-5',
    // Yearly: far apart, so only a few (each costs a look at the zone's offset every 6 hours up to it).
    '0 0 29 2 *',
    '59 23 31 12 *',
    '5-50/10 * * * * *',
  ];
  it.each([
    ['UTC', '2026-01-01T00:00:00.300Z'],
    ['Asia/Kolkata', '2026-01-01T00:00:00.300Z'],
    // Its runs between the changes (the first in April, the second in October).
    ['Europe/London', '2026-04-01T00:00:00.000Z'],
  ])('%s', (zone, start) => {
    vi.useFakeTimers({ now: Date.parse(start), toFake: ['Date'] });
    for (const expression of expressions) {
      const task = cron.createTask(expression, () => {}, { timezone: zone });
      const count = /^(0 0 29 2|59 23 31 12) /.test(expression) ? 4 : 40;
      const theirs = task.getNextRuns(count).map((at) => at.toISOString());
      void task.destroy();
      const ours: string[] = [];
      const source = cronSlots(expression, zone);
      for (let at = source.after(Date.now()); at !== null && ours.length < count; at = source.after(at))
        ours.push(new Date(at).toISOString());
      expect({ expression, slots: ours }).toEqual({ expression, slots: theirs });
    }
  });
});
