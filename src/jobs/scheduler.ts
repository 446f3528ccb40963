import cron from 'node-cron';
import { duration } from '../core/wording.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { JobRun, JobRunsRepository } from '../store/repositories/jobRuns.js';
import { cronTicks } from './cronTicks.js';
import type { ArmedSchedule, TickSource } from './tickSource.js';

/** The reason a run's cancellation gives when smsops stops (not when the run passed its time limit). */
class SmsopsStopping extends Error {
  constructor() {
    super('smsops is stopping');
    this.name = 'SmsopsStopping';
  }
}

/**
 * Whether a run was cancelled by smsops stopping: what it was waiting on says nothing of that service then. A run past
 * its time limit was waiting too long on it, which does.
 */
export const cutByStop = (cancellation: AbortSignal | undefined): boolean =>
  cancellation?.aborted === true && cancellation.reason instanceof SmsopsStopping;

export type JobOutcome =
  | { outcome: 'ok'; summary?: string }
  | { outcome: 'failed'; error: string }
  | { outcome: 'skipped'; reason: string };

export interface JobDefinition {
  name: string;
  /** A cron expression (node-cron: 5 fields, or 6 with seconds). */
  schedule: string;
  /** A function where what the job does can change while smsops runs (BACKUP_DIR removed or made unwritable). */
  description: string | (() => string | Promise<string>);
  /**
   * `cancellation` aborts when the run passed its time limit or smsops stops: its Wavix calls end (cancellableBy).
   * `cutByStop(cancellation)` tells the two apart.
   */
  run: (cancellation: AbortSignal) => Promise<JobOutcome>;
  /** How long a run may take before it is recorded failed and the job is free to run again (the scheduler's default). */
  timeLimitMs?: number;
  /**
   * True when a scheduled tick would find nothing to do: no run is recorded or logged for it. A job ticking every
   * minute for rare work (the reply look-ups) otherwise wrote 1,440 run rows and log lines a day saying "0 found".
   * A run asked for from Slack always runs.
   */
  idle?: () => boolean;
}

/** How a run ended, as counted: a run past its time limit is recorded failed, but counted apart. */
export type RunOutcome = 'ok' | 'failed' | 'skipped' | 'timed_out';
export const RUN_OUTCOMES: readonly RunOutcome[] = ['ok', 'failed', 'skipped', 'timed_out'];

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
  /** Whether a run of the job is in progress (a scheduled one or one asked for). */
  isRunning(name: string): boolean;
  /** One per job, in the order given; each described as it is now (BACKUP_DIR checked, up to 3 s). */
  status(): Promise<JobStatus[]>;
  /** The jobs' names, in the order given: what `/sms jobs run` takes, without describing them. */
  names(): string[];
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
  /** cronTicks on real time (read in `timezone`) when absent. */
  ticks?: TickSource;
  /** A job's time limit when it sets none (DEFAULT_TIME_LIMIT_MS). */
  timeLimitMs?: number;
  /** How long stop() waits for the runs still going, late ones included, once they are told to stop (LATE_RUN_GRACE_MS). */
  lateRunGraceMs?: number;
  /** Told of every run's end (the /metrics counter). */
  onRunEnded?: (job: string, outcome: RunOutcome) => void;
  /** Told of each tick the real-time source skipped (see cronTicks). */
  onTickMissed?: (job: string) => void;
}

/**
 * Ten minutes: twice the traffic watch's period, and far beyond a Wavix job whose every request has a deadline. A
 * run that hung (a Wavix answer that never ended) held its job "running" for good, every later tick skipped.
 */
export const DEFAULT_TIME_LIMIT_MS = 10 * 60_000;
/**
 * A stop tells every run to end (its Wavix and Slack calls are cut), so a run still going after this ignores that: it
 * is left, or it would hold the stop past the 30 s a supervisor gives before SIGKILL.
 */
export const LATE_RUN_GRACE_MS = 5_000;

export const OVERLAP_REASON = 'previous run still going';

type Trigger = 'schedule' | 'manual';

/** The tick source decides when; this decides whether, and records what happened. */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const { jobs, jobRuns, logger, timezone } = options;
  const now = options.now ?? Date.now;
  assertValid(jobs, timezone);
  const ticks =
    options.ticks ?? cronTicks({ logger, timezone, ...(options.onTickMissed ? { onMissed: options.onTickMissed } : {}) });

  const abandoned = jobRuns.failAbandoned();
  if (abandoned > 0) logger.warn('job runs left running by the previous process recorded as failed', { count: abandoned });

  const running = new Map<string, Promise<JobOutcome>>();
  /** Per job, its last run whose end the store refused: shown by status() over the row still saying "running". */
  const unrecorded = new Map<string, { id: number; outcome: JobOutcome['outcome']; finishedAt: number; error: string }>();
  const shown = (run: JobRun | undefined): JobRun | undefined => {
    const ended = run && unrecorded.get(run.job);
    if (!run || !ended || ended.id !== run.id || run.outcome !== 'running') return run;
    return { ...run, outcome: ended.outcome, finishedAt: ended.finishedAt, error: ended.error };
  };
  // Runs recorded as timed out that still go: a promise cannot be cancelled, only told to stop (their Wavix calls end at
  // once, see wavix/client.ts cancellableBy). They end on their own (their outcome only logged, the record already says failed) and
  // are waited for a little at stop, before the database closes.
  const late = new Set<Promise<unknown>>();
  let armed: ArmedSchedule[] = [];
  /** Of the runs still going: a stop tells them all to end, so a Wavix call does not hold it for its deadline. */
  const cancellations = new Set<AbortController>();
  let stopping = false;
  const ended = (job: string, outcome: RunOutcome) => {
    try {
      options.onRunEnded?.(job, outcome);
    } catch (error) {
      logger.warn('job run not counted', { job, error: describeError(error) });
    }
  };

  /** The run's outcome, or a failure once its time limit passed (the run itself then goes on, as a late run). */
  const withinLimit = (
    job: JobDefinition,
    trigger: Trigger,
    startedAt: number,
  ): Promise<{ outcome: JobOutcome; timedOut: boolean }> =>
    new Promise((resolve) => {
      const limit = job.timeLimitMs ?? options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
      const cancellation = new AbortController();
      if (stopping) cancellation.abort(new SmsopsStopping());
      const work = settle(job, cancellation.signal);
      cancellations.add(cancellation);
      void work.finally(() => cancellations.delete(cancellation));
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        cancellation.abort(new Error('the job run passed its time limit'));
        late.add(work);
        resolve({
          outcome: {
            outcome: 'failed',
            error: `did not finish within ${duration(limit)} (its time limit); the next run starts as scheduled`,
          },
          timedOut: true,
        });
      }, limit);
      // A run that never ends must not keep a stopping process alive through its timer.
      timer.unref();
      void work.then((outcome) => {
        clearTimeout(timer);
        if (!timedOut) return resolve({ outcome, timedOut: false });
        late.delete(work);
        logger.warn('job run ended after its time limit', {
          job: job.name,
          trigger,
          ms: now() - startedAt,
          outcome: outcome.outcome,
          ...(outcome.outcome === 'failed' ? { error: outcome.error } : {}),
        });
      });
    });

  const execute = (job: JobDefinition, trigger: Trigger): Promise<JobOutcome> => {
    let id: number;
    try {
      id = jobRuns.start(job.name);
    } catch (error) {
      // Not run (its record could not be written: a locked or full database), but counted: /metrics must not say
      // nothing happened while every tick fails.
      ended(job.name, 'failed');
      throw error;
    }
    // Ours, not the tick source's: it also keeps a Slack-asked run and a scheduled one apart, and records refusals.
    if (running.has(job.name)) {
      jobRuns.finish(id, 'skipped', OVERLAP_REASON);
      const fields = { job: job.name, trigger, reason: OVERLAP_REASON };
      // A tick that finds the last run still going means the schedule is tighter than the job: worth an operator's eye.
      if (trigger === 'schedule') logger.warn('job skipped', fields);
      else logger.info('job skipped', fields);
      ended(job.name, 'skipped');
      return Promise.resolve({ outcome: 'skipped', reason: OVERLAP_REASON });
    }
    const startedAt = now();
    const run = withinLimit(job, trigger, startedAt).then(({ outcome, timedOut }) => {
      ended(job.name, timedOut ? 'timed_out' : outcome.outcome);
      unrecorded.delete(job.name);
      try {
        jobRuns.finish(id, outcome.outcome, detailOf(outcome), outcome.outcome === 'ok' ? (outcome.summary ?? null) : null);
      } catch (error) {
        // Its row says "running" until the next start: /sms jobs says how it ended instead, and why that is not stored.
        const words = `its end could not be recorded: ${describeError(error)}`;
        const detail = detailOf(outcome);
        unrecorded.set(job.name, {
          id,
          outcome: outcome.outcome,
          finishedAt: now(),
          error: detail === null ? words : `${detail}; ${words}`,
        });
        throw error;
      }
      const fields = { job: job.name, trigger, ms: now() - startedAt };
      if (outcome.outcome === 'failed')
        logger.warn(timedOut ? 'job timed out' : 'job failed', { ...fields, error: outcome.error });
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
      if (!running.has(job.name) && job.idle?.()) return;
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
    isRunning: (name) => running.has(name),
    names: () => jobs.map((job) => job.name),
    status: async () => {
      const descriptions = await Promise.all(
        jobs.map((job) => (typeof job.description === 'function' ? job.description() : job.description)),
      );
      const latest = new Map(jobRuns.latest().map((r) => [r.job, r]));
      return jobs.map((job, i) => ({
        name: job.name,
        description: descriptions[i] ?? '',
        schedule: job.schedule,
        running: running.has(job.name),
        lastRun: shown(latest.get(job.name)),
        nextRunAt: armed[i]?.nextRunAt() ?? null,
      }));
    },
    start: () => {
      stopping = false;
      if (armed.length > 0) return;
      armed = jobs.map((job) => ticks.arm(job, onTick(job)));
      logger.info('job schedules armed', { jobs: jobs.map((j) => `${j.name} (${j.schedule})`), timezone });
    },
    stop: async () => {
      const disarming = armed;
      armed = [];
      await Promise.all(disarming.map((schedule) => schedule.disarm()));
      stopping = true;
      for (const cancellation of cancellations) cancellation.abort(new SmsopsStopping());
      // A run asked from Slack while we wait is waited for too (it starts told to stop): the database closes after this.
      const grace = options.lateRunGraceMs ?? LATE_RUN_GRACE_MS;
      let timer: NodeJS.Timeout | undefined;
      let gaveUp = false;
      const givingUp = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          gaveUp = true;
          resolve();
        }, grace);
      });
      while (!gaveUp && (running.size > 0 || late.size > 0))
        await Promise.race([Promise.allSettled([...running.values(), ...late]), givingUp]);
      clearTimeout(timer);
      // Left unfinished: recorded failed at the next start ("left running by the previous process").
      if (running.size > 0)
        logger.warn('job runs still going at stop, left unfinished', { jobs: [...running.keys()], waitedMs: grace });
      if (late.size > 0) logger.warn('job runs past their time limit still going at stop', { count: late.size });
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
async function settle(job: JobDefinition, signal: AbortSignal): Promise<JobOutcome> {
  try {
    return await job.run(signal);
  } catch (error) {
    return { outcome: 'failed', error: describeError(error) };
  }
}

function detailOf(outcome: JobOutcome): string | null {
  if (outcome.outcome === 'failed') return outcome.error;
  if (outcome.outcome === 'skipped') return outcome.reason;
  return null;
}
