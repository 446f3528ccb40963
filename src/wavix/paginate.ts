import type { Pagination } from './schemas.js';

export interface Page<T> {
  items: T[];
  pagination: Pagination;
}

/** Walks Wavix's `page`/`per_page` pagination until `total_pages`, one request per page, lazily. */
export async function* paginate<T>(fetchPage: (page: number) => Promise<Page<T>>): AsyncGenerator<T, void, undefined> {
  for (let page = 1; ; page++) {
    const result = await fetchPage(page);
    yield* result.items;
    if (page >= result.pagination.total_pages || result.items.length === 0) return;
  }
}

/** Collects a whole listing, refusing to run away on a listing larger than `max` items. */
export async function collectAll<T>(iterable: AsyncIterable<T>, max = 10_000): Promise<T[]> {
  const all: T[] = [];
  for await (const item of iterable) {
    all.push(item);
    if (all.length >= max) throw new Error(`listing has more than ${max} items; narrow it with filters`);
  }
  return all;
}
