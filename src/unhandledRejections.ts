/**
 * Promises nobody handled, counted for /metrics: processMain.ts hears them from the process (and keeps running), while the
 * counter lives in the app's registry, which exists only once started and may be built several times in tests.
 */
let seen = 0;
const counters = new Set<(by: number) => void>();

/** One more unhandled rejection (processMain.ts' process handler). */
export function noteUnhandledRejection(): void {
  seen += 1;
  for (const inc of counters) inc(1);
}

/** Counts into `inc` those seen before now and every later one, until the returned function is called. */
export function countUnhandledRejections(inc: (by: number) => void): () => void {
  if (seen > 0) inc(seen);
  counters.add(inc);
  return () => counters.delete(inc);
}
