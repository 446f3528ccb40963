import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cronTicks } from '../../src/jobs/cronTicks.js';
import type { ArmedSchedule } from '../../src/jobs/tickSource.js';
import { createLogger } from '../../src/log.js';
import { waitUntil } from '../helpers/waitUntil.js';

// cronTicks reads real time through Date and setTimeout; vitest's fake timers stand in for both.
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

describe('cronTicks: the production tick source', () => {
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

/** cronTicks with a logger whose lines (parsed JSON) the test reads. */
function recordedTicks() {
  const lines: Array<Record<string, unknown> & { msg: string }> = [];
  const counted: string[] = [];
  const source = cronTicks({
    logger: createLogger({ level: 'info', sink: (line) => lines.push(JSON.parse(line)) }),
    timezone: 'UTC',
    onMissed: (job) => counted.push(job),
  });
  return { source, lines, counted, missed: () => lines.filter((l) => /missed/.test(l.msg)) };
}

describe('cronTicks: slots passed before their tick', () => {
  it('a wall clock stepped 24 h forward is one line for the job, naming the jump, not one warning per skipped slot', async () => {
    // performance.now() is faked too: the step moves Date only, as a clock set by hand moves the wall clock only.
    vi.useFakeTimers({ now: T0, toFake: ['Date', 'setTimeout', 'clearTimeout', 'performance'] });
    const { source, lines, counted, missed } = recordedTicks();
    const ticked: number[] = [];
    const watch = source.arm({ name: 'traffic-watch', schedule: '*/5 * * * *' }, async () => {
      ticked.push(Date.now());
    });
    armed.push(watch);
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(ticked).toEqual([Date.UTC(2026, 10, 25, 12, 5)]);

    vi.setSystemTime(Date.now() + 24 * 3_600_000);
    await vi.advanceTimersByTimeAsync(5 * 60_000);

    expect(missed()).toHaveLength(1);
    const line = missed()[0];
    expect(line).toMatchObject({ level: 'warn', job: 'traffic-watch', missedRuns: 288, clockStepMs: 24 * 3_600_000 });
    expect(line?.msg).toBe(
      'missed 288 runs from 2026-11-25T12:10:00.000Z to 2026-11-26T12:05:00.000Z: the wall clock jumped 1 d forward (set by hand or by NTP, or the machine slept); they are not made up: the job runs at its next tick',
    );
    expect(lines.some((l) => l.msg.includes('Possible blocking IO'))).toBe(false);
    // Each slot counted (smsops_job_ticks_missed_total), though said in one line.
    expect(counted).toHaveLength(288);
    expect(new Set(counted)).toEqual(new Set(['traffic-watch']));
    // The job itself runs once at the slot after the jump, as before.
    expect(ticked).toEqual([Date.UTC(2026, 10, 25, 12, 5), Date.UTC(2026, 10, 26, 12, 10)]);
  });

  it('an event loop blocked past a few slots is one line blaming the load, with the count', async () => {
    vi.useRealTimers();
    const { source, missed } = recordedTicks();
    let ticks = 0;
    const everySecond = source.arm({ name: 'every-second', schedule: '* * * * * *' }, async () => {
      ticks += 1;
    });
    armed.push(everySecond);
    await waitUntil(() => ticks > 0, 5_000, 'a first tick');
    // Blocked past the 1 s tolerance for at least three slots: the wall and monotonic clocks move together.
    const until = Date.now() + 4_500;
    while (Date.now() < until) {
      // busy
    }
    await waitUntil(() => missed().length > 0, 5_000, 'a missed-runs line');
    // One more tick: the line said every slot the block skipped, none comes after it.
    const before = ticks;
    await waitUntil(() => ticks > before, 5_000, 'the tick after the block');
    expect(missed()).toHaveLength(1);
    const line = missed()[0];
    expect(line?.missedRuns).toBeGreaterThanOrEqual(3);
    expect(line?.msg).toMatch(
      /^missed \d+ runs from \S+ to \S+: the process was too busy to start them on time \(blocking IO or high CPU\); they are not made up: the job runs at its next tick$/,
    );
    expect(line).not.toHaveProperty('clockStepMs');
  });
});

describe('cronTicks: a wall clock set back', () => {
  // performance.now() is left real: only the wall clock (Date) is moved back, as NTP or a restored VM snapshot does.
  it('a repeating schedule runs the slots of the new time at once, not after waiting out the step', async () => {
    const { source, lines } = recordedTicks();
    const ticked: number[] = [];
    armed.push(source.arm({ name: 'watch', schedule: '*/10 * * * * *' }, async () => void ticked.push(Date.now())));
    await vi.advanceTimersByTimeAsync(30_000);
    expect(ticked).toHaveLength(3);

    vi.setSystemTime(Date.now() - 120_000);
    await vi.advanceTimersByTimeAsync(30_000);
    // Without following the step: no tick for 120 s.
    expect(ticked.length).toBeGreaterThanOrEqual(5);
    expect(lines.filter((l) => l.msg.includes('the wall clock went back'))).toHaveLength(1);
  });

  it('a fixed-time schedule does not run again a wall time it ran', async () => {
    const { source } = recordedTicks();
    const ticked: number[] = [];
    armed.push(source.arm({ name: 'digest', schedule: '30 12 * * *' }, async () => void ticked.push(Date.now())));
    await vi.advanceTimersByTimeAsync(31 * 60_000);
    expect(ticked).toEqual([Date.UTC(2026, 10, 25, 12, 30)]);

    vi.setSystemTime(Date.UTC(2026, 10, 25, 12, 21)); // back 10 minutes, before 12:30 again
    await vi.advanceTimersByTimeAsync(20 * 60_000);
    expect(ticked).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(24 * 60 * 60_000);
    expect(ticked).toEqual([Date.UTC(2026, 10, 25, 12, 30), Date.UTC(2026, 10, 26, 12, 30)]);
  });
});
