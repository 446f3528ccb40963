import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createWavixClient } from '../../src/wavix/client.js';
import { WavixError } from '../../src/wavix/errors.js';
import { collectAll, paginate } from '../../src/wavix/paginate.js';
import { failureOf as failureOfKind } from '../helpers/failureOf.js';

const API_KEY = 'wavix-test-key-5d1e8b7c30';

const numberRecord = (id: number) => ({
  id,
  number: `1415555${String(id).padStart(4, '0')}`,
  country_short_name: 'US',
  status: 'active',
  sms_enabled: true,
  sms_relay_url: null,
  label: null,
});

/** A Wavix whose `/v1/numbers` pages as `answer` says; every page asked for is recorded. */
let server: Server | undefined;
let asked: number[];
async function wavixAnswering(
  answer: (page: number) => { items: unknown[]; current_page: number; total_pages: number; total?: number },
) {
  asked = [];
  server = createServer((req, res) => {
    const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page') ?? 1);
    asked.push(page);
    const { items, current_page, total_pages, total = total_pages * 100 } = answer(page);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ items, pagination: { current_page, per_page: 100, total, total_pages } }));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return createWavixClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: API_KEY, retry: { maxRetries: 0 } });
}
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

const failureOf = (promise: Promise<unknown>) => failureOfKind(promise, WavixError);

describe('a Wavix listing that does not end', () => {
  it('stops at the second page when Wavix answers every page with the same records, saying 10 million pages', async () => {
    const client = await wavixAnswering((page) => ({ items: [numberRecord(1)], current_page: page, total_pages: 10_000_000 }));
    const error = await failureOf(collectAll(client.numbers.iterate()));
    expect(asked).toEqual([1, 2]);
    expect(error.kind).toBe('runaway_listing');
    expect(error.userMessage).toBe(
      "smsops stopped reading Wavix's answer when trying to list numbers: Wavix answered page 2 with the same 1 records as page 1 (it says there are 10000000 pages): it is not paging. Try again later; if it persists, ask Wavix support.",
    );
  });

  it('stops when Wavix answers page 2 as page 1 again', async () => {
    const client = await wavixAnswering((page) => ({ items: [numberRecord(page)], current_page: 1, total_pages: 50 }));
    const error = await failureOf(collectAll(client.numbers.iterate()));
    expect(asked).toEqual([1, 2]);
    expect(error.userMessage).toContain('Wavix answered page 2 as page 1, after page 1: it is not paging');
  });

  it('reads at most the page cap of a listing whose pages keep coming, and says so', async () => {
    const client = await wavixAnswering((page) => ({ items: [numberRecord(page)], current_page: page, total_pages: 10_000_000 }));
    const walk = paginate((page) => client.numbers.list({ page }), { operation: 'list numbers', maxPages: 5 });
    const read: unknown[] = [];
    const error = await failureOf(
      (async () => {
        for await (const record of walk) read.push(record);
      })(),
    );
    expect(asked).toEqual([1, 2, 3, 4, 5]);
    expect(read).toHaveLength(5);
    // The account simply holds more than smsops reads: no "try again later, ask Wavix support".
    expect(error.kind).toBe('listing_too_long');
    expect(error.userMessage).toBe(
      "smsops stopped reading Wavix's listing when trying to list numbers: Wavix says there are 10000000 pages, and smsops reads at most 5 pages of a listing.",
    );
  });

  it('collects no more than its limit of records into memory, and passes none of a cut listing on', async () => {
    const client = await wavixAnswering((page) => ({ items: [numberRecord(page)], current_page: page, total_pages: 10 }));
    await expect(collectAll(client.numbers.iterate(), { max: 3, operation: 'list numbers' })).rejects.toMatchObject({
      kind: 'runaway_listing',
      userMessage:
        'Wavix listed more than 3 records when smsops tried to list numbers, more than smsops reads at once, so nothing was shown from it.',
    });
    expect(asked).toEqual([1, 2, 3, 4]);
  });

  it('still reads an ordinary listing to its last page', async () => {
    const client = await wavixAnswering((page) => ({ items: [numberRecord(page)], current_page: page, total_pages: 3 }));
    expect((await collectAll(client.numbers.iterate())).map((n) => n.id)).toEqual([1, 2, 3]);
    expect(asked).toEqual([1, 2, 3]);
  });
});

describe('an account whose numbers change while they are listed (Wavix pages by offset)', () => {
  /** Wavix's listing of `numbers`, `size` a page, as its offset paging answers it at the moment of each request. */
  const pageOf = (numbers: number[], size: number, page: number) => ({
    items: numbers.slice((page - 1) * size, page * size).map(numberRecord),
    current_page: page,
    total_pages: Math.ceil(numbers.length / size),
    total: numbers.length,
  });

  it('reads the listing again when a number is released between two pages, so no number it holds is missed', async () => {
    // 9 numbers, 3 a page; number 2 (page 1) is released once page 1 was read: 4 moves onto page 1, unseen.
    const numbers = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const client = await wavixAnswering((page) => {
      const answer = pageOf(numbers, 3, page);
      if (page === 1 && numbers.includes(2)) numbers.splice(1, 1);
      return answer;
    });
    const ids = (await collectAll(client.numbers.iterate())).map((n) => n.id);
    expect(ids).toContain(4);
    expect(ids.filter((id) => id !== 2).sort((a, b) => a - b)).toEqual([1, 3, 4, 5, 6, 7, 8, 9]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(asked).toEqual([1, 2, 1, 2, 3]);
  });

  it('reads it again when the release empties the last page', async () => {
    // 7 numbers, 3 a page; number 1 is released once page 2 was read: 7 moves onto page 2, and page 3 is empty.
    const numbers = [1, 2, 3, 4, 5, 6, 7];
    const client = await wavixAnswering((page) => {
      const answer = pageOf(numbers, 3, page);
      if (page === 2 && numbers.includes(1)) numbers.splice(0, 1);
      return answer;
    });
    const ids = (await collectAll(client.numbers.iterate())).map((n) => n.id);
    expect(ids).toContain(7);
    expect(asked).toEqual([1, 2, 3, 1, 2]);
  });

  it('takes what it read after two more walks of a listing that never holds still, each number once', async () => {
    let next = 100;
    const numbers = [1, 2, 3, 4, 5, 6];
    const client = await wavixAnswering((page) => {
      const answer = pageOf(numbers, 3, page);
      numbers.push(next++); // a number bought at every request
      return answer;
    });
    const ids = (await collectAll(client.numbers.iterate())).map((n) => n.id);
    expect(asked.filter((p) => p === 1)).toHaveLength(3);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice(0, 6)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
