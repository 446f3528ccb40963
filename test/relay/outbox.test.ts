import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../src/core/model/inboundMessage.js';
import { forgetSecret, registerSecret } from '../../src/log.js';
import type { AttemptOutcome } from '../../src/relay/attempt.js';
import type { OutboxWorker } from '../../src/relay/outbox.js';
import { judgeRelayHealth } from '../../src/relay/relayHealth.js';
import { attemptsBeforeDead } from '../../src/relay/retryPolicy.js';
import { createWriteHealth } from '../../src/store/writeHealth.js';
import { outboxStore } from '../helpers/outboxStore.js';
import { useOutboxWorkerRig } from '../helpers/outboxWorkerRig.js';
import type { TempDb } from '../helpers/tempDb.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * The outbox worker against a real SQLite file: what it does when the database is locked by another process, when a
 * sender throws, when a lease is left behind, and when its own loop dies.
 */

let temp: TempDb;
let worker: OutboxWorker | undefined;
let other: Database.Database | undefined;
const outboxRig = useOutboxWorkerRig();
const { logLines, logger } = outboxRig;

// Registered after the rig, so it runs first: the lock is let go before the worker is stopped.
afterEach(() => {
  if (other?.inTransaction) other.exec('ROLLBACK');
  other?.close();
  other = undefined;
});

/** A wait's description with the last log lines, which usually say why it timed out. */
const withLogs = (what: string) => () => `${what}\n${logLines.slice(-10).join('\n')}`;

function setup() {
  temp = outboxRig.tempDb();
  return outboxStore(temp);
}

const sent: string[] = [];
const textOf = (m: InboundMessage) => m.text;
const retry = { baseDelayMs: 20, maxDelayMs: 200, deadAfterMs: 3_600_000 };

/** A second connection holding the write lock, as an operator's `sqlite3` shell in BEGIN IMMEDIATE would. */
function holdWriteLock(path: string): Database.Database {
  const db = new Database(path);
  db.exec('BEGIN IMMEDIATE');
  return db;
}

describe('outbox worker', () => {
  it('claims and sends nothing while it does not hold the database (instance lease lapsed), and goes on once it does', async () => {
    const { deliveries, inbound, receive, statusOf } = setup();
    sent.length = 0;
    let holds = false;
    const id = receive('waiting for the lease');
    worker = outboxRig.startWorker({
      kind: 'portsip',
      deliveries,
      inbound,
      concurrency: 4,
      retry,
      idleMs: 20,
      logger,
      holdsDatabase: () => holds,
      send: async (batch) =>
        batch.map(({ message }) => {
          sent.push(textOf(message));
          return { delivered: true, statusCode: 200 };
        }),
    });
    worker.wake();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sent).toEqual([]);
    expect(statusOf(id)).toMatchObject({ status: 'pending', attempts: 0 });
    holds = true;
    await waitUntil(() => statusOf(id).status === 'delivered', 8000, withLogs('delivered once held'));
    expect(sent).toEqual(['waiting for the lease']);
  });

  it('records the outcomes of attempts finishing together, each on its own when one of them cannot be recorded', async () => {
    const { deliveries, inbound, receive, statusOf } = setup();
    const ids = ['447400000001', '447400000002', '447400000003'].map((from) => receive(`from ${from}`, from));
    const unrecordable = statusOf(ids[1] as number).id;
    // A record SQLite refuses (as a damaged row or a bug would make it): the batch it was in must still be recorded.
    temp.db.exec(`CREATE TRIGGER refuse_one BEFORE UPDATE OF status ON deliveries
      WHEN NEW.id = ${unrecordable} AND NEW.status = 'delivered' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`);
    const told: number[] = [];
    worker = outboxRig.startWorker({
      kind: 'portsip',
      deliveries,
      inbound,
      concurrency: 4,
      retry,
      idleMs: 20,
      logger,
      // Every attempt answers in the same turn: their outcomes are recorded together.
      send: async (batch) => batch.map(() => ({ delivered: true, statusCode: 200 })),
      onDelivered: (delivery) => told.push(delivery.id),
    });
    worker.wake();
    const recorded = [ids[0], ids[2]] as number[];
    await waitUntil(() => recorded.every((id) => statusOf(id).status === 'delivered'), 8000, withLogs('the others recorded'));
    await waitUntil(() => logLines.some((l) => l.includes('could not record an attempt')), 8000, withLogs('refusal logged'));
    expect(statusOf(ids[1] as number).status).toBe('in_flight');
    expect(told.sort()).toEqual(recorded.map((id) => statusOf(id).id).sort());
  });

  it('writes what goes with an outcome in its commit; one that throws is logged and counted, and the outcome stays', async () => {
    const { deliveries, inbound, receive, statusOf } = setup();
    const ids = ['447400000011', '447400000012'].map((from) => receive(`from ${from}`, from));
    const throwing = statusOf(ids[1] as number).id;
    const mark = temp.db.prepare("INSERT INTO settings (key, value, updated_at) VALUES (?, 'marked', 0)");
    // Another connection: the mark is there as soon as the outcome is, never before or after it.
    const reader = new Database(temp.path, { readonly: true });
    const both = (deliveryId: number) =>
      [
        reader.prepare<[number], { status: string }>('SELECT status FROM deliveries WHERE id = ?').get(deliveryId)?.status,
        reader.prepare<[string], number>('SELECT count(*) FROM settings WHERE key = ?').pluck().get(`mark-${deliveryId}`),
      ] as const;
    const seenTogether: Array<readonly [string | undefined, number | undefined]> = [];
    const errors: string[] = [];
    try {
      worker = outboxRig.startWorker({
        kind: 'portsip',
        deliveries,
        inbound,
        concurrency: 4,
        retry,
        idleMs: 20,
        logger,
        send: async (batch) => batch.map(() => ({ delivered: true, statusCode: 200 })),
        writeAlongside: (delivery) => {
          if (delivery.id === throwing) throw new Error('the mark failed');
          mark.run(`mark-${delivery.id}`);
        },
        onDelivered: (delivery) => seenTogether.push(both(delivery.id)),
        onError: (where) => errors.push(where),
      });
      worker.wake();
      await waitUntil(() => ids.every((id) => statusOf(id).status === 'delivered'), 8000, withLogs('both recorded'));
      const first = statusOf(ids[0] as number).id;
      expect(both(first)).toEqual(['delivered', 1]);
      expect(both(throwing)).toEqual(['delivered', 0]);
      // Told once committed: each callback saw its outcome (and its mark) committed already.
      expect(seenTogether).toContainEqual(['delivered', 1]);
      expect(errors).toEqual(['record']);
      expect(logLines.some((l) => l.includes('could not write what goes with a recorded attempt'))).toBe(true);
    } finally {
      reader.close();
    }
  });

  it('sets a delivery whose sender throws aside as dead after 3 attempts, with the reason, and delivers the rest of its conversation', async () => {
    const { deliveries, inbound, receive, statusOf } = setup();
    sent.length = 0;
    const dead: Array<{ id: number; error: string | undefined }> = [];
    const poison = receive('poison');
    const after = [receive('after 1'), receive('after 2')];
    worker = outboxRig.startWorker({
      kind: 'portsip',
      deliveries,
      inbound,
      concurrency: 4,
      retry,
      idleMs: 20,
      logger,
      send: async (batch) =>
        batch.map(({ message }) => {
          if (message.text === 'poison') throw new TypeError('Invalid character in header content ["content-type"]');
          sent.push(textOf(message));
          return { delivered: true, statusCode: 200 };
        }),
      onDead: (delivery, _message, outcome) => dead.push({ id: delivery.id, error: outcome.error }),
    });
    await waitUntil(() => after.every((id) => statusOf(id).status === 'delivered'), 8000, withLogs('the rest delivered'));
    const row = statusOf(poison);
    expect(row).toMatchObject({ status: 'dead', attempts: 3 });
    expect(row.lastError).toContain('Invalid character in header content');
    expect(row.lastError).toContain('3 times in a row');
    expect(dead).toEqual([{ id: row.id, error: expect.stringContaining('Invalid character') }]);
    expect(sent).toEqual(['after 1', 'after 2']);
    expect(logLines.some((l) => l.includes('relay sender threw'))).toBe(true);
    // The log names the failure, never the SMS text.
    expect(logLines.join('\n')).not.toContain('poison');
  });

  it('retries an outcome flagged deterministic only while it fails the same way; another failure starts the count again', async () => {
    const { deliveries, inbound, receive, statusOf } = setup();
    const outcomes: AttemptOutcome[] = [
      { delivered: false, statusCode: 200, error: 'Slack: invalid_blocks', deterministic: true },
      { delivered: false, statusCode: 200, error: 'Slack: invalid_blocks', deterministic: true },
      { delivered: false, statusCode: 503, error: 'HTTP 503' },
      { delivered: false, statusCode: 200, error: 'Slack: invalid_blocks', deterministic: true },
      { delivered: false, statusCode: 200, error: 'Slack: invalid_blocks', deterministic: true },
      { delivered: false, statusCode: 200, error: 'Slack: invalid_blocks', deterministic: true },
    ];
    const id = receive('x');
    let calls = 0;
    worker = outboxRig.startWorker({
      kind: 'portsip',
      deliveries,
      inbound,
      concurrency: 1,
      retry,
      idleMs: 20,
      logger,
      send: async (batch) => batch.map(() => outcomes[calls++] ?? { delivered: true, statusCode: 200 }),
    });
    await waitUntil(() => statusOf(id).status === 'dead', 8000, withLogs('dead'));
    expect(calls).toBe(6);
    expect(statusOf(id)).toMatchObject({ attempts: 6, lastError: expect.stringContaining('3 times in a row') });
  });

  it('makes a delivery whose window passed before its first attempt (a long outage, a clock stepped forward) dead only after 10 attempts', async () => {
    const { deliveries, inbound, receive, statusOf } = setup();
    const id = receive('waited out an outage');
    temp.db
      .prepare('UPDATE deliveries SET retry_window_started_at = ? WHERE id = ?')
      .run(Date.now() - 25 * 3_600_000, statusOf(id).id);
    let calls = 0;
    worker = outboxRig.startWorker({
      kind: 'portsip',
      deliveries,
      inbound,
      concurrency: 1,
      retry: { ...retry, deadAfterMs: 24 * 3_600_000 },
      idleMs: 20,
      logger,
      send: async (batch) => {
        calls += batch.length;
        return batch.map(() => ({ delivered: false, statusCode: 503, error: 'HTTP 503' }));
      },
    });
    await waitUntil(() => statusOf(id).status === 'dead', 8000, withLogs('dead'));
    expect(calls).toBe(10);
    expect(statusOf(id)).toMatchObject({ attempts: 10 });
  });

  it('never makes a delivery dead nor counts an attempt while its route holds it unposted (Retry-After answered to another SMS)', async () => {
    const { deliveries, inbound, receive, statusOf } = setup();
    const id = receive('a day-old backlog, its route busy');
    temp.db
      .prepare('UPDATE deliveries SET retry_window_started_at = ? WHERE id = ?')
      .run(Date.now() - 25 * 3_600_000, statusOf(id).id);
    let calls = 0;
    const held: AttemptOutcome = { delivered: false, statusCode: 503, error: 'not sent: held', held: true };
    worker = outboxRig.startWorker({
      kind: 'portsip',
      deliveries,
      inbound,
      concurrency: 1,
      retry: { ...retry, deadAfterMs: 24 * 3_600_000 },
      idleMs: 20,
      logger,
      send: async (batch) => {
        calls += batch.length;
        return batch.map(() => (calls <= 12 ? held : { delivered: true, statusCode: 200 }));
      },
    });
    // Before: dead at its 10th held turn, never posted.
    await waitUntil(() => ['delivered', 'dead'].includes(statusOf(id).status), 8000, withLogs('an end'));
    expect(calls).toBe(13);
    // Held turns are not attempts: one attempt, the post that went through.
    expect(statusOf(id)).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('needs as many attempts before a window makes a delivery dead as the backoff makes in it, at most 10', () => {
    expect(attemptsBeforeDead({ baseDelayMs: 1_000, maxDelayMs: 300_000, deadAfterMs: 24 * 3_600_000 }, 1_000)).toBe(10);
    // 500 ms, then 1 s, then 2 s of mean delay: the third attempt comes 1.5 s in, the fourth 3.5 s in.
    expect(attemptsBeforeDead({ baseDelayMs: 1_000, maxDelayMs: 300_000, deadAfterMs: 3_000 }, 20)).toBe(3);
    // Polled once a second, retries are a second apart at least.
    expect(attemptsBeforeDead({ baseDelayMs: 20, maxDelayMs: 300_000, deadAfterMs: 3_000 }, 1_000)).toBe(3);
    expect(attemptsBeforeDead({ baseDelayMs: 1_000, maxDelayMs: 300_000, deadAfterMs: 100 }, 20)).toBe(1);
  });

  it('goes on through a database locked by another process: errors are logged and counted, nothing is sent twice, all is delivered once the lock is gone', async () => {
    const { deliveries, inbound, receive, statusOf } = setup();
    const writeHealth = createWriteHealth({ recentMs: 0 });
    const errors: string[] = [];
    const sentIds: number[] = [];
    let release: (() => void) | undefined;
    const first = receive('first');
    worker = outboxRig.startWorker({
      kind: 'portsip',
      deliveries,
      inbound,
      concurrency: 2,
      retry,
      idleMs: 20,
      logger,
      writeHealth,
      onError: (where) => errors.push(where),
      send: async (batch) => {
        // The first attempt is still at PortSIP when the other process takes the lock: its outcome cannot be written.
        if (batch[0]?.message.text === 'first') await new Promise<void>((resolve) => (release = resolve));
        for (const { delivery } of batch) sentIds.push(delivery.id);
        return batch.map(() => ({ delivered: true, statusCode: 200 }));
      },
    });
    await waitUntil(() => release, 8000, withLogs('the first attempt'));
    const second = receive('second', '447400999999');
    other = holdWriteLock(temp.path);
    release?.();
    await waitUntil(() => errors.includes('record') && !writeHealth.state().writable, 8000, withLogs('errors while locked'));
    expect(worker.status().running).toBe(true);
    other.exec('COMMIT');
    await waitUntil(() => [first, second].every((id) => statusOf(id).status === 'delivered'), 8000, withLogs('all delivered'));
    expect(sentIds.sort()).toEqual([statusOf(first).id, statusOf(second).id].sort());
    expect(writeHealth.state().writable).toBe(true);
  });

  it('stopping while another process holds the write lock a moment, still records an outcome once it is gone: nothing sent twice after the restart', async () => {
    const { deliveries, inbound, receive, statusOf } = setup();
    const errors: string[] = [];
    let release: (() => void) | undefined;
    const id = receive('answered during the lock');
    worker = outboxRig.startWorker({
      kind: 'portsip',
      deliveries,
      inbound,
      concurrency: 1,
      retry,
      idleMs: 20,
      logger,
      onError: (where) => errors.push(where),
      send: async (batch) => {
        await new Promise<void>((resolve) => (release = resolve));
        return batch.map(() => ({ delivered: true, statusCode: 200 }));
      },
    });
    await waitUntil(() => release, 8000, withLogs('the attempt'));
    other = holdWriteLock(temp.path);
    release?.(); // PortSIP took it; its record meets the lock
    await waitUntil(() => errors.includes('record'), 8000, withLogs('the record refused'));
    const stopping = worker.stop(); // SIGTERM now
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    other.exec('COMMIT'); // the operator's transaction ends
    await stopping;
    worker = undefined;
    expect(statusOf(id).status).toBe('delivered');
  });

  it('reclaims a lease left by a lost attempt within a lease period, while running', async () => {
    const { deliveries, inbound, receive, statusOf } = setup();
    const id = receive('left behind');
    // What an attempt that was lost leaves: leased, never recorded.
    const claimed = deliveries.claimDue('portsip', 1, 1000);
    expect(claimed).toHaveLength(1);
    const leasedAt = Date.now();
    worker = outboxRig.startWorker({
      kind: 'portsip',
      deliveries,
      inbound,
      concurrency: 1,
      retry,
      idleMs: 20,
      leaseMs: 1000,
      logger,
      send: async (batch) => batch.map(() => ({ delivered: true, statusCode: 200 })),
    });
    await waitUntil(() => statusOf(id).status === 'delivered', 5000, withLogs('delivered'));
    // The lease ran out after 1 s; the sweep runs every quarter lease: taken up again well within a second lease.
    expect(Date.now() - leasedAt).toBeLessThan(2 * 1000);
    expect(logLines.some((l) => l.includes('lease ran out'))).toBe(true);
  });

  it('restarts its loop when the loop ends anyway, and counts it', async () => {
    const { deliveries, inbound, receive, statusOf } = setup();
    let restarts = 0;
    let thrown = false;
    const id = receive('through a restart');
    other = holdWriteLock(temp.path);
    worker = outboxRig.startWorker({
      kind: 'portsip',
      deliveries,
      inbound,
      concurrency: 1,
      retry,
      idleMs: 20,
      logger,
      // The error handling itself fails once (a bug in reporting): the loop ends, the supervisor starts it again.
      onError: () => {
        if (!thrown) {
          thrown = true;
          throw new Error('reporting broke');
        }
      },
      onRestart: () => {
        restarts += 1;
      },
      send: async (batch) => batch.map(() => ({ delivered: true, statusCode: 200 })),
    });
    await waitUntil(() => restarts > 0, 8000, withLogs('a restart'));
    other.exec('COMMIT');
    await waitUntil(() => statusOf(id).status === 'delivered', 8000, withLogs('delivered'));
    expect(worker.status()).toMatchObject({ running: true, restarts: 1 });
    expect(logLines.some((l) => l.includes('relay worker loop ended; restarting it'))).toBe(true);
  });

  it('masks a secret quoted by its last error where /healthz and the relay_stalled alert read it, as the log line does', async () => {
    const { deliveries, inbound, receive, statusOf } = setup();
    const secret = 'pbx-pass-Zq81-outbox';
    registerSecret(secret);
    try {
      const id = receive('through a restart');
      other = holdWriteLock(temp.path);
      worker = outboxRig.startWorker({
        kind: 'portsip',
        deliveries,
        inbound,
        concurrency: 1,
        retry,
        idleMs: 20,
        logger,
        // An error quoting a URL with its credentials (a library's words): it ends the loop, which is restarted, while
        // the lock lasts.
        onError: () => {
          throw new Error(`connect failed: https://admin:${secret}@pbx.example.com/api`);
        },
        send: async (batch) => batch.map(() => ({ delivered: true, statusCode: 200 })),
      });
      await waitUntil(() => worker?.status().restarts, 8000, withLogs('a restart'));
      const shown = worker.status().lastError ?? '';
      expect(shown).toContain('connect failed: https://admin:[REDACTED]@pbx.example.com/api');
      const health = judgeRelayHealth({
        workers: [{ ...worker.status(), lastLoopAt: 0 }],
        writes: createWriteHealth({ recentMs: 0 }).state(),
        now: Date.now(),
      });
      expect(JSON.stringify(health)).not.toContain(secret);
      other.exec('COMMIT');
      await waitUntil(() => statusOf(id).status === 'delivered', 8000, withLogs('delivered'));
    } finally {
      forgetSecret(secret);
    }
  });

  it('times an attempt from its call, not its wait for a turn (keeping its lease), and aborts the signal of one it gives up on', async () => {
    const { deliveries, inbound, receive, statusOf } = setup();
    const waits = receive('waits for its turn', '447400000001');
    const hangs = receive('hangs in its call', '447400000002');
    const signals: AbortSignal[] = [];
    let midWait: string | undefined;
    // The store's deliveries are PortSIP's; the worker's mechanics are the same for the Slack leg.
    worker = outboxRig.startWorker({
      kind: 'portsip',
      deliveries,
      inbound,
      concurrency: 2,
      retry: { ...retry, baseDelayMs: 5_000 },
      idleMs: 20,
      leaseMs: 400,
      attemptTimeoutMs: 200,
      logger,
      send: async (batch, attempt) => {
        if (batch[0]?.message.text === 'hangs in its call') {
          if (attempt) signals.push(attempt.signal);
          attempt?.calling();
          return new Promise<AttemptOutcome[]>(() => {});
        }
        // A turn of a pace longer than the timeout and the lease.
        attempt?.waiting();
        await new Promise((resolve) => setTimeout(resolve, 500));
        midWait = statusOf(waits).status;
        await new Promise((resolve) => setTimeout(resolve, 300));
        attempt?.calling();
        return batch.map(() => ({ delivered: true, statusCode: 200 }));
      },
    });
    await waitUntil(
      () => statusOf(waits).status === 'delivered',
      8000,
      () => `${withLogs('the waiting one delivered')()} ${JSON.stringify(statusOf(waits))}`,
    );
    expect(statusOf(waits)).toMatchObject({ attempts: 1, lastError: null });
    // Still its own while it waited: the sweep did not put it back as a lost attempt.
    expect(midWait).toBe('in_flight');
    // Failed, and due again: the other's 2xx may already have brought it forward (the route answering again).
    expect(statusOf(hangs)).toMatchObject({ lastError: 'no outcome within 200 ms' });
    expect(['pending', 'in_flight']).toContain(statusOf(hangs).status);
    // Told, so that it makes no call after: the worker sends the message again.
    expect(signals[0]?.aborted).toBe(true);
  });

  it('takes a send that never settles as failed after its timeout, frees the slot, and does not hold stop()', async () => {
    const { deliveries, inbound, receive, statusOf } = setup();
    const hung = receive('hangs', '447400000001');
    const other = receive('other conversation', '447400000002');
    const calls: string[] = [];
    worker = outboxRig.startWorker({
      kind: 'portsip',
      deliveries,
      inbound,
      concurrency: 1,
      retry: { ...retry, baseDelayMs: 5_000 },
      idleMs: 20,
      attemptTimeoutMs: 200,
      stopWaitMs: 100,
      logger,
      send: (batch) => {
        calls.push(batch[0]?.message.text ?? '');
        if (batch[0]?.message.text === 'hangs') return new Promise<AttemptOutcome[]>(() => {});
        return Promise.resolve(batch.map(() => ({ delivered: true, statusCode: 200 })));
      },
    });
    await waitUntil(() => statusOf(other).status === 'delivered', 8000, withLogs('the other conversation delivered'));
    expect(statusOf(hung)).toMatchObject({ lastError: 'no outcome within 200 ms' });
    expect(['pending', 'in_flight']).toContain(statusOf(hung).status);
    // The other conversation's 2xx may bring the hung one forward once (the route answers again): tried at least once.
    expect(calls.filter((text) => text === 'other conversation')).toHaveLength(1);
    expect(calls[0]).toBe('hangs');
  });

  it('keeps the outcomes a send told before it timed out: what was delivered is not sent again, the rest fails', async () => {
    const { deliveries, inbound, receive, statusOf } = setup();
    const posted = receive('posted first', '447400000001');
    const hung = receive('hangs after', '447400000002');
    const sends: string[][] = [];
    worker = outboxRig.startWorker({
      kind: 'portsip',
      deliveries,
      inbound,
      concurrency: 1,
      // A Slack send: one batch over several channels, posted one after the other.
      batchSize: 2,
      retry: { ...retry, baseDelayMs: 5_000 },
      idleMs: 20,
      attemptTimeoutMs: 200,
      stopWaitMs: 100,
      logger,
      send: (batch, attempt) => {
        sends.push(batch.map((i) => i.message.text));
        attempt.calling();
        const first = batch.find((i) => i.message.text === 'posted first');
        if (first) attempt.settled(first.delivery.id, { delivered: true, statusCode: 200 });
        return new Promise<AttemptOutcome[]>(() => {});
      },
    });
    await waitUntil(() => statusOf(hung).lastError !== null, 8000, withLogs('the attempt timed out'));
    expect(statusOf(posted)).toMatchObject({ status: 'delivered', attempts: 1, lastError: null });
    expect(statusOf(hung)).toMatchObject({ status: 'pending', lastError: 'no outcome within 200 ms' });
    expect(sends).toEqual([['posted first', 'hangs after']]);
  });

  it('records nothing of an attempt that ends after stop() returned (the database is closed): it says the delivery is sent again', async () => {
    const { deliveries, inbound, receive, statusOf } = setup();
    const late = receive('answered late');
    let answer: (outcomes: AttemptOutcome[]) => void = () => {};
    worker = outboxRig.startWorker({
      kind: 'portsip',
      deliveries,
      inbound,
      concurrency: 1,
      retry,
      idleMs: 20,
      stopWaitMs: 100,
      logger,
      send: (batch) =>
        new Promise<AttemptOutcome[]>((resolve) => {
          answer = () => resolve(batch.map(() => ({ delivered: true, statusCode: 200 })));
        }),
    });
    await waitUntil(() => statusOf(late).status === 'in_flight', 8000, withLogs('the attempt out'));
    await worker.stop();
    expect(statusOf(late).status).toBe('pending');
    temp.db.close();
    answer([]);
    await waitUntil(() => logLines.some((l) => l.includes('not recorded')), 5000, withLogs('the late outcome said'));
    expect(logLines.filter((l) => l.includes('"level":"error"'))).toEqual([]);
    expect(logLines.find((l) => l.includes('not recorded'))).toContain('"level":"info"');
  });
});
