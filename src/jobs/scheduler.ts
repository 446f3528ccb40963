import cron from 'node-cron';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { JobRun, JobRunsRepository } from '../store/repositories/jobRuns.js';
import { cronTicks } from './cronTicks.js';
import type { ArmedSchedule, TickSource } from './tickSource.js';

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
  /** When cron fires it next (epoch ms); null while the schedules are not armed. */
  nextRunAt: number | null;
}

export interface Scheduler {
  /** Runs the job now, unless a run of it is in progress: then a 'skipped' run is recorded (never an overlap). */
  runNow(name: string): Promise<JobOutcome>;
  /** One per job, in the order given. */
  status(): JobStatus[];
  /** Arms the cron schedules (again after stop). */
  start(): void;
  /** Disarms the schedules, then waits for runs in progress. */
  stop(): Promise<void>;
}

export interface SchedulerOptions {
  jobs: JobDefinition[];
  jobRuns: JobRunsRepository;
  logger: Logger;
  /** IANA zone the cron expressions are read in; the process' zone when absent. */
  timezone?: string;
  /** For run durations in the log; the recorded times come from jobRuns' own clock. */
  now?: () => number;
  /** node-cron on real time (read in `timezone`) when absent. */
  ticks?: TickSource;
}

export const OVERLAP_REASON = 'previous run still going';

type Trigger = 'schedule' | 'manual';

/** The tick source decides when; this decides whether, and records what happened. */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const { jobs, jobRuns, logger, timezone } = options;
  const now = options.now ?? Date.now;
  assertValid(jobs, timezone);
  const ticks = options.ticks ?? cronTicks({ logger, timezone });

  const abandoned = jobRuns.failAbandoned();
  if (abandoned > 0) logger.warn('job runs left running by the previous process recorded as failed', { count: abandoned });

  const running = new Map<string, Promise<JobOutcome>>();
  let armed: ArmedSchedule[] = [];

  const execute = (job: JobDefinition, trigger: Trigger): Promise<JobOutcome> => {
    const id = jobRuns.start(job.name);
    // Ours, not node-cron's `noOverlap`: it also keeps a Slack-asked run and a scheduled one apart, and records refusals.
    if (running.has(job.name)) {
      jobRuns.finish(id, 'skipped', OVERLAP_REASON);
      const fields = { job: job.name, trigger, reason: OVERLAP_REASON };
      // A tick that finds the last run still going means the schedule is tighter than the job: worth an operator's eye.
      if (trigger === 'schedule') logger.warn('job skipped', fields);
      else logger.info('job skipped', fields);
      return Promise.resolve({ outcome: 'skipped', reason: OVERLAP_REASON });
    }
    const startedAt = now();
    const run = settle(job).then((outcome) => {
      jobRuns.finish(id, outcome.outcome, detailOf(outcome), outcome.outcome === 'ok' ? (outcome.summary ?? null) : null);
      const fields = { job: job.name, trigger, ms: now() - startedAt };
      if (outcome.outcome === 'failed') logger.warn('job failed', { ...fields, error: outcome.error });
      else
        logger.info(`job ${outcome.outcome}`, { ...fields, detail: outcome.outcome === 'ok' ? outcome.summary : outcome.reason });
      return outcome;
    });
    running.set(job.name, run);
    // Cleared whatever happens, or one failed write to job_runs would block the job for the life of the process.
    run.finally(() => running.delete(job.name)).catch(() => {});
    return run;
  };

  const onTick = (job: JobDefinition) => async () => {
    try {
      await execute(job, 'schedule');
    } catch (error) {
      // Only the store can get here (runs never reject); the tick source would otherwise log it outside our log.
      logger.error('job run not recorded', { job: job.name, error: describeError(error) });
    }
  };

  return {
    runNow: async (name) => {
      const job = jobs.find((j) => j.name === name);
      if (!job) throw new Error(`no job named ${name}`);
      return execute(job, 'manual');
    },
    status: () => {
      const latest = new Map(jobRuns.latest().map((r) => [r.job, r]));
      return jobs.map((job, i) => ({
        name: job.name,
        description: job.description,
        schedule: job.schedule,
        running: running.has(job.name),
        lastRun: latest.get(job.name),
        nextRunAt: armed[i]?.nextRunAt() ?? null,
      }));
    },
    start: () => {
      if (armed.length > 0) return;
      armed = jobs.map((job) => ticks.arm(job, onTick(job)));
      logger.info('job schedules armed', { jobs: jobs.map((j) => `${j.name} (${j.schedule})`), timezone });
    },
    stop: async () => {
      const disarming = armed;
      armed = [];
      await Promise.all(disarming.map((schedule) => schedule.disarm()));
      // A run asked from Slack while we wait is waited for too: the database closes after this.
      while (running.size > 0) await Promise.allSettled([...running.values()]);
    },
  };
}

/** The last guard: config validation refuses these earlier, with the variable's name. */
function assertValid(jobs: readonly JobDefinition[], timezone: string | undefined): void {
  const seen = new Set<string>();
  for (const job of jobs) {
    if (seen.has(job.name)) throw new Error(`job ${job.name} is defined twice`);
    seen.add(job.name);
    if (!cron.validate(job.schedule)) throw new Error(`job ${job.name}: "${job.schedule}" is not a cron expression`);
  }
  if (timezone === undefined) return;
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw new Error(`job schedules: "${timezone}" is not a time zone`);
  }
}

/** A job's run as an outcome, whatever it does: one that throws is a failure like one that says so. */
async function settle(job: JobDefinition): Promise<JobOutcome> {
  try {
    return await job.run();
  } catch (error) {
    return { outcome: 'failed', error: describeError(error) };
  }
}

function detailOf(outcome: JobOutcome): string | null {
  if (outcome.outcome === 'failed') return outcome.error;
  if (outcome.outcome === 'skipped') return outcome.reason;
  return null;
}
