/**
 * When a reply whose send's outcome is unknown is looked up at Wavix by its tag, counted from when it became unknown:
 * after 1, 5 and 30 minutes (and once more at each start). Growing gaps: Wavix's list may not show a message it took a
 * moment ago (the OpenAPI does not say how soon it does), so only a look at least 30 minutes on, after two others,
 * that still finds nothing is taken as "Wavix has no record of it".
 */
export const REPLY_LOOKUP_AFTER_MS: readonly number[] = [60_000, 5 * 60_000, 30 * 60_000];

/** The first look, a minute after the send's outcome became unknown. */
export const FIRST_REPLY_LOOKUP_MS = REPLY_LOOKUP_AFTER_MS[0] as number;

/**
 * Replies written longer ago than this are not looked up: how long Wavix's list keeps a message is not documented, so
 * "no record" of an old one would not mean it was never sent. A choice, not Wavix's word.
 */
export const REPLY_LOOKUP_MAX_AGE_MS = 7 * 24 * 60 * 60_000;

/** A look Wavix did not answer is tried again after 1, 2, 4… minutes, at most 30. */
export function lookupBackoffMs(failuresInARow: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, failuresInARow - 1), 30 * 60_000);
}

/** The status line's words (after "Not sent: ") for a reply Wavix has no record of after the last look. */
export const NO_RECORD_AT_WAVIX_REASON =
  'Wavix has no record of it (looked up by its tag over 30 minutes), so it was not sent. You may post it again.';
