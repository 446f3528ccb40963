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

export interface PaginateOptions {
  /** What the walk does, in words that finish "when trying to …" (the requests' own operation). */
  operation: string;
  maxPages?: number;
}

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
  options: PaginateOptions,
): AsyncGenerator<T, void, undefined> {
  const { operation } = options;
  const maxPages = options.maxPages ?? MAX_PAGES;
  // A digest per page, not the items: a thousand pages of records are not kept to compare.
  const seen = new Map<string, number>();
  let previous = 0;
  for (let page = 1; ; page++) {
    const result = await fetchPage(page);
    if (result.items.length === 0) return;
    if (result.pagination === undefined) {
      // Asking for page 2 of an answer that names no pages would read page 1 again and end as "not paging".
      yield* result.items;
      return;
    }
    const { current_page: current, total_pages: total } = result.pagination;
    if (current <= previous) {
      throw runaway(operation, `Wavix answered page ${page} as page ${current}, after page ${previous}: it is not paging`);
    }
    const digest = createHash('sha256').update(JSON.stringify(result.items)).digest('base64');
    const same = seen.get(digest);
    if (same !== undefined) {
      throw runaway(
        operation,
        `Wavix answered page ${page} with the same ${result.items.length} records as page ${same} (it says there are ${total} pages): it is not paging`,
      );
    }
    seen.set(digest, page);
    previous = current;
    yield* result.items;
    if (page >= total) return;
    if (page >= maxPages) {
      throw runaway(operation, `Wavix says there are ${total} pages, and smsops reads at most ${maxPages} pages of a listing`);
    }
  }
}

export { collectAll, MAX_COLLECTED } from '../core/wavixListing.js';
