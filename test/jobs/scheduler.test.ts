import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createScheduler,
  type JobDefinition,
  type JobOutcome,
  type RunOutcome,
  type Scheduler,
  type SchedulerOptions,
} from '../../src/jobs/scheduler.js';
import type { TickSource } from '../../src/jobs/tickSource.js';
import { createLogger, type LogLevel } from '../../src/log.js';
import { createJobRunsRepository } from '../../src/store/repositories/jobRuns.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

interface LogLine {
  level: LogLevel;
  msg: string;
  job?: string;
  count?: number;
  error?: string;
  reason?: string;
  jobs?: string[];
}

let t: TempDb;
let scheduler: Scheduler | undefined;
let logs: LogLine[];
let onLog: (line: LogLine) => void;
let gates: Array<() => void>;
beforeEach(() => {
  gates = [];
  t = createTempDb();
  logs = [];
  onLog = () => {};
});
afterEach(async () => {
  // A failing test may leave a run waiting: released, so stop() cannot hang the suite.
  for (const release of gates) release();
  await scheduler?.stop();
  scheduler = undefined;
  t.cleanup();
});

const logger = () =>
  createLogger({
    level: 'debug',
    sink: (line) => {
      const entry = JSON.parse(line) as LogLine;
      logs.push(entry);
      onLog(entry);
    },
  });
const job = (name: string, run: JobDefinition['run'], schedule = '*/10 * * * *'): JobDefinition => ({
  name,
  schedule,
  description: `${name} job`,
  run,
});
const make = (jobs: JobDefinition[], extra: Partial<Omit<SchedulerOptions, 'jobs' | 'jobRuns' | 'logger'>> = {}) => {
  scheduler = createScheduler({
    jobs,
    jobRuns: createJobRunsRepository(t.db, t.clock.now),
    logger: logger(),
    now: t.clock.now,
    ...extra,
  });
  return scheduler;
};
const PERIOD = 10 * 60_000;
/**
 * Ticks on the test's clock, every PERIOD from arming: `tick(name)` moves the clock to the job's next tick and fires
 * it as cron would, returning when the scheduler has dealt with it (for a gated job: when its run has started).
 */
const handTicks = () => {
  const armed = new Map<string, { next: number; onTick: () => Promise<void> }>();
  const source: TickSource = {
    arm: (job, onTick) => {
      const entry = { next: t.clock.now() + PERIOD, onTick };
      armed.set(job.name, entry);
      return { nextRunAt: () => entry.next, disarm: () => void armed.delete(job.name) };
    },
  };
  const tick = (name: string) => {
    const entry = armed.get(name);
    if (!entry) throw new Error(`${name} is not armed`);
    t.clock.set(entry.next);
    entry.next += PERIOD;
    return entry.onTick();
  };
  return { source, tick, armed: () => [...armed.keys()] };
};
const runs = () =>
  t.db.prepare('SELECT job, started_at AS startedAt, finished_at AS finishedAt, outcome, error FROM job_runs ORDER BY id').all();
/** A job that waits until released: a run "in progress" for as long as the test wants. */
const gated = () => {
  let release: () => void = () => {};
  let started: () => void = () => {};
  const hasStarted = new Promise<void>((resolve) => (started = resolve));
  const run = () =>
    new Promise<JobOutcome>((resolve) => {
      started();
      release = () => resolve({ outcome: 'ok', summary: 'released' });
    });
  gates.push(() => release());
  return { run, hasStarted, release: () => release() };
};
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('scheduler: runs asked now', () => {
  it('records each run with its start, end, outcome and error text, and logs failures with the job name', async () => {
    const T0 = t.clock.now();
    const s = make([
      job('fine', async () => {
        t.clock.advance(3_000);
        return { outcome: 'ok', summary: '3 Sender IDs checked' };
      }),
      job('refused', async () => {
        t.clock.advance(2_000);
        return { outcome: 'failed', error: 'Wavix answered 503' };
      }),
    ]);
    expect(await s.runNow('fine')).toEqual({ outcome: 'ok', summary: '3 Sender IDs checked' });
    expect(await s.runNow('refused')).toEqual({ outcome: 'failed', error: 'Wavix answered 503' });
    expect(runs()).toEqual([
      { job: 'fine', startedAt: T0, finishedAt: T0 + 3_000, outcome: 'ok', error: null },
      { job: 'refused', startedAt: T0 + 3_000, finishedAt: T0 + 5_000, outcome: 'failed', error: 'Wavix answered 503' },
    ]);
    expect(logs.filter((l) => l.level === 'warn')).toMatchObject([
      { msg: 'job failed', job: 'refused', error: 'Wavix answered 503' },
    ]);
    expect(await s.status()).toMatchObject([
      { name: 'fine', description: 'fine job', running: false, lastRun: { outcome: 'ok', startedAt: T0 }, nextRunAt: null },
      { name: 'refused', running: false, lastRun: { outcome: 'failed', error: 'Wavix answered 503' }, nextRunAt: null },
    ]);
  });

  it('records a job that throws as failed with the error, and answers instead of rejecting', async () => {
    const s = make([
      job('broken', async () => {
        throw new TypeError('database is on fire');
      }),
    ]);
    expect(await s.runNow('broken')).toEqual({ outcome: 'failed', error: 'TypeError: database is on fire' });
    expect(runs()).toMatchObject([{ job: 'broken', outcome: 'failed', error: 'TypeError: database is on fire' }]);
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'warn', job: 'broken', error: 'TypeError: database is on fire' }),
    );
    // Not stuck as "running" by the throw: the next run goes ahead.
    expect((await s.status())[0]?.running).toBe(false);
    expect(await s.runNow('broken')).toMatchObject({ outcome: 'failed' });
  });

  it('never overlaps a job with itself: a second run while the first is going is skipped and recorded so', async () => {
    const slow = gated();
    const s = make([job('slow', slow.run), job('other', async () => ({ outcome: 'ok' }))]);
    const first = s.runNow('slow');
    await slow.hasStarted;
    expect((await s.status()).map((j) => j.running)).toEqual([true, false]);
    expect(await s.runNow('slow')).toEqual({ outcome: 'skipped', reason: 'previous run still going' });
    // Only the same job is refused.
    expect(await s.runNow('other')).toEqual({ outcome: 'ok' });
    slow.release();
    expect(await first).toEqual({ outcome: 'ok', summary: 'released' });
    expect(runs()).toMatchObject([
      { job: 'slow', outcome: 'ok', error: null },
      { job: 'slow', outcome: 'skipped', error: 'previous run still going' },
      { job: 'other', outcome: 'ok' },
    ]);
    expect((await s.status())[0]?.running).toBe(false);
  });

  it('refuses a job it does not know', async () => {
    const s = make([job('fine', async () => ({ outcome: 'ok' }))]);
    await expect(s.runNow('nope')).rejects.toThrow(/nope/);
    expect(runs()).toEqual([]);
  });

  it('stop waits for a run in progress to be finished and recorded', async () => {
    const slow = gated();
    const s = make([job('slow', slow.run)]);
    const run = s.runNow('slow');
    await slow.hasStarted;
    let stopped = false;
    const stopping = s.stop().then(() => {
      stopped = true;
    });
    await nextTurn();
    expect(stopped).toBe(false);
    slow.release();
    await stopping;
    expect(runs()).toMatchObject([{ job: 'slow', outcome: 'ok' }]);
    expect(await run).toEqual({ outcome: 'ok', summary: 'released' });
  });
});

describe('scheduler: time limits', () => {
  it('records a run past its time limit as failed in words, counts it timed out, and runs the job again at once', async () => {
    const stuck = gated();
    let calls = 0;
    const counted: string[] = [];
    const s = make(
      [
        {
          ...job('hung', () => {
            calls += 1;
            return calls === 1 ? stuck.run() : Promise.resolve({ outcome: 'ok', summary: 'second run' });
          }),
          timeLimitMs: 1_000,
        },
      ],
      { onRunEnded: (name: string, outcome: RunOutcome) => counted.push(`${name}:${outcome}`) },
    );
    const error = 'did not finish within 1 s (its time limit); the next run starts as scheduled';
    expect(await s.runNow('hung')).toEqual({ outcome: 'failed', error });
    expect((await s.status())[0]).toMatchObject({ running: false, lastRun: { outcome: 'failed', error } });
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'job timed out', job: 'hung', error }));
    // Not "skipped (previous run still going)": the run that hung no longer holds the job.
    expect(await s.runNow('hung')).toEqual({ outcome: 'ok', summary: 'second run' });

    // The hung run ending at last is logged, and changes neither record nor count.
    stuck.release();
    await nextTurn();
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: 'job run ended after its time limit', job: 'hung', outcome: 'ok' }),
    );
    expect(runs()).toMatchObject([
      { job: 'hung', outcome: 'failed', error },
      { job: 'hung', outcome: 'ok', error: null },
    ]);
    expect(counted).toEqual(['hung:timed_out', 'hung:ok']);
  });

  it('tells a run past its time limit to stop (its Wavix calls end at once), and logs how it ended', async () => {
    const s = make([
      {
        ...job('hung', async (cancellation) => {
          await new Promise((resolve) => cancellation.addEventListener('abort', resolve));
          return { outcome: 'failed', error: 'stopped: the job run passed its time limit' };
        }),
        timeLimitMs: 1_000,
      },
    ]);
    expect(await s.runNow('hung')).toMatchObject({ outcome: 'failed' });
    await nextTurn();
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: 'job run ended after its time limit', job: 'hung', outcome: 'failed' }),
    );
  });

  it('tells the runs still going to stop when the scheduler stops, so a Wavix call does not hold the stop', async () => {
    let reason: unknown;
    const s = make([
      job('waiting', async (cancellation) => {
        await new Promise((resolve) => cancellation.addEventListener('abort', resolve));
        reason = cancellation.reason;
        return { outcome: 'failed', error: 'stopped' };
      }),
    ]);
    const run = s.runNow('waiting');
    await s.stop();
    expect(await run).toEqual({ outcome: 'failed', error: 'stopped' });
    expect(String(reason)).toContain('smsops is stopping');
  });

  it('counts a run it could not record (a locked database) as failed, so /metrics does not show nothing happening', async () => {
    const counted: string[] = [];
    let ran = 0;
    const s = make(
      [
        job('locked-out', async () => {
          ran += 1;
          return { outcome: 'ok' };
        }),
      ],
      { onRunEnded: (name: string, outcome: RunOutcome) => counted.push(`${name}:${outcome}`) },
    );
    const other = new Database(t.path);
    other.pragma('busy_timeout = 0');
    other.exec('BEGIN IMMEDIATE');
    try {
      await expect(s.runNow('locked-out')).rejects.toThrow(/locked/);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(counted).toEqual(['locked-out:failed']);
    expect(ran).toBe(0);
  });

  it("shows how a run ended when its end could not be written, not 'running' for good", async () => {
    const s = make([job('unwritten-end', async () => ({ outcome: 'failed', error: 'Wavix said no' }))]);
    // A fault from another connection that lets a run start but not end (a damaged page, a trigger).
    const other = new Database(t.path);
    other.exec(`CREATE TRIGGER no_end BEFORE UPDATE ON job_runs BEGIN SELECT RAISE(ABORT, 'row fault'); END`);
    other.close();
    await expect(s.runNow('unwritten-end')).rejects.toThrow(/row fault/);
    const [status] = await s.status();
    expect(status?.running).toBe(false);
    // Before: "running" (its row's), with no word of the failure, until the next start.
    expect(status?.lastRun?.outcome).toBe('failed');
    expect(status?.lastRun?.error).toMatch(/Wavix said no.*could not be recorded.*row fault/);
  });

  it('counts runs by outcome: ok, failed and skipped', async () => {
    const slow = gated();
    const counted: string[] = [];
    const s = make([job('slow', slow.run), job('refused', async () => ({ outcome: 'failed', error: 'Wavix answered 503' }))], {
      onRunEnded: (name: string, outcome: RunOutcome) => counted.push(`${name}:${outcome}`),
    });
    const first = s.runNow('slow');
    await slow.hasStarted;
    await s.runNow('slow');
    await s.runNow('refused');
    slow.release();
    await first;
    expect(counted).toEqual(['slow:skipped', 'refused:failed', 'slow:ok']);
  });

  it('stop waits for a run past its time limit only a little, then goes on and says so', async () => {
    const stuck = gated();
    const s = make([{ ...job('hung', stuck.run), timeLimitMs: 1_000 }], { lateRunGraceMs: 50 });
    expect(await s.runNow('hung')).toMatchObject({ outcome: 'failed' });
    await s.stop();
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: 'job runs past their time limit still going at stop', count: 1 }),
    );
  });

  it('stop gives up on a run in its time limit that goes on after being told to stop, and names it', async () => {
    // A run that ignores its cancellation (an alert waiting on Slack's Retry-After did) held the stop until SIGKILL.
    const deaf = gated();
    const s = make([job('deaf', deaf.run)], { lateRunGraceMs: 50 });
    void s.runNow('deaf');
    await deaf.hasStarted;
    await s.stop();
    expect((await s.status())[0]?.running).toBe(true);
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: 'job runs still going at stop, left unfinished', jobs: ['deaf'] }),
    );
  });
});

describe('scheduler: on its ticks', () => {
  it('runs a job when its tick comes once started, with the next run and the last run shown, and no ticks after stop', async () => {
    const T0 = t.clock.now();
    const ticks = handTicks();
    const s = make(
      [job('every-ten', async () => ({ outcome: 'ok', summary: 'ticked' })), job('daily', async () => ({ outcome: 'ok' }))],
      { ticks: ticks.source },
    );
    expect((await s.status()).map((j) => j.nextRunAt)).toEqual([null, null]);
    s.start();
    s.start(); // armed once, not twice
    expect((await s.status()).map((j) => j.nextRunAt)).toEqual([T0 + PERIOD, T0 + PERIOD]);

    await ticks.tick('every-ten');
    expect((await s.status())[0]).toMatchObject({
      running: false,
      lastRun: { job: 'every-ten', outcome: 'ok', startedAt: T0 + PERIOD },
      nextRunAt: T0 + 2 * PERIOD,
    });
    expect((await s.status())[1]?.lastRun).toBeUndefined();

    await s.stop();
    expect((await s.status()).map((j) => j.nextRunAt)).toEqual([null, null]);
    expect(ticks.armed()).toEqual([]);
    expect(runs()).toMatchObject([{ job: 'every-ten', outcome: 'ok' }]);
  });

  it('records nothing for a tick of a job with nothing to do, and runs it when asked from Slack or when work is due', async () => {
    // The reply look-ups tick every minute for rare work: 1,440 rows and log lines a day saying "0 found" otherwise.
    const ticks = handTicks();
    let due = false;
    let ran = 0;
    const s = make([{ ...job('look-ups', async () => ({ outcome: 'ok', summary: `run ${++ran}` })), idle: () => !due }], {
      ticks: ticks.source,
    });
    s.start();
    await ticks.tick('look-ups');
    await ticks.tick('look-ups');
    expect(runs()).toEqual([]);
    expect(logs.filter((l) => l.job === 'look-ups')).toEqual([]);
    expect(await s.runNow('look-ups')).toEqual({ outcome: 'ok', summary: 'run 1' });
    due = true;
    await ticks.tick('look-ups');
    expect(runs()).toMatchObject([
      { job: 'look-ups', outcome: 'ok' },
      { job: 'look-ups', outcome: 'ok' },
    ]);
    expect(ran).toBe(2);
  });

  it('records a tick that finds the previous run still going as skipped, not queued; stop waits for that run', async () => {
    const T0 = t.clock.now();
    const slow = gated();
    const ticks = handTicks();
    const s = make([job('slow', slow.run)], { ticks: ticks.source });
    s.start();
    const firstTick = ticks.tick('slow');
    await slow.hasStarted;
    await ticks.tick('slow');
    await ticks.tick('slow');
    expect((await s.status())[0]).toMatchObject({
      running: true,
      lastRun: { outcome: 'skipped', error: 'previous run still going' },
    });
    expect(logs.filter((l) => l.msg === 'job skipped')).toMatchObject([
      { level: 'warn', job: 'slow', reason: 'previous run still going' },
      { level: 'warn', job: 'slow', reason: 'previous run still going' },
    ]);

    let stopped = false;
    const stopping = s.stop().then(() => {
      stopped = true;
    });
    await nextTurn();
    expect(stopped).toBe(false);
    slow.release();
    await stopping;
    await firstTick;
    expect(runs()).toMatchObject([
      { job: 'slow', startedAt: T0 + PERIOD, finishedAt: T0 + 3 * PERIOD, outcome: 'ok' },
      { job: 'slow', startedAt: T0 + 2 * PERIOD, outcome: 'skipped' },
      { job: 'slow', startedAt: T0 + 3 * PERIOD, outcome: 'skipped' },
    ]);
  });

  it('keeps a run asked by hand and a scheduled one apart, both ways', async () => {
    const [byHand, byTick] = [gated(), gated()];
    const gatedRuns = [byHand.run, byTick.run];
    const ticks = handTicks();
    const s = make([job('slow', () => (gatedRuns.shift() ?? (async () => ({ outcome: 'ok' })))())], { ticks: ticks.source });
    s.start();

    const manual = s.runNow('slow');
    await byHand.hasStarted;
    await ticks.tick('slow');
    byHand.release();
    expect(await manual).toEqual({ outcome: 'ok', summary: 'released' });

    const ticked = ticks.tick('slow');
    await byTick.hasStarted;
    expect(await s.runNow('slow')).toEqual({ outcome: 'skipped', reason: 'previous run still going' });
    byTick.release();
    await ticked;

    expect(runs().map((r) => (r as { outcome: string }).outcome)).toEqual(['ok', 'skipped', 'ok', 'skipped']);
    // A refused tick says the schedule is tighter than the job; a refused hand run was already answered in Slack.
    expect(logs.filter((l) => l.msg === 'job skipped').map((l) => l.level)).toEqual(['warn', 'info']);
  });
});

describe('scheduler: at creation', () => {
  it('marks runs left running by a dead process as failed and says how many', () => {
    const before = createJobRunsRepository(t.db, t.clock.now);
    before.start('traffic-watch');
    before.start('daily-digest');
    before.finish(before.start('traffic-watch'), 'ok');
    make([job('traffic-watch', async () => ({ outcome: 'ok' }))]);
    expect(runs()).toMatchObject([
      { job: 'traffic-watch', outcome: 'failed', error: 'smsops stopped during the run' },
      { job: 'daily-digest', outcome: 'failed', error: 'smsops stopped during the run' },
      { job: 'traffic-watch', outcome: 'ok', error: null },
    ]);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', count: 2 }));
  });

  it('refuses an invalid cron expression, naming the job and the expression', () => {
    expect(() =>
      make([job('fine', async () => ({ outcome: 'ok' })), job('digest', async () => ({ outcome: 'ok' }), 'at eight')]),
    ).toThrow(/digest.*"at eight"/);
    expect(() => make([job('poll', async () => ({ outcome: 'ok' }), '61 * * * *')])).toThrow(/poll.*"61 \* \* \* \*"/);
  });

  it('refuses an unknown time zone and a job name used twice', () => {
    expect(() => make([job('fine', async () => ({ outcome: 'ok' }))], { timezone: 'Mars/Olympus' })).toThrow(/Mars\/Olympus/);
    expect(() => make([job('twice', async () => ({ outcome: 'ok' })), job('twice', async () => ({ outcome: 'ok' }))])).toThrow(
      /twice/,
    );
  });
});
