import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { OutboxWorker } from '../../src/relay/outbox.js';
import { createGroupCommit, type GroupCommit } from '../../src/store/groupCommit.js';
import { outboxStore } from '../helpers/outboxStore.js';
import { useOutboxWorkerRig } from '../helpers/outboxWorkerRig.js';
import type { TempDb } from '../helpers/tempDb.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * The PortSIP worker recording its outcomes in the webhooks' group commit (one transaction per turn for both): every
 * outcome is recorded once, the conversation goes on, and a commit that cannot be made (the write lock held by another
 * process) delays the records without losing them or sending anything twice.
 */

let temp: TempDb;
let worker: OutboxWorker | undefined;
let blocker: Database.Database | undefined;
const outboxRig = useOutboxWorkerRig();
const { logger } = outboxRig;

// Registered after the rig, so it runs first: the lock is let go before the worker is stopped.
afterEach(() => {
  if (blocker?.inTransaction) blocker.exec('ROLLBACK');
  blocker?.close();
  blocker = undefined;
});

const retry = { baseDelayMs: 20, maxDelayMs: 200, deadAfterMs: 3_600_000 };

/** The group commit, counting the writes submitted to it and the outcome writes among them. */
function countingCommits(commits: GroupCommit) {
  const counts = { writes: 0 };
  const recordIn: Pick<GroupCommit, 'submit'> = {
    submit: (write, committed, options) => {
      counts.writes += 1;
      return commits.submit(write, committed, options);
    },
  };
  return { recordIn, counts };
}

function startWorker(options: {
  store: ReturnType<typeof outboxStore>;
  recordIn: Pick<GroupCommit, 'submit'>;
  sent: string[];
  concurrency?: number;
}) {
  const { deliveries, inbound } = options.store;
  return outboxRig.startWorker({
    kind: 'portsip',
    deliveries,
    inbound,
    concurrency: options.concurrency ?? 4,
    prefetch: 8,
    retry,
    idleMs: 20,
    logger,
    recordIn: options.recordIn,
    send: async (batch) =>
      batch.map(({ message }) => {
        options.sent.push(message.text);
        return { delivered: true, statusCode: 200 };
      }),
  });
}

describe('outbox worker recording in the group commit', () => {
  it('records every outcome once, a few writes for many attempts, and each conversation goes on in order', async () => {
    temp = outboxRig.tempDb();
    const store = outboxStore(temp);
    // Three conversations of four messages each.
    const ids = Array.from({ length: 12 }, (_, i) => store.receive(`m${i}`, `4474000000${i % 3}`));
    const { recordIn, counts } = countingCommits(createGroupCommit(temp.db));
    const sent: string[] = [];
    worker = startWorker({ store, recordIn, sent });
    worker.wake();
    await waitUntil(() => ids.every((id) => store.statusOf(id).status === 'delivered'), 8000, 'all delivered');
    expect(ids.every((id) => store.statusOf(id).attempts === 1)).toBe(true);
    expect(sent).toHaveLength(12);
    for (const c of [0, 1, 2]) {
      const ofConversation = sent.filter((t) => Number(t.slice(1)) % 3 === c);
      expect(ofConversation).toEqual([...ofConversation].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))));
    }
    // Outcomes of a turn share one write (three conversations in parallel: about one write per three attempts; one
    // write per attempt would be 12).
    expect(counts.writes).toBeGreaterThan(0);
    expect(counts.writes).toBeLessThanOrEqual(6);
  });

  /** 64 conversations of one message each, all due: more than the 8 slots and the claim ahead take at once. */
  function behindWith(answer: (n: number, resolve: () => void) => void, waitMs = WAIT_MS) {
    temp = outboxRig.tempDb();
    const store = outboxStore(temp);
    const ids = Array.from({ length: 64 }, (_, i) => store.receive(`m${i}`, `447400${String(i).padStart(6, '0')}`));
    let current: OutboxWorker | undefined;
    const commitSizes: number[] = [];
    const commits = createGroupCommit(temp.db, {
      expectingMore: () => current?.outcomesComing(waitMs) ?? false,
      expectingMoreMs: waitMs,
      onCommitted: (writes) => commitSizes.push(writes),
    });
    let attempts = 0;
    worker = current = outboxRig.startWorker({
      kind: 'portsip',
      deliveries: store.deliveries,
      inbound: store.inbound,
      concurrency: 8,
      prefetch: 8,
      retry,
      idleMs: 20,
      logger,
      recordIn: commits,
      send: (batch) =>
        new Promise((resolve) => {
          attempts += 1;
          answer(attempts, () => resolve(batch.map(() => ({ delivered: true, statusCode: 200 }))));
        }),
    });
    worker.wake();
    return { store, ids, commitSizes, commits, worker };
  }
  // Long enough that a busy machine's pauses do not end a round early: only the answers do.
  const WAIT_MS = 200;
  /** After `n` turns of the event loop: answers that come one by one, each in a turn of its own, within a millisecond. */
  const afterTurns = (n: number, then: () => void) => (n <= 0 ? then() : setImmediate(() => afterTurns(n - 1, then)));
  const afterTurnsAsync = (n: number) => new Promise<void>((resolve) => afterTurns(n, resolve));

  it('behind, records a round of attempts answered over several turns in one commit, not one commit per answer', async () => {
    const { store, ids, commitSizes } = behindWith((n, resolve) => afterTurns(n % 8, resolve));
    await waitUntil(() => ids.every((id) => store.statusOf(id).status === 'delivered'), 10_000, 'all delivered');
    expect(ids.every((id) => store.statusOf(id).attempts === 1)).toBe(true);
    // About one commit per round of 8 while behind (the last rounds, caught up, commit as they come); committing as the
    // answers come takes about one per answer.
    expect(commitSizes.length).toBeGreaterThan(0);
    expect(commitSizes.length).toBeLessThanOrEqual(16);
  });

  it('does not hold commits for a destination answering slower than the wait: each answer is recorded as it comes', async () => {
    const { store, ids, commitSizes } = behindWith((n, resolve) => setTimeout(resolve, WAIT_MS + 20 + (n % 8) * 15));
    await waitUntil(() => ids.every((id) => store.statusOf(id).status === 'delivered'), 20_000, 'all delivered');
    // Answers 15 ms apart, each recorded as it comes: about one commit per answer. Held, a round's answers would share
    // a few commits (and each round would wait up to WAIT_MS more).
    expect(commitSizes.length).toBeGreaterThan(40);
  });

  it('does not hold commits for attempts the destination hangs on: only for those started within twice the wait', async () => {
    const hung: Array<() => void> = [];
    // The first round answers at once; every attempt after it hangs (a PBX holding requests until smsops' deadline).
    const { commits, worker: current } = behindWith((n, resolve) => (n <= 8 ? afterTurns(1, resolve) : hung.push(resolve)), 50);
    try {
      await waitUntil(() => hung.length === 8, 5_000, 'a round of attempts hanging');
      await new Promise((resolve) => setTimeout(resolve, 150));
      // Behind, with 8 attempts out, but each out for longer than twice the wait: a commit due now goes at once.
      expect(current.outcomesComing(50)).toBe(false);
      let stored = false;
      const write = commits
        .submit(() => 1)
        .then(() => {
          stored = true;
        });
      await afterTurnsAsync(3);
      expect(stored).toBe(true);
      await write;
    } finally {
      for (const resolve of hung) resolve();
    }
  });

  it('waits while another process holds the write lock, then records once; nothing is sent twice', async () => {
    temp = outboxRig.tempDb();
    const store = outboxStore(temp);
    const ids = ['a', 'b', 'c'].map((text) => store.receive(text));
    const sent: string[] = [];
    // The commit retries for a while, then gives up: the worker then records on its own, with its own retries.
    const commits = createGroupCommit(temp.db, { waitMs: 150, retryMs: 20 });
    worker = outboxRig.startWorker({
      kind: 'portsip',
      deliveries: store.deliveries,
      inbound: store.inbound,
      concurrency: 1,
      retry,
      idleMs: 20,
      logger,
      recordIn: commits,
      errorBackoff: { baseMs: 20, maxMs: 100 },
      send: async (batch) => {
        // The first attempt is answered while the lock is held: its outcome cannot be written at once.
        if (sent.length === 0) {
          blocker = new Database(temp.path);
          blocker.exec('BEGIN IMMEDIATE');
          setTimeout(() => blocker?.exec('ROLLBACK'), 600);
        }
        return batch.map(({ message }) => {
          sent.push(message.text);
          return { delivered: true, statusCode: 200 };
        });
      },
    });
    worker.wake();
    await waitUntil(() => ids.every((id) => store.statusOf(id).status === 'delivered'), 10_000, 'all delivered');
    expect(sent).toEqual(['a', 'b', 'c']);
    expect(ids.every((id) => store.statusOf(id).attempts === 1)).toBe(true);
  });

  it('records on its own when its write in the group commit fails', async () => {
    temp = outboxRig.tempDb();
    const store = outboxStore(temp);
    const ids = ['x', 'y'].map((text) => store.receive(text));
    const sent: string[] = [];
    // A group commit that refuses outcome writes (as one whose transaction failed would).
    const refusing: Pick<GroupCommit, 'submit'> = { submit: () => Promise.reject(new Error('commit failed')) };
    worker = startWorker({ store, recordIn: refusing, sent, concurrency: 1 });
    worker.wake();
    await waitUntil(() => ids.every((id) => store.statusOf(id).status === 'delivered'), 8000, 'all delivered');
    expect(sent).toEqual(['x', 'y']);
  });
});
