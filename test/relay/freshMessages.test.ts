import { describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../src/core/model/inboundMessage.js';
import { createFreshMessages } from '../../src/relay/freshMessages.js';

const message = (id: number, bytes: number): InboundMessage => ({
  id,
  wavixMessageId: `m-${id}`,
  fromNumber: '447400123456',
  toNumber: '14155550100',
  messageType: 'sms',
  text: 'hello',
  media: null,
  receivedAtText: '2026-11-25T10:00:00Z',
  receivedAt: null,
  ingestedAt: 0,
  contentType: 'application/json',
  rawBody: Buffer.alloc(bytes),
});

describe('fresh messages (handed to the relay workers without reading them back)', () => {
  it('keeps the newest messages within a count and a byte budget; older ones are read from the database again', () => {
    const fresh = createFreshMessages({ count: 3, bytes: 1_000 });
    for (const id of [1, 2, 3, 4]) fresh.put(message(id, 100));
    expect([1, 2, 3, 4].map((id) => fresh.get(id)?.id)).toEqual([undefined, 2, 3, 4]);
    fresh.put(message(5, 850));
    expect([3, 4, 5].map((id) => fresh.get(id)?.id)).toEqual([undefined, 4, 5]);
    // A body over the whole budget is never kept (a 256 KB webhook must not push every other message out).
    fresh.put(message(6, 1_001));
    expect(fresh.get(6)).toBeUndefined();
    expect(fresh.get(5)?.rawBody.length).toBe(850);
  });

  it('holds the message committed last under an id: SQLite gives a deleted newest row id to the next message', () => {
    const fresh = createFreshMessages({ count: 3, bytes: 1_000 });
    fresh.put({ ...message(7, 100), wavixMessageId: 'deleted-by-retention' });
    fresh.put({ ...message(7, 100), wavixMessageId: 'the-new-one' });
    expect(fresh.get(7)?.wavixMessageId).toBe('the-new-one');
    // A newer message too large to keep still drops the older one it replaces: the worker then reads the row.
    fresh.put({ ...message(7, 1_001), wavixMessageId: 'too-large' });
    expect(fresh.get(7)).toBeUndefined();
    // The budget counts the replaced body once.
    for (const id of [8, 9]) fresh.put(message(id, 450));
    expect(fresh.get(8)?.id).toBe(8);
  });

  it('keeps only the newest within its bounds over many puts, ids put again included', () => {
    const fresh = createFreshMessages({ count: 3, bytes: 1_000 });
    for (let id = 1; id <= 20_000; id += 1) {
      fresh.put(message(id, 100));
      // Every tenth id is put again at once (a newer message under the same id): it stays, once, as the newest.
      if (id % 10 === 0) fresh.put({ ...message(id, 200), wavixMessageId: `again-${id}` });
    }
    expect([19_997, 19_998, 19_999, 20_000].map((id) => fresh.get(id)?.wavixMessageId)).toEqual([
      undefined,
      'm-19998',
      'm-19999',
      'again-20000',
    ]);
    // Each kept body is counted once (the replaced one's bytes were given back): 200 + 500 + 600 bytes are over the
    // budget, so the oldest go until the rest fit.
    fresh.put(message(20_001, 500));
    expect([19_998, 19_999, 20_000, 20_001].map((id) => fresh.get(id) !== undefined)).toEqual([false, true, true, true]);
    fresh.put(message(20_002, 600));
    expect([20_000, 20_001, 20_002].map((id) => fresh.get(id) !== undefined)).toEqual([false, false, true]);
  });
});
