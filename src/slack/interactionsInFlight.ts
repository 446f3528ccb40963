import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';

/**
 * The slow parts of Slack interactions still running (a command's or a button's after its ack, the Sender ID form's
 * Wavix call). Slack has been answered already and will not send them again, so a stop that exited under them left
 * a person looking at "Sending the request to Wavix…" forever, with nothing audited although Wavix may have acted.
 */
export interface InteractionsInFlight {
  /** Runs `work`; a stop waits for it, and when it gives up first, `tellCut` says so to the person who asked. */
  run(work: () => Promise<void>, tellCut: () => Promise<unknown>): Promise<void>;
  /**
   * Waits until `until` (ms since epoch) at most for the interactions in flight, then tells the people of those
   * still running, given at most `tellMs` together. Resolves with how many were cut. Called once nothing new arrives.
   */
  settle(options: { until: number; tellMs: number }): Promise<number>;
}

export function createInteractionsInFlight(logger: Logger): InteractionsInFlight {
  const running = new Map<Promise<void>, () => Promise<unknown>>();
  return {
    run: (work, tellCut) => {
      const done = work().finally(() => running.delete(done));
      running.set(done, tellCut);
      return done;
    },
    settle: async ({ until, tellMs }) => {
      const gaveUp = new AbortController();
      for (let left = until - Date.now(); running.size > 0 && left > 0; left = until - Date.now()) {
        await Promise.race([Promise.allSettled(running.keys()), sleep(left, undefined, { signal: gaveUp.signal })]).catch(
          () => {},
        );
      }
      gaveUp.abort();
      const cut = [...running.values()];
      if (cut.length === 0) return 0;
      logger.warn('smsops stopped before Slack interactions finished; their people are told', { interactions: cut.length });
      const told = cut.map((tell) =>
        tell().catch((error: unknown) => logger.warn('a person could not be told of the stop', { error: describeError(error) })),
      );
      const tellTimer = new AbortController();
      await Promise.race([Promise.allSettled(told), sleep(tellMs, undefined, { signal: tellTimer.signal }).catch(() => {})]);
      tellTimer.abort();
      return cut.length;
    },
  };
}
