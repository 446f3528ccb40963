import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createScheduler, type JobDefinition, type Scheduler } from '../../src/jobs/scheduler.js';
import { createLogger } from '../../src/log.js';
import { createJobRunsRepository } from '../../src/store/repositories/jobRuns.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

// The production tick source (no `ticks` given) on vitest's fake Date and timers: the zone is SCHEDULE_TIMEZONE's.
let t: TempDb;
let scheduler: Scheduler | undefined;
let lines: Array<{ level: string; msg: string }>;
let missed: string[];
beforeEach(() => {
  t = createTempDb();
  lines = [];
  missed = [];
});
afterEach(async () => {
  await scheduler?.stop();
  scheduler = undefined;
  vi.useRealTimers();
  t.cleanup();
});

const job = (name: string, schedule: string): JobDefinition => ({
  name,
  schedule,
  description: name,
  run: async () => ({ outcome: 'ok' }),
});

/** Starts the watch's and retention's schedules in `timezone` at `start`, runs the clock `hours`, gives the runs. */
async function runsThrough(timezone: string, start: string, hours: number, schedules: { watch: string; retention: string }) {
  vi.useFakeTimers({ now: Date.parse(start), toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  scheduler = createScheduler({
    jobs: [job('traffic-watch', schedules.watch), job('retention', schedules.retention)],
    jobRuns: createJobRunsRepository(t.db, Date.now),
    logger: createLogger({ level: 'info', sink: (line) => lines.push(JSON.parse(line)) }),
    timezone,
    onTickMissed: (name) => missed.push(name),
  });
  scheduler.start();
  await vi.advanceTimersByTimeAsync(hours * 3_600_000);
  const runs = t.db.prepare<[], { job: string; at: number }>('SELECT job, started_at AS at FROM job_runs ORDER BY id').all();
  const of = (name: string) => runs.filter((run) => run.job === name).map((run) => new Date(run.at).toISOString());
  return { watch: of('traffic-watch'), retention: of('retention') };
}

/** The gaps between consecutive runs, in minutes. */
const gaps = (runs: string[]) => runs.slice(1).map((at, i) => (Date.parse(at) - Date.parse(runs[i] ?? '')) / 60_000);

describe('jobs through a daylight-saving change (SCHEDULE_TIMEZONE with DST)', () => {
  it.each([
    // Clocks go back: the hour (Lord Howe: half hour) shown twice.
    ['Europe/London', '2026-10-24T12:00:00Z', '30 1 * * *', ['2026-10-25T00:30:00.000Z']],
    ['Europe/Athens', '2026-10-24T12:00:00Z', '30 3 * * *', ['2026-10-25T00:30:00.000Z']],
    ['Australia/Lord_Howe', '2026-04-04T00:00:00Z', '45 1 * * *', ['2026-04-04T14:45:00.000Z']],
    // Clocks go forward: the daily time does not exist that day, so it runs at the change.
    ['Europe/London', '2026-03-28T12:00:00Z', '30 1 * * *', ['2026-03-29T01:00:00.000Z']],
    ['Europe/Athens', '2026-03-28T12:00:00Z', '30 3 * * *', ['2026-03-29T01:00:00.000Z']],
    ['Australia/Lord_Howe', '2026-10-03T00:00:00Z', '15 2 * * *', ['2026-10-03T15:30:00.000Z']],
  ])('%s from %s: the watch runs every 5 minutes and %s runs once', async (zone, start, retention, expected) => {
    const runs = await runsThrough(zone, start, 24, { watch: '*/5 * * * *', retention });
    expect(runs.watch).toHaveLength(24 * 12);
    expect(new Set(gaps(runs.watch))).toEqual(new Set([5]));
    expect(runs.retention).toEqual(expected);
    expect(missed).toEqual([]);
    expect(lines.filter((line) => /missed/.test(line.msg))).toEqual([]);
  });

  it('a UTC schedule is unchanged on the days other zones change', async () => {
    const runs = await runsThrough('UTC', '2026-10-24T12:00:00Z', 48, { watch: '*/5 * * * *', retention: '30 3 * * *' });
    expect(runs.watch).toHaveLength(48 * 12);
    expect(new Set(gaps(runs.watch))).toEqual(new Set([5]));
    expect(runs.retention).toEqual(['2026-10-25T03:30:00.000Z', '2026-10-26T03:30:00.000Z']);
    expect(missed).toEqual([]);
  });

  it('/sms jobs shows the spring day’s run at the change as the next run', async () => {
    await runsThrough('Europe/Athens', '2026-03-28T12:00:00Z', 1, { watch: '*/5 * * * *', retention: '30 3 * * *' });
    const retention = (await scheduler?.status())?.find((status) => status.name === 'retention');
    expect(retention?.nextRunAt).toBe(Date.parse('2026-03-29T01:00:00Z'));
  });
});
