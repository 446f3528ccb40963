import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import type { AttemptOutcome } from '../../src/relay/attempt.js';
import { createConcurrencyWindow } from '../../src/relay/concurrencyWindow.js';
import { type OutboxWorker, startOutboxWorker } from '../../src/relay/outbox.js';
import { outboxStore } from '../helpers/outboxStore.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * The PortSIP worker with its concurrency window (as the relay starts it): a backlog sent to a PortSIP answering 2xx
 * gets more posts in parallel than the floor, never more than RELAY_CONCURRENCY; one answering 503 is backed off to
 * the floor at once.
 */

let temp: TempDb;
let worker: OutboxWorker | undefined;
const logger = createLogger({ level: 'error', sink: () => {} });
const retry = { baseDelayMs: 20, maxDelayMs: 100, deadAfterMs: 3_600_000 };

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  temp.cleanup();
});

/** A backlog of `count` messages, each its own conversation (all claimable at once). */
function backlog(count: number) {
  temp = createTempDb();
  const store = outboxStore(temp);
  const ids = Array.from({ length: count }, (_, i) => store.receive(`message ${i}`, `4474${String(i).padStart(8, '0')}`));
  return { ...store, ids };
}

function startWith(
  store: ReturnType<typeof backlog>,
  answer: (sentSoFar: number) => AttemptOutcome,
  onStart: (out: number, sentSoFar: number) => void,
) {
  let out = 0;
  let sent = 0;
  worker = startOutboxWorker({
    kind: 'portsip',
    deliveries: store.deliveries,
    inbound: store.inbound,
    concurrency: 32,
    window: createConcurrencyWindow({ floor: 8, ceiling: 32 }),
    prefetch: 32,
    retry,
    idleMs: 20,
    logger,
    send: async (batch) => {
      out += 1;
      sent += 1;
      const n = sent;
      onStart(out, n);
      // A PortSIP answering in about a millisecond: the worker, not PortSIP, is what bounds the rate.
      await new Promise((resolve) => setTimeout(resolve, 1));
      out -= 1;
      return batch.map(() => answer(n));
    },
  });
  worker.wake();
}

describe('the PortSIP worker with its concurrency window', () => {
  it('sends a backlog with more posts in parallel than the floor while PortSIP answers 2xx, never past RELAY_CONCURRENCY, each once', async () => {
    const store = backlog(1_500);
    const outAtStart: number[] = [];
    startWith(
      store,
      () => ({ delivered: true, statusCode: 200 }),
      (out) => outAtStart.push(out),
    );
    await waitUntil(() => store.ids.every((id) => store.statusOf(id).status === 'delivered'), 20_000, 'backlog delivered');
    // It starts at the floor and opens more as the answers come back.
    expect(Math.max(...outAtStart.slice(0, 16))).toBeLessThanOrEqual(8);
    expect(Math.max(...outAtStart)).toBeGreaterThan(16);
    expect(Math.max(...outAtStart)).toBeLessThanOrEqual(32);
    expect(store.ids.every((id) => store.statusOf(id).attempts === 1)).toBe(true);
  });

  it('backs off to the floor as soon as PortSIP answers 503', async () => {
    const store = backlog(1_500);
    const starts: Array<{ out: number; n: number }> = [];
    let firstRefused = Number.POSITIVE_INFINITY;
    startWith(
      store,
      (n) => {
        if (n <= 600) return { delivered: true, statusCode: 200 };
        firstRefused = Math.min(firstRefused, n);
        return { delivered: false, statusCode: 503 };
      },
      (out, n) => starts.push({ out, n }),
    );
    await waitUntil(() => starts.length >= 1_000, 20_000, 'attempts after the 503s began');
    const before = starts.filter((s) => s.n <= 600);
    // Started once the first 503s (two halvings: 32 → 16 → 8) had come back, whatever was out then had to end first.
    const after = starts.filter((s) => s.n > firstRefused + 64);
    expect(Math.max(...before.map((s) => s.out))).toBeGreaterThan(16);
    expect(after.length).toBeGreaterThan(100);
    expect(Math.max(...after.map((s) => s.out))).toBeLessThanOrEqual(8);
  });
});
