import { describe, expect, it } from 'vitest';
import { type OutboxWorker, startOutboxWorker } from '../../src/relay/outbox.js';
import { outboxStore } from '../helpers/outboxStore.js';
import { useOutboxWorkerRig } from '../helpers/outboxWorkerRig.js';
import type { TempDb } from '../helpers/tempDb.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * Claiming ahead of the free slots (one claim and one commit serve many attempts): what is claimed ahead is sent once,
 * in order, and given back untried when it must not be sent from here (a route change, a destination too slow for its
 * lease).
 */

let temp: TempDb;
let worker: OutboxWorker | undefined;
const { logLines, logger, tempDb, startWorker } = useOutboxWorkerRig();

function setup() {
  temp = tempDb();
  const store = outboxStore(temp);
  // Each from its own number: separate conversations, so each is claimable on its own.
  let n = 0;
  return { ...store, receive: (text: string) => store.receive(text, `44740000000${++n}`) };
}

const retry = { baseDelayMs: 20, maxDelayMs: 200, deadAfterMs: 3_600_000 };

describe('outbox worker claiming ahead', () => {
  it('gives back what it claimed ahead when asked (a route moved them): pending and untried again, then each sent once, in order', async () => {
    const { deliveries, inbound, receive, statusOf } = setup();
    const ids = ['one', 'two', 'three', 'four', 'five'].map(receive);
    const sent: string[] = [];
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    worker = startWorker({
      kind: 'portsip',
      deliveries,
      inbound,
      concurrency: 1,
      prefetch: 3,
      retry,
      idleMs: 20,
      logger,
      send: async (batch) => {
        await gate;
        return batch.map(({ message }) => {
          sent.push(message.text);
          return { delivered: true, statusCode: 200 };
        });
      },
    });
    worker.wake();
    // One attempt under way, three claimed ahead of it, the fifth still waiting.
    await waitUntil(() => ids.filter((id) => statusOf(id).status === 'in_flight').length === 4, 5000, 'claimed ahead');
    expect(statusOf(ids[4] as number).status).toBe('pending');

    worker.returnClaimedAhead();
    expect(ids.map((id) => statusOf(id).status)).toEqual(['in_flight', 'pending', 'pending', 'pending', 'pending']);
    expect(ids.slice(1).every((id) => statusOf(id).attempts === 0 && statusOf(id).leaseUntil === null)).toBe(true);

    open();
    await waitUntil(() => ids.every((id) => statusOf(id).status === 'delivered'), 8000, 'all delivered');
    expect(sent).toEqual(['one', 'two', 'three', 'four', 'five']);
    expect(ids.every((id) => statusOf(id).attempts === 1)).toBe(true);
  });

  it('gives back, rather than sends late, what waited too long behind a slow destination: no lease runs out, nothing is sent twice', async () => {
    const { deliveries, inbound, receive, statusOf } = setup();
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'].map(receive);
    const sent: string[] = [];
    worker = startWorker({
      kind: 'portsip',
      deliveries,
      inbound,
      concurrency: 1,
      prefetch: 4,
      // Claimed ahead for more than 200 ms (a quarter of the lease), a delivery is given back.
      leaseMs: 800,
      sweepEveryMs: 50,
      retry,
      idleMs: 20,
      logger,
      send: async (batch) => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return batch.map(({ message }) => {
          sent.push(message.text);
          return { delivered: true, statusCode: 200 };
        });
      },
    });
    worker.wake();
    await waitUntil(() => ids.every((id) => statusOf(id).status === 'delivered'), 15_000, 'all delivered');
    expect(sent).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(ids.every((id) => statusOf(id).attempts === 1)).toBe(true);
    // The sweep never had to take a lease back: nothing was held past its lease.
    expect(logLines.filter((l) => l.includes('lease ran out'))).toEqual([]);
  });

  it('stopped, gives back what it claimed ahead untried, so only the attempt cut short reads "may have got it twice" in /sms inbox', async () => {
    const { deliveries, inbound, receive, statusOf } = setup();
    const ids = ['one', 'two', 'three', 'four'].map(receive);
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const stopping = startOutboxWorker({
      kind: 'portsip',
      deliveries,
      inbound,
      concurrency: 1,
      prefetch: 3,
      retry,
      idleMs: 20,
      // The attempt out is not waited for: PortSIP may have got it, and it is sent again after the restart.
      stopWaitMs: 100,
      logger,
      send: async (batch) => {
        await gate;
        return batch.map(() => ({ delivered: true, statusCode: 200 }));
      },
    });
    stopping.wake();
    await waitUntil(() => ids.every((id) => statusOf(id).status === 'in_flight'), 5_000, 'one sent, three claimed ahead');
    await stopping.stop();
    open();
    const [cutShort, ...claimedAhead] = ids.map((id) => statusOf(id));
    expect(cutShort).toMatchObject({ status: 'pending', releasedAt: expect.any(Number) });
    for (const d of claimedAhead) expect(d).toMatchObject({ status: 'pending', attempts: 0, releasedAt: null });
  });
});
