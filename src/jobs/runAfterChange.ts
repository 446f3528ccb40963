import type { Scheduler } from './scheduler.js';

/** How often a run in progress is looked at before the one asked for starts. */
const POLL_MS = 1_000;

/**
 * A job run asked for by a change (a drift fix made from Slack): now, or once the run in progress ends, since that one
 * may have read Wavix before the change (two fixes a second apart left the second alert open until the next scheduled
 * run). Asks while one is waiting coalesce into it; no 'skipped' run is recorded for them.
 */
export function createRunAfterChange(
  scheduler: Pick<Scheduler, 'runNow' | 'isRunning'>,
  job: string,
  onError: (error: unknown) => void,
): () => void {
  let waiting = false;
  const startWhenFree = () => {
    if (scheduler.isRunning(job)) {
      setTimeout(startWhenFree, POLL_MS).unref();
      return;
    }
    waiting = false;
    scheduler.runNow(job).catch(onError);
  };
  return () => {
    if (waiting) return;
    waiting = true;
    startWhenFree();
  };
}
