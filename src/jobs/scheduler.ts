import cron, { type ScheduledTask } from 'node-cron';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { JobRun, JobRunsRepository } from '../store/repositories/jobRuns.js';

export type JobOutcome =
  | { outcome: 'ok'; summary?: string }
  | { outcome: 'failed'; error: string }
  | { outcome: 'skipped'; reason: string };

export interface JobDefinition {
  name: string;
  /** A cron expression (node-cron: 5 fields, or 6 with seconds). */
  schedule: string;
  description: string;
  run: () => Promise<JobOutcome>;
}

export interface JobStatus {
  name: string;
  description: string;
  schedule: string;
  running: boolean;
  lastRun: JobRun | undefined;
  /** When cron fires it next; null while the schedules are not armed. */
  nextRunAt: number | null;
}

export interface Scheduler {
  /** Runs the job now, unless a run of it is in progress: then a 'skipped' run is recorded (never an overlap). */
  runNow(name: string): Promise<JobOutcome>;
  status(): JobStatus[];
  start(): void;
  /** Disarms the schedules, then waits for runs in progress. */
  stop(): Promise<void>;
}

/**
 * node-cron decides when; this decides whether and records what happened. Overlap is refused here rather than with
 * node-cron's own `noOverlap`, so a run asked from Slack and a scheduled one exclude each other too.
 */
export function createScheduler(options: {
  jobs: JobDefinition[];
  jobRuns: JobRunsRepository;
  logger: Logger;
  timezone?: string;
}): Scheduler {
  const { jobs, jobRuns, logger } = options;
  for (const job of jobs) {
    if (!cron.validate(job.schedule)) throw new Error(`job ${job.name}: "${job.schedule}" is not a cron expression`);
  }
  const abandoned = jobRuns.failAbandoned();
  if (abandoned > 0) logger.warn('job runs interrupted by the last stop are recorded as failed', { count: abandoned });

  const running = new Map<string, Promise<JobOutcome>>();
  let tasks: ScheduledTask[] = [];

  const execute = (job: JobDefinition): Promise<JobOutcome> => {
    const id = jobRuns.start(job.name);
    if (running.has(job.name)) {
      const skipped: JobOutcome = { outcome: 'skipped', reason: 'the previous run is still going' };
      jobRuns.finish(id, 'skipped', skipped.reason);
      return Promise.resolve(skipped);
    }
    const run = (async (): Promise<JobOutcome> => {
      let outcome: JobOutcome;
      try {
        outcome = await job.run();
      } catch (error) {
        outcome = { outcome: 'failed', error: describeError(error) };
      }
      jobRuns.finish(
        id,
        outcome.outcome,
        outcome.outcome === 'failed' ? outcome.error : outcome.outcome === 'skipped' ? outcome.reason : null,
      );
      if (outcome.outcome === 'failed') logger.warn('job failed', { job: job.name, error: outcome.error });
      return outcome;
    })().finally(() => running.delete(job.name));
    running.set(job.name, run);
    return run;
  };

  const find = (name: string) => {
    const job = jobs.find((j) => j.name === name);
    if (!job) throw new Error(`no job named ${name}`);
    return job;
  };

  return {
    runNow: (name) => execute(find(name)),
    status: () => {
      const latest = new Map(jobRuns.latest().map((r) => [r.job, r]));
      return jobs.map((job, i) => ({
        name: job.name,
        description: job.description,
        schedule: job.schedule,
        running: running.has(job.name),
        lastRun: latest.get(job.name),
        nextRunAt: tasks[i]?.getNextRun()?.getTime() ?? null,
      }));
    },
    start: () => {
      if (tasks.length > 0) return;
      tasks = jobs.map((job) =>
        cron.schedule(
          job.schedule,
          async () => {
            await execute(job);
          },
          { name: job.name, ...(options.timezone ? { timezone: options.timezone } : {}) },
        ),
      );
    },
    stop: async () => {
      await Promise.all(tasks.map((t) => t.destroy()));
      tasks = [];
      await Promise.allSettled([...running.values()]);
    },
  };
}
