import { describe, expect, it } from 'vitest';
import type { AttemptOutcome } from '../../src/relay/attempt.js';
import { createDeliveriesRepository } from '../../src/store/repositories/deliveries.js';
import { createInboundRepository } from '../../src/store/repositories/inbound.js';
import { useOutboxWorkerRig } from '../helpers/outboxWorkerRig.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * A PortSIP route that works, with one conversation whose SMS it refuses on its own (503 asking Retry-After: 600). A
 * 2xx of the route brings its SMS waiting out smsops' backoff forward, but not a wait the route asked for: that SMS is
 * tried when the route asked, not at every other customer's SMS a minute apart.
 */

const outboxRig = useOutboxWorkerRig();
const LONE = '447400999999';

describe('a conversation a working PortSIP route refuses on its own', () => {
  it("waits out the Retry-After the route asked for while the route takes other customers' SMS", async () => {
    const temp = outboxRig.tempDb();
    let skew = 0;
    const now = () => Date.now() + skew;
    const deliveries = createDeliveriesRepository(temp.db, now);
    const inbound = createInboundRepository(temp.db);
    let n = 0;
    const receive = (from: string) =>
      inbound.insertWithDeliveries(
        {
          wavixMessageId: `m-${++n}`,
          fromNumber: from,
          toNumber: '14155550100',
          messageType: 'sms',
          text: `sms ${n}`,
          media: null,
          receivedAtText: '2026-11-25T10:00:00Z',
          receivedAt: null,
          contentType: 'application/json',
          rawBody: Buffer.from('{}'),
        },
        [{ kind: 'portsip', destination: 'http://pbx.invalid/sms' }],
      ).id;
    const worker = outboxRig.startWorker({
      kind: 'portsip',
      deliveries,
      inbound,
      concurrency: 4,
      retry: { baseDelayMs: 20, maxDelayMs: 300_000, deadAfterMs: 24 * 3_600_000 },
      idleMs: 20,
      now,
      logger: outboxRig.logger,
      send: async (batch) =>
        batch.map(
          ({ message }): AttemptOutcome =>
            message.fromNumber === LONE
              ? { delivered: false, statusCode: 503, error: 'HTTP 503', retryAfterMs: 600_000 }
              : { delivered: true, statusCode: 200 },
        ),
    });
    const statusOf = (id: number) => deliveries.forMessage(id)[0];
    // The route works: it took an SMS before.
    const before = receive('447400100000');
    worker.wake();
    await waitUntil(() => statusOf(before)?.status === 'delivered', 5_000, 'the SMS before');
    const lone = receive(LONE);
    worker.wake();
    await waitUntil(() => (statusOf(lone)?.attempts ?? 0) >= 1, 5_000, 'the first refusal');
    // Three minutes of other customers' SMS, one a minute, each taken at once.
    for (let minute = 1; minute <= 3; minute++) {
      skew += 61_000;
      const other = receive(`4474001000${minute}`);
      worker.wake();
      await waitUntil(() => statusOf(other)?.status === 'delivered', 5_000, 'the other SMS');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(statusOf(lone)?.attempts).toBe(1);
  });
});
