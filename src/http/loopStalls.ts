import { performance } from 'node:perf_hooks';

const TICK_MS = 250;
/** A tick this much later than due: the loop was held (a synchronous SQLite commit on a disk that takes seconds). */
const STALL_MS = 1_000;

/**
 * When smsops itself held its event loop. Node's header and request timeouts run on the same loop: a request sent
 * whole in milliseconds but not read while the loop was held is timed out the moment it runs again, and its sender was
 * told 408 "not sent in time" (a probe: a disk taking 3 s per fsync gave 10 of 30 webhooks a 408). Such a timeout is
 * smsops' own doing, answered as a store that cannot take the webhook is; only a stall since the connection was
 * accepted counts, so a slow sender that connected after one is still told it was slow.
 */
export function watchLoopStalls(now: () => number = () => performance.now()) {
  let lastTick = now();
  let lastStall = Number.NEGATIVE_INFINITY;
  const timer = setInterval(() => {
    const at = now();
    if (at - lastTick > TICK_MS + STALL_MS) lastStall = at;
    lastTick = at;
  }, TICK_MS);
  timer.unref();
  return {
    now,
    /** True while the loop is held (its tick overdue), or when it was held after `from` (on `now`'s clock). */
    since: (from: number) => now() - lastTick > TICK_MS + STALL_MS || lastStall >= from,
    stop: () => clearInterval(timer),
  };
}
