import { createHash } from 'node:crypto';
import { WavixError } from './errors.js';
import type { Pagination } from './schemas.js';

export interface Page<T> {
  items: T[];
  /** Absent where Wavix's description leaves it optional (the opt-out list): the answer is the whole list. */
  pagination?: Pagination | undefined;
}

/**
 * The most pages one walk reads: 100,000 records at the 100 a page smsops asks for. Wavix's `total_pages` is its own
 * word: a Wavix that keeps saying "more" (1e7 pages) was read at a thousand pages a second until memory ran out.
 */
export const MAX_PAGES = 1_000;

export interface PaginateOptions<T = unknown> {
  /** What the walk does, in words that finish "when trying to …" (the requests' own operation). */
  operation: string;
  maxPages?: number;
  /**
   * A record's identity, for a listing read whole (the account's numbers). Wavix pages by offset: a number released
   * while later pages are read moves every later one a place up, so the walk skipped one the account holds, and
   * doctor told an operator to remove its route. With a key, a walk whose `total` changes is read again from page 1
   * (at most MAX_REWALKS times), yielding only records not yielded yet.
   */
  key?: (item: T) => string;
}

/** How many times a listing that changed under the walk is read again before what was read is taken as it is. */
export const MAX_REWALKS = 2;

const runaway = (operation: string, detail: string) =>
  new WavixError({ kind: 'runaway_listing', operation, attempts: 1, detail });

/**
 * Walks Wavix's `page`/`per_page` pagination until `total_pages`, one request per page, lazily; an answer without
 * `pagination` is the only page. A page that does not
 * advance, or holds exactly the items of a page already read, means Wavix is not paging (it answers the same page
 * whatever is asked): the walk ends with an error rather than looping, as it does past `maxPages`.
 */
export async function* paginate<T>(
  fetchPage: (page: number) => Promise<Page<T>>,
  options: PaginateOptions<T>,
): AsyncGenerator<T, void, undefined> {
  const { operation, key } = options;
  const maxPages = options.maxPages ?? MAX_PAGES;
  // A digest per page, not the items: a thousand pages of records are not kept to compare.
  let seen = new Map<string, number>();
  let previous = 0;
  let total: number | undefined;
  let rewalks = 0;
  let read = 0;
  const yielded = new Set<string>();
  for (let page = 1; ; page++) {
    const result = await fetchPage(page);
    read += 1;
    const changed = key !== undefined && total !== undefined && result.pagination?.total !== total;
    if (changed && rewalks < MAX_REWALKS) {
      // The listing changed since page 1: the offsets moved, so this page may have skipped (or repeated) records. Also
      // when it came back empty: the last number moved onto the page before, already read.
      rewalks += 1;
      total = undefined;
      seen = new Map();
      previous = 0;
      page = 0;
      continue;
    }
    if (result.items.length === 0) return;
    if (result.pagination === undefined) {
      // Asking for page 2 of an answer that names no pages would read page 1 again and end as "not paging".
      yield* result.items;
      return;
    }
    const { current_page: current, total_pages: pages } = result.pagination;
    total = result.pagination.total;
    if (current <= previous) {
      throw runaway(operation, `Wavix answered page ${page} as page ${current}, after page ${previous}: it is not paging`);
    }
    const digest = createHash('sha256').update(JSON.stringify(result.items)).digest('base64');
    const same = seen.get(digest);
    if (same !== undefined) {
      throw runaway(
        operation,
        `Wavix answered page ${page} with the same ${result.items.length} records as page ${same} (it says there are ${pages} pages): it is not paging`,
      );
    }
    seen.set(digest, page);
    previous = current;
    if (key === undefined) yield* result.items;
    else {
      for (const item of result.items) {
        const id = key(item);
        if (yielded.has(id)) continue;
        yielded.add(id);
        yield item;
      }
    }
    if (page >= pages) return;
    if (read >= maxPages) {
      // Not Wavix misbehaving: the account holds more than smsops reads at once, so no "ask Wavix support".
      throw new WavixError({
        kind: 'listing_too_long',
        operation,
        attempts: 1,
        detail: `Wavix says there are ${pages} pages, and smsops reads at most ${maxPages} pages of a listing`,
      });
    }
  }
}

export { collectAll, MAX_COLLECTED } from '../core/wavixListing.js';
