import v8 from 'node:v8';

/**
 * How far V8 lets the old generation grow past what survived its last full collection before collecting again, in
 * percent. V8's own factor goes up to 4× for a fast-allocating process: under a webhook flood smsops' live heap stayed
 * at ~45 MB while its heap grew to 140-190 MB between full collections (RSS 303-313 MB at the peak of
 * `npm run bench:production`). At 50 % the heap peaked at ~75 MB in the same flood, for the same messages a second;
 * the full collections it adds (a few tens of ms every few seconds) are in the benchmark's CPU per message.
 */
export const HEAP_GROWING_PERCENT = 50;

/**
 * Set at start, before the app allocates: V8 reads the flag each time it sets the next collection's limit. A V8 that
 * did not know the flag would print "unrecognized flag" on stderr and go on with its default (it does not throw).
 */
export function limitHeapGrowth(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
