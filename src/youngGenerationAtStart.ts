import v8 from 'node:v8';

/**
 * V8's default factor by which the young generation grows when a scavenge finds most of it alive. Node 20's V8 has
 * always used 2; it is written here because V8 offers no way to read a flag back.
 */
const V8_DEFAULT_SEMI_SPACE_GROWTH_FACTOR = 2;

/**
 * Loading smsops' modules keeps nearly everything it allocates, which V8 reads as a young generation too small and
 * grows to its full 2 × 16 MB within the first half second: the process then sat idle ~14 MB above what it needs
 * (138–152 MB 2 s after start against 126) until V8's memory reducer ran 8 s later. Growth is held while modules load
 * (main.ts imports it before it loads the rest of smsops) and given back once smsops has started, so a
 * flood grows the young generation exactly as before.
 */
v8.setFlagsFromString('--semi-space-growth-factor=1');

/** Called once smsops (or the sandbox) has started, or failed to: from then on V8 sizes the young generation as usual. */
export function releaseYoungGeneration(): void {
  v8.setFlagsFromString(`--semi-space-growth-factor=${V8_DEFAULT_SEMI_SPACE_GROWTH_FACTOR}`);
}
