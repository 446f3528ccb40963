import { describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../src/core/model/inboundMessage.js';
import { createFreshMessages } from '../../src/relay/freshMessages.js';
import { inboundMessage } from '../helpers/inboundMessage.js';

// Stored messages of a given body size: the fresh cache's budget counts the raw body.
const message = (id: number, bytes: number): InboundMessage =>
  inboundMessage('hello', { id, wavixMessageId: `m-${id}`, receivedAt: null, ingestedAt: 0, rawBody: Buffer.alloc(bytes) });

describe('fresh messages (handed to the first PortSIP attempt without reading them back)', () => {
  it('keeps the newest messages within a count and a byte budget; older ones are read from the database again', () => {
    const fresh = createFreshMessages({ count: 3, bytes: 1_000 });
    for (const id of [1, 2, 3, 4]) fresh.put(message(id, 100));
    expect(fresh.take(1)).toBeUndefined();
    fresh.put(message(5, 850));
    // 2 and 3 went for the bytes, 4 and 5 fit.
    expect([2, 3, 4, 5].map((id) => fresh.take(id)?.id)).toEqual([undefined, undefined, 4, 5]);
    // A body over the whole budget is never kept (a 256 KB webhook must not push every other message out).
    fresh.put(message(6, 1_001));
    expect(fresh.take(6)).toBeUndefined();
  });

  it('gives a message once: its first attempt takes it, and it no longer counts against the bounds', () => {
    const fresh = createFreshMessages({ count: 3, bytes: 1_000 });
    fresh.put(message(1, 900));
    expect(fresh.take(1)?.rawBody.length).toBe(900);
    expect(fresh.take(1)).toBeUndefined();
    // The 900 bytes taken are given back: three more fit.
    for (const id of [2, 3, 4]) fresh.put(message(id, 300));
    expect([2, 3, 4].map((id) => fresh.take(id)?.id)).toEqual([2, 3, 4]);
  });

  it('stays within its bounds when one message at the front is never taken and every later one is', () => {
    const fresh = createFreshMessages({ count: 3, bytes: 1_000 });
    fresh.put(message(1, 10));
    for (let id = 2; id <= 20_000; id += 1) {
      fresh.put(message(id, 10));
      expect(fresh.take(id)?.id).toBe(id);
    }
    // Message 1 was pushed out once the ids put after it passed twice the count, not kept for ever.
    expect(fresh.take(1)).toBeUndefined();
    for (const id of [20_001, 20_002, 20_003]) fresh.put(message(id, 10));
    expect([20_001, 20_002, 20_003].map((id) => fresh.take(id)?.id)).toEqual([20_001, 20_002, 20_003]);
  });

  it('holds the message committed last under an id: SQLite gives a deleted newest row id to the next message', () => {
    const fresh = createFreshMessages({ count: 3, bytes: 1_000 });
    fresh.put({ ...message(7, 100), wavixMessageId: 'deleted-by-retention' });
    fresh.put({ ...message(7, 100), wavixMessageId: 'the-new-one' });
    expect(fresh.take(7)?.wavixMessageId).toBe('the-new-one');
    fresh.put({ ...message(7, 100), wavixMessageId: 'deleted-again' });
    // A newer message too large to keep still drops the older one it replaces: the worker then reads the row.
    fresh.put({ ...message(7, 1_001), wavixMessageId: 'too-large' });
    expect(fresh.take(7)).toBeUndefined();
    // The budget counts the replaced body once.
    for (const id of [8, 9]) fresh.put(message(id, 450));
    expect(fresh.take(8)?.id).toBe(8);
  });

  it('keeps only the newest within its bounds over many puts, ids put again included', () => {
    const fresh = createFreshMessages({ count: 3, bytes: 1_000 });
    for (let id = 1; id <= 20_000; id += 1) {
      fresh.put(message(id, 100));
      // Every tenth id is put again at once (a newer message under the same id): it stays, once, as the newest.
      if (id % 10 === 0) fresh.put({ ...message(id, 200), wavixMessageId: `again-${id}` });
    }
    expect(fresh.take(19_997)).toBeUndefined();
    expect(fresh.take(20_000)?.wavixMessageId).toBe('again-20000');
    fresh.put({ ...message(20_000, 200), wavixMessageId: 'again-20000' });
    // Each kept body is counted once (the replaced one's bytes were given back): 200 + 500 + 600 bytes are over the
    // budget, so the oldest go until the rest fit.
    fresh.put(message(20_001, 500));
    expect(fresh.take(19_998)).toBeUndefined();
    fresh.put(message(20_002, 600));
    expect([19_999, 20_000, 20_001, 20_002].map((id) => fresh.take(id) !== undefined)).toEqual([false, false, false, true]);
  });
});
