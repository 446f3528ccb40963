import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createScheduler, type JobDefinition, type Scheduler } from '../../src/jobs/scheduler.js';
import { createLogger } from '../../src/log.js';
import { createJobRunsRepository } from '../../src/store/repositories/jobRuns.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

let t: TempDb;
let scheduler: Scheduler | undefined;
beforeEach(() => {
  t = createTempDb();
});
afterEach(async () => {
  await scheduler?.stop();
  scheduler = undefined;
  t.cleanup();
});

const quiet = createLogger({ level: 'silent', sink: () => {} });
const job = (name: string, run: JobDefinition['run'], schedule = '*/10 * * * *'): JobDefinition => ({
  name,
  schedule,
  description: `${name} job`,
  run,
});
const make = (jobs: JobDefinition[]) => {
  scheduler = createScheduler({ jobs, jobRuns: createJobRunsRepository(t.db, t.clock.now), logger: quiet });
  return scheduler;
};
const runs = () => t.db.prepare('SELECT job, outcome, error FROM job_runs ORDER BY id').all();

describe('scheduler', () => {
  it('records each run with its outcome; a job that throws is recorded as failed with the reason', async () => {
    const s = make([
      job('fine', async () => ({ outcome: 'ok', summary: 'done' })),
      job('broken', async () => {
        throw new Error('database is on fire');
      }),
    ]);
    expect(await s.runNow('fine')).toEqual({ outcome: 'ok', summary: 'done' });
    expect(await s.runNow('broken')).toEqual({ outcome: 'failed', error: 'Error: database is on fire' });
    expect(runs()).toEqual([
      { job: 'fine', outcome: 'ok', error: null },
      { job: 'broken', outcome: 'failed', error: 'Error: database is on fire' },
    ]);
    expect(s.status().map((j) => [j.name, j.lastRun?.outcome, j.nextRunAt])).toEqual([
      ['fine', 'ok', null],
      ['broken', 'failed', null],
    ]);
  });

  it('never overlaps a job with itself: a second run while the first is going is recorded as skipped', async () => {
    let release: () => void = () => {};
    const s = make([job('slow', () => new Promise((resolve) => (release = () => resolve({ outcome: 'ok' }))))]);
    const first = s.runNow('slow');
    expect(s.status()[0]?.running).toBe(true);
    expect(await s.runNow('slow')).toEqual({ outcome: 'skipped', reason: 'the previous run is still going' });
    release();
    expect(await first).toEqual({ outcome: 'ok' });
    expect(runs()).toEqual([
      { job: 'slow', outcome: 'ok', error: null },
      { job: 'slow', outcome: 'skipped', error: 'the previous run is still going' },
    ]);
  });

  it('runs jobs on their cron schedule once started, shows the next run, and stop waits for a run in progress', async () => {
    let ran: () => void = () => {};
    const firstRun = new Promise<void>((resolve) => (ran = resolve));
    let finished = false;
    const s = make([
      job(
        'every-second',
        async () => {
          ran();
          await new Promise((resolve) => setTimeout(resolve, 200));
          finished = true;
          return { outcome: 'ok' };
        },
        '* * * * * *',
      ),
    ]);
    s.start();
    expect(s.status()[0]?.nextRunAt).toBeGreaterThan(Date.now() - 1);
    await firstRun;
    await s.stop();
    expect(finished).toBe(true);
    expect(s.status()[0]?.nextRunAt).toBeNull();
  });

  it('marks runs left running by a dead process as failed, and refuses an invalid schedule by name', () => {
    createJobRunsRepository(t.db, t.clock.now).start('traffic-watch');
    make([job('traffic-watch', async () => ({ outcome: 'ok' }))]);
    expect(runs()).toEqual([{ job: 'traffic-watch', outcome: 'failed', error: 'smsops stopped during the run' }]);
    expect(() => make([job('digest', async () => ({ outcome: 'ok' }), 'at eight')])).toThrow(/digest: "at eight"/);
  });
});
