import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../../src/log.js';
import type { AttemptOutcome } from '../../src/relay/attempt.js';
import { type OutboxWorker, startOutboxWorker } from '../../src/relay/outbox.js';
import { closeDatabase, type Db, openDatabase } from '../../src/store/database.js';
import { createDeliveriesRepository } from '../../src/store/repositories/deliveries.js';
import { createInboundRepository } from '../../src/store/repositories/inbound.js';
import { outboxStore } from '../helpers/outboxStore.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * Two smsops on one database file, one after the other: A froze (SIGSTOP, a VM paused) with an attempt out, lost its
 * instance lease, and B took the database over (releasing A's leases at its start) and sent the SMS again. When A's
 * attempt ends at last, its outcome belongs to a claim that is no longer the delivery's: it must not turn B's delivered
 * row back to pending (PortSIP got the SMS a third time), nor touch B's claim in flight.
 */

let temp: TempDb;
let second: Db | undefined;
const workers: OutboxWorker[] = [];
const logLines: string[] = [];
const logger: Logger = createLogger({ level: 'debug', sink: (line) => logLines.push(line) });
const retry = { baseDelayMs: 20, maxDelayMs: 200, deadAfterMs: 3_600_000 };

afterEach(async () => {
  // B first: A, no longer holding the database, leaves the leases alone at its stop.
  for (const w of workers.reverse()) await w.stop();
  workers.length = 0;
  if (second?.open) closeDatabase(second);
  second = undefined;
  temp.cleanup();
  logLines.length = 0;
});

/** A worker whose every send waits for the test to answer it (`answers`, one per send, in order). */
function answeringWorker(
  repos: { deliveries: ReturnType<typeof createDeliveriesRepository>; inbound: ReturnType<typeof createInboundRepository> },
  holds: () => boolean,
) {
  const answers: Array<(outcome: AttemptOutcome) => void> = [];
  const worker = startOutboxWorker({
    kind: 'portsip',
    ...repos,
    concurrency: 4,
    retry,
    idleMs: 20,
    leaseMs: 60_000,
    logger,
    holdsDatabase: holds,
    send: (batch) =>
      new Promise<AttemptOutcome[]>((resolve) => {
        answers.push((outcome) => resolve(batch.map(() => outcome)));
      }),
  });
  workers.push(worker);
  return { worker, answers };
}

function setup() {
  temp = createTempDb();
  const a = outboxStore(temp);
  second = openDatabase(temp.path).db;
  const b = { deliveries: createDeliveriesRepository(second), inbound: createInboundRepository(second) };
  return { a, b };
}

const notRecordedLine = () => logLines.find((l) => l.includes('its outcome is not recorded'));

describe('an attempt outliving its claim', () => {
  it("does not turn a delivery another process delivered back to pending, and B's outcome is recorded while A's stale one is not", async () => {
    const { a, b } = setup();
    const id = a.receive('sent by A, frozen, then by B');
    // A does not know yet that it lost the database (its attempt ends before its lease heartbeat runs): only the
    // database can refuse its outcome.
    const A = answeringWorker(a, () => true);
    A.worker.wake();
    await waitUntil(() => A.answers.length === 1, 5000, 'A sends');
    expect(a.statusOf(id)).toMatchObject({ status: 'in_flight' });

    // B starts on the database: every lease left is A's, given back (src/relay/relay.ts at start), and B claims anew.
    b.deliveries.releaseLeases({ all: true });
    const B = answeringWorker(b, () => true);
    B.worker.wake();
    await waitUntil(() => B.answers.length === 1, 5000, 'B sends again');

    // A's stale attempt fails while B's claim is in flight: B's claim is untouched.
    A.answers[0]?.({ delivered: false, statusCode: null, error: 'no answer within the deadline' });
    await waitUntil(() => notRecordedLine() || a.statusOf(id).attempts > 0, 5000, "A's outcome handled");
    expect(a.statusOf(id)).toMatchObject({ status: 'in_flight', attempts: 0, lastError: null });

    // B's outcome is recorded under its own claim.
    B.answers[0]?.({ delivered: true, statusCode: 200 });
    await waitUntil(() => a.statusOf(id).status === 'delivered', 5000, "B's outcome recorded");
    expect(a.statusOf(id)).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200 });

    // Nothing is sent a third time.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(A.answers.length + B.answers.length).toBe(2);
  });

  it('does not turn a delivered delivery back to pending when the stale attempt ends after the other delivered it', async () => {
    const { a, b } = setup();
    const id = a.receive('delivered by B first');
    const A = answeringWorker(a, () => true);
    A.worker.wake();
    await waitUntil(() => A.answers.length === 1, 5000, 'A sends');
    b.deliveries.releaseLeases({ all: true });
    const B = answeringWorker(b, () => true);
    B.worker.wake();
    await waitUntil(() => B.answers.length === 1, 5000, 'B sends again');
    B.answers[0]?.({ delivered: true, statusCode: 200 });
    await waitUntil(() => a.statusOf(id).status === 'delivered', 5000, 'delivered by B');

    A.answers[0]?.({ delivered: false, statusCode: 503, error: 'HTTP 503' });
    await waitUntil(() => notRecordedLine() || a.statusOf(id).status !== 'delivered', 5000, "A's outcome handled");
    expect(a.statusOf(id)).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200, lastError: null });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(A.answers.length + B.answers.length).toBe(2);
  });

  it('drops the outcome before writing when the process knows it lost the database', async () => {
    const { a, b } = setup();
    const id = a.receive('A knows');
    let aHolds = true;
    const A = answeringWorker(a, () => aHolds);
    A.worker.wake();
    await waitUntil(() => A.answers.length === 1, 5000, 'A sends');
    b.deliveries.releaseLeases({ all: true });
    const B = answeringWorker(b, () => true);
    B.worker.wake();
    await waitUntil(() => B.answers.length === 1, 5000, 'B sends again');

    aHolds = false;
    A.answers[0]?.({ delivered: false, statusCode: 503, error: 'HTTP 503' });
    await waitUntil(() => logLines.find((l) => l.includes('after this process lost the database')), 5000, 'dropped');
    B.answers[0]?.({ delivered: true, statusCode: 200 });
    await waitUntil(() => a.statusOf(id).status === 'delivered', 5000, "B's outcome recorded");
    expect(a.statusOf(id)).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('records a late 2xx on a delivery its lease ran out on and the sweep put back, not claimed since: no second copy', async () => {
    const { a } = setup();
    const id = a.receive('answered just after its lease ran out');
    const [claimed] = a.deliveries.claimDue('portsip', 1, 1);
    expect(claimed?.id).toBe(a.statusOf(id).id);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(a.deliveries.releaseLeases()).toBe(1);
    expect(a.deliveries.markDelivered(claimed?.id ?? -1, 200, claimed?.leaseUntil ?? null)).toBe(true);
    expect(a.statusOf(id)).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200 });
  });
});
