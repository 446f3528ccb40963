import { fdatasync } from 'node:fs';

/**
 * Page-copy steps between two flushes of the copy: 40 steps of PAGES_PER_STEP (./backup.ts), 16 MB at SQLite's 4 KB
 * pages.
 */
const STEPS_PER_FLUSH = 40;

/**
 * Flushes a backup copy to disk in libuv's thread pool while SQLite writes it. The backup's last step commits the copy
 * with an fsync on the event loop, and of a file written within seconds most is still in the page cache: that last
 * step held the loop 190-200 ms for a 326 MB copy (this project's VM), 40-60 ms once flushed along the way.
 * `step` is called after each page-copy step; `settled` waits for the flush in flight, which must end before `fd`
 * is closed. A failed flush is not reported here: the commit's own fsync says it.
 */
export function flushWhileCopying(fd: number): { step: () => void; settled: () => Promise<void> } {
  let steps = 0;
  let inFlight: Promise<void> | undefined;
  return {
    step: () => {
      steps += 1;
      if (inFlight || steps % STEPS_PER_FLUSH !== 0) return;
      inFlight = new Promise((resolve) => fdatasync(fd, () => resolve()));
      inFlight.then(() => {
        inFlight = undefined;
      });
    },
    settled: async () => {
      await inFlight;
    },
  };
}
