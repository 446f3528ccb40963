import { describe, expect, it } from 'vitest';
import type { OutboxWorker, startOutboxWorker } from '../../src/relay/outbox.js';
import { createWriteHealth } from '../../src/store/writeHealth.js';
import { outboxStore } from '../helpers/outboxStore.js';
import { useOutboxWorkerRig } from '../helpers/outboxWorkerRig.js';
import type { TempDb } from '../helpers/tempDb.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * A disk full for longer than the relay's lease: the SMS reached PortSIP (or Slack), its outcome could not be written,
 * the lease ran out and the sweep put the delivery back. A probe of the real process (a 2 MB tmpfs full for 75 s) saw
 * 8 of 79 SMS sent to PortSIP twice and 10 posted in Slack twice, with no crash. A full disk refuses only the writes
 * that need new space: claims and sweeps still passed while outcomes failed. Here a page-limited database stands for
 * it, with the outcome's write made to need new pages.
 */

let temp: TempDb;
let worker: OutboxWorker | undefined;
const { logLines, logger, tempDb, startWorker } = useOutboxWorkerRig();
const withLogs = (what: string) => () => `${what}\n${logLines.slice(-10).join('\n')}`;
const retry = { baseDelayMs: 20, maxDelayMs: 200, deadAfterMs: 3_600_000 };

/** Writing an outcome needs a page more than the database may have, as a full disk refuses it (SQLITE_FULL). */
function fillDisk() {
  temp.db.exec(`CREATE TABLE disk_filler (x BLOB);
    CREATE TRIGGER outcome_needs_space AFTER UPDATE OF status ON deliveries WHEN NEW.status = 'delivered'
    BEGIN INSERT INTO disk_filler VALUES (randomblob(65536)); END`);
  const pages = temp.db.pragma('page_count', { simple: true }) as number;
  temp.db.pragma(`max_page_count = ${pages + 4}`);
  return () => temp.db.pragma('max_page_count = 1073741823');
}

const sweeps = () => logLines.filter((l) => l.includes('deliveries whose lease ran out are queued again')).length;

/** A PortSIP worker whose destination takes every SMS (recorded in `sent`), with leases short enough to run out. */
function startRecordingWorker(
  store: Pick<Parameters<typeof startOutboxWorker>[0], 'deliveries' | 'inbound'>,
  sent: string[],
  extra: Partial<Parameters<typeof startOutboxWorker>[0]>,
) {
  return startWorker({
    kind: 'portsip',
    ...store,
    concurrency: 4,
    retry,
    idleMs: 20,
    leaseMs: 1_000,
    errorBackoff: { baseMs: 20, maxMs: 100 },
    logger,
    send: async (batch) =>
      batch.map(({ message }) => {
        sent.push(message.text);
        return { delivered: true, statusCode: 200 };
      }),
    ...extra,
  });
}

describe('an outcome that cannot be written before its lease runs out', () => {
  it('is kept and written once the disk has room: the SMS is sent once, however many leases ran out meanwhile', async () => {
    temp = tempDb();
    const { deliveries, inbound, receive, statusOf } = outboxStore(temp);
    const freeDisk = fillDisk();
    const ids = ['447400000001', '447400000002', '447400000003'].map((from) => receive(`from ${from}`, from));
    const sent: string[] = [];
    const writeHealth = createWriteHealth();
    worker = startRecordingWorker({ deliveries, inbound }, sent, { writeHealth });
    worker.wake();
    await waitUntil(() => logLines.some((l) => l.includes('relay could not record an attempt')), 8000, withLogs('not recorded'));
    // The leases run out and are put back, twice over, while the disk stays full.
    await waitUntil(() => sweeps() >= 2, 8000, withLogs('leases put back'));
    expect(writeHealth.state()).toMatchObject({ writable: false, reason: 'the database or its disk is full' });
    expect(ids.map((id) => statusOf(id).status)).not.toContain('delivered');
    freeDisk();
    await waitUntil(() => ids.every((id) => statusOf(id).status === 'delivered'), 8000, withLogs('recorded'));
    expect(sent.sort()).toEqual(['from 447400000001', 'from 447400000002', 'from 447400000003']);
    expect(ids.map((id) => statusOf(id).attempts)).toEqual([1, 1, 1]);
    expect(logLines.some((l) => l.includes('whose outcome was kept in memory is recorded'))).toBe(true);
  });

  it('waits while the instance lease lapsed (renewals failing on the full disk) and is written once it is held again', async () => {
    temp = tempDb();
    const { deliveries, inbound, receive, statusOf } = outboxStore(temp);
    const freeDisk = fillDisk();
    const id = receive('one');
    const sent: string[] = [];
    let holds = true;
    worker = startRecordingWorker({ deliveries, inbound }, sent, { holdsDatabase: () => holds });
    worker.wake();
    await waitUntil(() => logLines.some((l) => l.includes('relay could not record an attempt')), 8000, withLogs('not recorded'));
    holds = false;
    // Lapsed past the delivery's lease: nothing is written, claimed or swept meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    freeDisk();
    holds = true;
    await waitUntil(() => statusOf(id).status === 'delivered', 8000, withLogs('recorded'));
    expect(sent).toEqual(['one']);
    expect(statusOf(id).attempts).toBe(1);
  });
});
