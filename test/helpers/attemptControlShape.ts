import { join } from 'node:path';
import { createLogger } from '../../src/log.js';
import { startOutboxWorker } from '../../src/relay/outbox.js';
import { closeDatabase, openDatabase } from '../../src/store/database.js';
import { createDeliveriesRepository } from '../../src/store/repositories/deliveries.js';
import { createInboundRepository } from '../../src/store/repositories/inbound.js';

/**
 * Run as a child under `--allow-natives-syntax` (test/relay/attemptControlShape.test.ts): one PortSIP delivery sent by
 * the PortSIP worker, whose sender prints whether the control it was handed has V8's fast properties, then reads its
 * signal (made on demand) and prints whether that is an AbortSignal not aborted.
 *   node --allow-natives-syntax --import tsx test/helpers/attemptControlShape.ts <dir>
 */
const hasFastProperties = new Function('object', 'return %HasFastProperties(object)') as (object: unknown) => boolean;
const { db } = openDatabase(join(process.argv[2] ?? '.', 'attempt.db'));
const inbound = createInboundRepository(db);
const deliveries = createDeliveriesRepository(db);
inbound.insertWithDeliveries(
  {
    wavixMessageId: 'm-1',
    fromNumber: '447400123456',
    toNumber: '14155550100',
    messageType: 'sms',
    text: 'hello',
    media: null,
    receivedAtText: '2026-11-25T10:00:00Z',
    receivedAt: null,
    contentType: 'application/json',
    rawBody: Buffer.from('{"message_id":"m-1"}'),
  },
  [{ kind: 'portsip', destination: 'http://127.0.0.1:9/portsip' }],
);
const worker = startOutboxWorker({
  kind: 'portsip',
  deliveries,
  inbound,
  concurrency: 1,
  retry: { baseDelayMs: 20, maxDelayMs: 100, deadAfterMs: 3_600_000 },
  idleMs: 20,
  logger: createLogger({ level: 'error', sink: () => {} }),
  onDelivered: () => void worker.stop().then(() => closeDatabase(db)),
  send: async (batch, control) => {
    process.stdout.write(`CONTROL fast=${hasFastProperties(control)}\n`);
    process.stdout.write(`SIGNAL ${control.signal instanceof AbortSignal && !control.signal.aborted}\n`);
    return batch.map(() => ({ delivered: true, statusCode: 200 }));
  },
});
worker.wake();
