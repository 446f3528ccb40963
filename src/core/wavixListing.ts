import { WavixCallFailure } from './ports/wavixFailure.js';

/** The most records of one Wavix listing held in memory at once (the numbers, the 10DLC brands). */
export const MAX_COLLECTED = 10_000;

/**
 * Collects a whole Wavix listing, refusing one larger than `max` records: a Wavix that never ends a listing must
 * not fill the memory, and a cut listing passed on as whole would be wrong (a number said missing), so none is.
 */
export async function collectAll<T>(
  iterable: AsyncIterable<T>,
  options: { max?: number; operation?: string } = {},
): Promise<T[]> {
  const max = options.max ?? MAX_COLLECTED;
  const operation = options.operation ?? 'read a listing';
  const all: T[] = [];
  for await (const item of iterable) {
    if (all.length >= max) {
      throw new WavixCallFailure(
        { kind: 'runaway_listing' },
        `Wavix ${operation}: more than ${max} records, the listing was not read whole`,
        `Wavix listed more than ${max} records when smsops tried to ${operation}, more than smsops reads at once, so nothing was shown from it.`,
      );
    }
    all.push(item);
  }
  return all;
}
