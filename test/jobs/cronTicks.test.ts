import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cronTicks } from '../../src/jobs/cronTicks.js';
import type { ArmedSchedule } from '../../src/jobs/tickSource.js';
import { createLogger } from '../../src/log.js';

// node-cron reads real time through Date and setTimeout; vitest's fake timers stand in for both.
const T0 = Date.UTC(2026, 10, 25, 12, 0, 0, 500);
let armed: ArmedSchedule[] = [];
beforeEach(() => {
  vi.useFakeTimers({ now: T0, toFake: ['Date', 'setTimeout', 'clearTimeout'] });
});
afterEach(async () => {
  await Promise.all(armed.map((a) => a.disarm()));
  armed = [];
  vi.useRealTimers();
});

const ticks = (timezone?: string) => cronTicks({ logger: createLogger({ level: 'warn', sink: () => {} }), timezone });

describe('cronTicks: node-cron as the production tick source', () => {
  it('ticks when the expression falls due, says when the next tick is, and stops ticking once disarmed', async () => {
    const ticked: number[] = [];
    const schedule = ticks().arm({ name: 'every-ten', schedule: '*/10 * * * *' }, async () => {
      ticked.push(Date.now());
    });
    armed.push(schedule);
    expect(schedule.nextRunAt()).toBe(Date.UTC(2026, 10, 25, 12, 10));

    await vi.advanceTimersByTimeAsync(25 * 60_000);
    expect(ticked).toEqual([Date.UTC(2026, 10, 25, 12, 10), Date.UTC(2026, 10, 25, 12, 20)]);
    expect(schedule.nextRunAt()).toBe(Date.UTC(2026, 10, 25, 12, 30));

    await schedule.disarm();
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(ticked).toHaveLength(2);
    expect(schedule.nextRunAt()).toBeNull();
  });

  it('reads the expression in the given time zone', () => {
    const eight = ticks('America/New_York').arm({ name: 'digest', schedule: '0 8 * * *' }, async () => {});
    armed.push(eight);
    // At 12:00 UTC it is 07:00 in New York (EST in November): today's 08:00 there is 13:00 UTC.
    expect(eight.nextRunAt()).toBe(Date.UTC(2026, 10, 25, 13, 0));
  });
});
