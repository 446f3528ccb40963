import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/core/model/delivery.js';
import type { AttemptOutcome } from '../../src/relay/attempt.js';
import type { OutboxWorker } from '../../src/relay/outbox.js';
import { createDeliveriesRepository } from '../../src/store/repositories/deliveries.js';
import { createInboundRepository } from '../../src/store/repositories/inbound.js';
import { newInboundMessage } from '../helpers/inboundMessage.js';
import { useOutboxWorkerRig } from '../helpers/outboxWorkerRig.js';
import type { TempDb } from '../helpers/tempDb.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';

/**
 * The wall clock stepped forward ten minutes (NTP, a VM restored) while an SMS was out to PortSIP: its lease, a
 * wall-clock time, looked run out, the sweep gave it back and it was sent a second time while the first attempt was
 * still going. The clock here is injected; the process' monotonic clock does not move with the step.
 */

let temp: TempDb;
let worker: OutboxWorker | undefined;
const { logLines, logger, tempDb, startWorker } = useOutboxWorkerRig();

describe('the wall clock stepped forward', () => {
  it('keeps the lease of an SMS out to PortSIP: sent once, recorded delivered, nothing queued again', async () => {
    temp = tempDb();
    const deliveries = createDeliveriesRepository(temp.db, temp.clock.now);
    const inbound = createInboundRepository(temp.db, temp.clock.now);
    const pending: Array<(outcome: AttemptOutcome) => void> = [];
    let sends = 0;
    worker = startWorker({
      kind: 'portsip',
      deliveries,
      inbound,
      concurrency: 4,
      retry: { baseDelayMs: 1_000, maxDelayMs: 5 * 60_000, deadAfterMs: 24 * 3_600_000 },
      idleMs: 20,
      leaseMs: 60_000,
      now: temp.clock.now,
      logger,
      send: (batch) =>
        new Promise<AttemptOutcome[]>((resolve) => {
          sends += 1;
          pending.push((outcome) => resolve(batch.map(() => outcome)));
        }),
    });
    const id = inbound.insertWithDeliveries(newInboundMessage({ wavixMessageId: 'F-1' }), [
      { kind: 'portsip', destination: 'https://pbx.example.com/sms' },
    ]).id;
    worker.wake();
    await waitUntil(() => sends === 1, 5_000, 'the SMS out to PortSIP');

    temp.clock.advance(10 * 60_000);
    // A few turns of the worker (its sweep among them) with the attempt still out.
    await sleep(300);
    expect(sends).toBe(1);

    pending[0]?.({ delivered: true, statusCode: 200 });
    await waitUntil(() => (deliveries.forMessage(id)[0] as Delivery).status === 'delivered', 5_000, 'recorded delivered');
    await sleep(200);
    expect(sends).toBe(1);
    expect(logLines.some((l) => l.includes('deliveries whose lease ran out are queued again'))).toBe(false);
    expect(logLines.some((l) => l.includes('the wall clock jumped forward'))).toBe(true);
  });
});
