/**
 * A reading that pollers (a Prometheus scrape, a Docker health check) may be given again instead of a fresh one. Some
 * figures cost what they count (the relay backlog is an index range as long as the backlog): read on every poll, a
 * scrape each second would take a share of the one event loop that grows with the backlog, while webhooks wait.
 *
 * The policy: a reading is reused while it is younger than `factor` times what it took (so at most about
 * 1 / (1 + factor) of the loop goes to it, whatever the polling rate), and never when it was cheap (under
 * `exactBelowMs`): with a small backlog every poll sees the live value. A read is cheap when its CPU time or its wall
 * time is: a read that only waited for a busy machine's CPU does not make the next polls stale, nor does a short read
 * while another thread (the WAL checkpointer) used CPU, which the process' measure counts too.
 */
export interface ReusePolicy {
  factor: number;
  exactBelowMs: number;
}

export const POLLER_REUSE: ReusePolicy = { factor: 10, exactBelowMs: 5 };

export interface LastRead {
  /** When the read ended, on a monotonic clock (ms). */
  endedAt: number;
  /** How long it held the loop (wall, ms). */
  tookMs: number;
  /** CPU time the process used meanwhile (ms): every thread's. */
  cpuMs: number;
}

/** Whether the last reading may be given to a poll at `at` (same clock as `endedAt`). */
export function mayReuse(last: LastRead | undefined, at: number, policy: ReusePolicy = POLLER_REUSE): boolean {
  if (!last || Math.min(last.cpuMs, last.tookMs) < policy.exactBelowMs) return false;
  const age = at - last.endedAt;
  return age >= 0 && age < policy.factor * last.tookMs;
}

export interface Reading<T> {
  value: T;
  /** How old the value is (ms): 0 when read for this poll. */
  ageMs: number;
}

export interface PollerClock {
  /** Monotonic ms. */
  now(): number;
  /** CPU time used so far (ms). */
  cpuMs(): number;
}

const processClock: PollerClock = {
  now: () => performance.now(),
  cpuMs: () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  },
};

/**
 * Reads through `read`, reusing the last value as `mayReuse` allows. A read that throws leaves nothing to reuse: the
 * error reaches this poll, and the next poll reads again. The value is shared between polls: callers must not change it.
 */
export function createPollerCache<T>(
  read: () => T,
  clock: PollerClock = processClock,
  policy: ReusePolicy = POLLER_REUSE,
): () => Reading<T> {
  let last: (LastRead & { value: T }) | undefined;
  return () => {
    const at = clock.now();
    if (last && mayReuse(last, at, policy)) return { value: last.value, ageMs: at - last.endedAt };
    last = undefined; // if the read throws, no older reading outlives it
    const cpuBefore = clock.cpuMs();
    const value = read();
    const endedAt = clock.now();
    last = { value, endedAt, tookMs: endedAt - at, cpuMs: clock.cpuMs() - cpuBefore };
    return { value, ageMs: 0 };
  };
}
