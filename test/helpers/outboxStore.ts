import type { Delivery } from '../../src/core/model/delivery.js';
import { createDeliveriesRepository } from '../../src/store/repositories/deliveries.js';
import { createInboundRepository } from '../../src/store/repositories/inbound.js';
import type { TempDb } from './tempDb.js';

/**
 * The outbox worker's store on a real SQLite file: `receive` stores an inbound SMS with one PortSIP delivery (from one
 * number unless told otherwise: one conversation) and gives its message id; `statusOf` reads that delivery back.
 */
export function outboxStore(temp: TempDb) {
  const deliveries = createDeliveriesRepository(temp.db);
  const inbound = createInboundRepository(temp.db);
  let n = 0;
  const receive = (text: string, from = '447400123456') =>
    inbound.insertWithDeliveries(
      {
        wavixMessageId: `m-${++n}`,
        fromNumber: from,
        toNumber: '14155550100',
        messageType: 'sms',
        text,
        media: null,
        receivedAtText: '2026-11-25T10:00:00Z',
        receivedAt: null,
        contentType: 'application/json',
        rawBody: Buffer.from(JSON.stringify({ text })),
      },
      [{ kind: 'portsip', destination: 'http://pbx.invalid/sms' }],
    ).id;
  const statusOf = (messageId: number) => deliveries.forMessage(messageId)[0] as Delivery;
  return { deliveries, inbound, receive, statusOf };
}
