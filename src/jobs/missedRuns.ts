import { duration, plural } from '../core/wording.js';
import type { Logger } from '../log.js';

/**
 * How far the wall clock may run ahead of the process' monotonic clock between two looks before it is called a step:
 * well above NTP's slewing and timer lateness, well below any step worth naming.
 */
const CLOCK_STEP_MS = 60_000;

export interface MissedRuns {
  /** A slot passed before its tick could start; `at` as the schedule's zone writes it. */
  missed(at: string): void;
  /** The job ticked: the clocks are compared from here on. */
  ticked(): void;
}

/**
 * One line per skipped slot would be 288 lines for a 5-minute job after a wall clock stepped 24 h ahead. The slots of
 * one heartbeat arrive synchronously, so they are folded into one line per job, said after them (a microtask).
 * Whether it was a step is read from the clocks, not the gap: the wall clock ran ahead of `performance.now()`
 * (monotonic, which a blocked event loop delays as much as Date, but which a step or a suspended machine does not
 * move).
 */
export function missedRunsReporter(logger: Logger): MissedRuns {
  const clocks = () => ({ wall: Date.now(), monotonic: performance.now() });
  let since = clocks();
  let pending: { first: string; last: string; count: number } | null = null;
  const restart = () => {
    since = clocks();
  };

  const report = () => {
    if (!pending) return;
    const { first, last, count } = pending;
    pending = null;
    const now = clocks();
    const step = now.wall - since.wall - (now.monotonic - since.monotonic);
    since = now;
    const runs = count === 1 ? `missed its run at ${first}` : `missed ${plural(count, 'run')} from ${first} to ${last}`;
    const notMadeUp = `${count === 1 ? 'it is' : 'they are'} not made up: the job runs at its next tick`;
    const fields = { missedRuns: count, firstMissed: first, lastMissed: last };
    if (step > CLOCK_STEP_MS) {
      logger.warn(
        `${runs}: the wall clock jumped ${duration(step)} forward (set by hand or by NTP, or the machine slept); ${notMadeUp}`,
        { ...fields, clockStepMs: Math.round(step) },
      );
    } else {
      logger.warn(
        `${runs}: the process was too busy to start ${count === 1 ? 'it' : 'them'} on time (blocking IO or high CPU); ${notMadeUp}`,
        fields,
      );
    }
  };

  return {
    missed: (at) => {
      if (pending) {
        pending.last = at;
        pending.count += 1;
        return;
      }
      pending = { first: at, last: at, count: 1 };
      queueMicrotask(report);
    },
    ticked: restart,
  };
}
