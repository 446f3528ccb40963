import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/core/model/delivery.js';
import type { AttemptOutcome } from '../../src/relay/attempt.js';
import type { OutboxWorker } from '../../src/relay/outbox.js';
import { createDeliveriesRepository } from '../../src/store/repositories/deliveries.js';
import { createInboundRepository } from '../../src/store/repositories/inbound.js';
import { newInboundMessage } from '../helpers/inboundMessage.js';
import { useOutboxWorkerRig } from '../helpers/outboxWorkerRig.js';
import type { TempDb } from '../helpers/tempDb.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * The wall clock stepped back an hour (NTP) while an SMS waited a few seconds for its retry: its due time, and those
 * of every later SMS of its conversation, lay an hour ahead of the clock, and the relay sat still for that hour.
 * The clock here is injected and never moves but for the step: what is sent is sent because it is due now.
 */

let temp: TempDb;
let worker: OutboxWorker | undefined;
const { logLines, logger, tempDb, startWorker } = useOutboxWorkerRig();
const HOUR = 3_600_000;
const pbx = [{ kind: 'portsip' as const, destination: 'https://pbx.example.com/sms' }];

function setup() {
  temp = tempDb();
  const deliveries = createDeliveriesRepository(temp.db, temp.clock.now);
  const inbound = createInboundRepository(temp.db, temp.clock.now);
  const receive = (id: string) =>
    inbound.insertWithDeliveries(newInboundMessage({ wavixMessageId: id, fromNumber: '447400166666' }), pbx).id;
  const statusOf = (messageId: number) => deliveries.forMessage(messageId)[0] as Delivery;
  return { deliveries, inbound, receive, statusOf };
}

function start(store: ReturnType<typeof setup>, answer: () => AttemptOutcome) {
  const sent: number[] = [];
  worker = startWorker({
    kind: 'portsip',
    deliveries: store.deliveries,
    inbound: store.inbound,
    concurrency: 4,
    retry: { baseDelayMs: 1_000, maxDelayMs: 5 * 60_000, deadAfterMs: 24 * HOUR },
    idleMs: 20,
    now: temp.clock.now,
    logger,
    send: async (batch) =>
      batch.map(({ message }) => {
        sent.push(message.id);
        return answer();
      }),
  });
  return sent;
}

describe('the wall clock stepped back', () => {
  it('sends a retry that was due in seconds, and the SMS behind it, without waiting for the clock to catch up', async () => {
    const store = setup();
    let pbxUp = false;
    const sent = start(store, () =>
      pbxUp ? { delivered: true, statusCode: 200 } : { delivered: false, statusCode: 503, error: 'HTTP 503' },
    );
    const first = store.receive('Y-1');
    worker?.wake();
    await waitUntil(() => store.statusOf(first).attempts === 1, 5000, 'the first attempt failed');
    expect(store.statusOf(first).nextAttemptAt - temp.clock.now()).toBeLessThan(2_000);

    temp.clock.advance(-HOUR);
    pbxUp = true;
    const second = store.receive('Y-2');
    worker?.wake();
    await waitUntil(
      () => store.statusOf(first).status === 'delivered' && store.statusOf(second).status === 'delivered',
      5000,
      () => `both delivered; Y-1 due in ${store.statusOf(first).nextAttemptAt - temp.clock.now()} ms`,
    );
    expect(sent).toEqual([first, first, second]);
    expect(logLines.some((l) => l.includes('the wall clock went back'))).toBe(true);
  });

  it('at start, sends what a later clock scheduled before the restart', async () => {
    const store = setup();
    const id = store.receive('before the restart');
    const [claimed] = store.deliveries.claimDue('portsip', 1, 60_000);
    store.deliveries.markFailed(
      claimed?.id ?? 0,
      { statusCode: 503, error: 'HTTP 503', nextAttemptAt: temp.clock.now() + 3_000 },
      claimed?.leaseUntil,
    );
    // Stopped, and started again with the clock 10 minutes back: less than the longest delay, but the last attempt
    // lies in the future.
    temp.clock.advance(-10 * 60_000);
    start(store, () => ({ delivered: true, statusCode: 200 }));
    await waitUntil(() => store.statusOf(id).status === 'delivered', 5000, 'delivered');
  });

  it('leaves a retry scheduled by the present clock to its time', async () => {
    const store = setup();
    const id = store.receive('waiting its backoff');
    const [claimed] = store.deliveries.claimDue('portsip', 1, 60_000);
    store.deliveries.markFailed(
      claimed?.id ?? 0,
      { statusCode: 503, error: 'HTTP 503', nextAttemptAt: temp.clock.now() + 60_000 },
      claimed?.leaseUntil,
    );
    const sent = start(store, () => ({ delivered: true, statusCode: 200 }));
    // Some turns of the worker (it looks every 20 ms).
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sent).toEqual([]);
    expect(store.statusOf(id)).toMatchObject({ status: 'pending', nextAttemptAt: temp.clock.now() + 60_000 });
  });
});
