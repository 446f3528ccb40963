import { localIso } from '../core/zoneClock.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { cronSlots } from './cronSlots.js';
import { missedRunsReporter } from './missedRuns.js';
import type { TickSource } from './tickSource.js';

/** How late a tick may start and still run (node-cron's, kept): later, it is a missed slot. */
const TOLERANCE_MS = 1000;
/** A timer never waits longer than this, so a wall clock set forward is noticed within the hour. */
const LONGEST_WAIT_MS = 3_600_000;
/** A wall clock that fell behind real time by more than this while a timer waited was set back. */
const STEP_BACK_MS = 2000;

/**
 * The production tick source: the slots of each expression (cronSlots: read in `timezone`, else the process' zone,
 * daylight-saving changes included) on a timer against real time (Date, setTimeout).
 */
export function cronTicks(options: {
  logger: Logger;
  timezone?: string;
  /** Told of each slot passed before its tick could start (the /metrics counter): those runs are not made up. */
  onMissed?: (job: string) => void;
}): TickSource {
  const { logger, timezone } = options;
  return {
    arm: (job, onTick) => {
      const jobLogger = logger.child({ job: job.name });
      const missedRuns = missedRunsReporter(jobLogger);
      const slots = cronSlots(job.schedule, timezone);
      let next = slots.after(Date.now());
      let timer: NodeJS.Timeout | undefined;
      let disarmed = false;
      /** The wall clock and real time when the timer was set, to tell a wall clock set back. */
      let armed = { wall: Date.now(), real: performance.now() };
      /** The last slot run: a fixed-time job does not run it again after the clock goes back. */
      let lastDue: number | null = null;

      const wait = () => {
        if (disarmed || next === null) return;
        armed = { wall: Date.now(), real: performance.now() };
        timer = setTimeout(beat, Math.min(Math.max(0, next - Date.now()), LONGEST_WAIT_MS));
      };
      /**
       * A wall clock set back (NTP, a VM restored from a snapshot) left the next slot ahead by the step: every job was
       * silent that long (an hour's step, an hour without the watch and its alerts; a probe). The slots follow the
       * clock instead, cronie's way: a repeating schedule runs its slots of the new time, a fixed-time one does not run
       * again a wall time it ran.
       */
      const followStepBack = (now: number) => {
        const back = performance.now() - armed.real - (now - armed.wall);
        if (back <= STEP_BACK_MS || next === null) return;
        // `after` is strictly after: a slot at this very second still runs, a fixed-time slot already run does not.
        next = slots.after(slots.fixedTime && lastDue !== null ? Math.max(now - 1000, lastDue) : now - 1000);
        jobLogger.warn('the wall clock went back: the schedule follows it', { steppedBackMs: Math.round(back) });
      };
      const beat = () => {
        followStepBack(Date.now());
        // Whole seconds, as slots are: a timer a few ms late is on time.
        const now = Math.floor(Date.now() / 1000) * 1000;
        let due: number | null = null;
        while (next !== null && next <= now) {
          const slot = next;
          next = slots.after(slot);
          const late = now - slot;
          if (late <= TOLERANCE_MS && (next === null || late < next - slot)) {
            due = slot;
            break;
          }
          missedRuns.missed(localIso(slot, timezone));
          options.onMissed?.(job.name);
        }
        wait();
        if (due === null) return;
        lastDue = due;
        // After the missed-runs line, which is said in a microtask queued before this one.
        queueMicrotask(() => {
          missedRuns.ticked();
          onTick().catch((error: unknown) => jobLogger.error('job tick failed', { error: describeError(error) }));
        });
      };

      if (next === null) jobLogger.warn('the schedule never falls due: the job runs only when asked', { schedule: job.schedule });
      wait();
      return {
        nextRunAt: () => {
          if (disarmed || next === null) return null;
          // Passed while the process was blocked or the clock stepped: the next tick says so, this says what comes.
          return next < Date.now() ? slots.after(Date.now()) : next;
        },
        disarm: () => {
          disarmed = true;
          clearTimeout(timer);
        },
      };
    },
  };
}
