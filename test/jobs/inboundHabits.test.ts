import { describe, expect, it } from 'vitest';
import { readInboundHabits } from '../../src/jobs/inboundHabits.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NUMBER = '12125550100';

/** A traffic repository over a list of inbound times (one number). */
function trafficOf(times: readonly number[]) {
  const count = (from: number, to: number) => times.filter((t) => t >= from && t < to).length;
  return {
    perNumber: (from: number, to: number) => [{ number: NUMBER, inbound: count(from, to) }],
    inboundNumbersInSteps: async (from: number, to: number) => (count(from, to) > 0 ? [NUMBER] : []),
    lastInboundAt: () => Math.max(...times),
    inboundDailyAverage: (_n: string, days: number, until: number) => count(until - days * DAY, until) / days,
    inboundCount: (_n: string, from: number, to: number) => count(from, to),
  } as unknown as Parameters<typeof readInboundHabits>[0];
}

/** 12 SMS a day from 09:00 to 17:15 on the wall clock (`offsetHours` from UTC), for the days starting at `firstDay`. */
function workingDays(firstDay: number, days: number, offsetHours: number) {
  const times: number[] = [];
  for (let d = 0; d < days; d++) {
    for (let i = 0; i < 12; i++) times.push(firstDay + d * DAY + 9 * HOUR + i * 45 * MINUTE - offsetHours * HOUR);
  }
  return times;
}

describe('readInboundHabits: the same hours of the day, in the team zone', () => {
  it('reads the week before New York clocks went back at its own wall-clock hours (no alert before opening)', async () => {
    // 31 Oct to 6 Nov 2027, EDT (UTC-4); the clocks go back on 7 Nov at 06:00 UTC.
    const traffic = trafficOf(workingDays(Date.UTC(2027, 9, 31), 7, -4));
    const now = Date.UTC(2027, 10, 7, 13, 50); // 08:50 EST, before the number's day begins
    const [habit] = await readInboundHabits(traffic, [], now, 6 * HOUR, 'America/New_York');
    // Read at real 24-hour days back, [03:50, 09:50) EDT: two SMS a day, enough to call 08:50 a silence.
    expect(habit?.usualInWindow).toBe(0);
    // At 10:50 EST the morning's SMS are usual: 09:00 to 10:30 hold three a day.
    const [later] = await readInboundHabits(traffic, [], now + 2 * HOUR, 6 * HOUR, 'America/New_York');
    expect(later?.usualInWindow).toBe(3);
  });

  it('reads a half-hour change (Lord Howe) at its wall-clock hours too', async () => {
    // 28 Mar to 3 Apr 2027 at +11; in the night to 4 Apr 2027 (15:00 UTC) the clock goes back to +10:30.
    const traffic = trafficOf(workingDays(Date.UTC(2027, 2, 28), 7, 11));
    const now = Date.UTC(2027, 3, 4, 9, 20) - 10.5 * HOUR; // 4 Apr, 09:20 at +10:30
    const [habit] = await readInboundHabits(traffic, [], now, 6 * HOUR, 'Australia/Lord_Howe');
    // [03:20, 09:20) of the week before holds its 09:00 SMS; read 24 real hours back, [03:50, 09:50) held two.
    expect(habit?.usualInWindow).toBe(1);
  });

  it('keeps real 24-hour days in UTC', async () => {
    const traffic = trafficOf(workingDays(Date.UTC(2027, 9, 31), 7, 0));
    const [habit] = await readInboundHabits(traffic, [], Date.UTC(2027, 10, 7, 10, 50), 6 * HOUR);
    expect(habit?.usualInWindow).toBe(3);
  });
});
