import type { Delivery } from '../../core/model/delivery.js';
import type { DeliveryTarget, InboundMessage, NewInboundMessage } from '../../core/model/inboundMessage.js';
import type { InboundRepository } from '../../core/ports/inbound.js';
import type { Db } from '../database.js';

interface Row {
  id: number;
  wavix_message_id: string;
  from_number: string;
  to_number: string;
  message_type: 'sms' | 'mms';
  text: string;
  media: string | null;
  received_at_text: string;
  received_at: number | null;
  ingested_at: number;
  content_type: string;
  raw_body: Buffer;
}

export const toInboundMessage = (row: Row): InboundMessage => ({
  id: row.id,
  wavixMessageId: row.wavix_message_id,
  fromNumber: row.from_number,
  toNumber: row.to_number,
  messageType: row.message_type,
  text: row.text,
  media: row.media === null ? null : (JSON.parse(row.media) as string[]),
  receivedAtText: row.received_at_text,
  receivedAt: row.received_at,
  ingestedAt: row.ingested_at,
  contentType: row.content_type,
  rawBody: row.raw_body,
});

/**
 * The columns of a message read by id, in this order, as an array (`.raw()`): the relay reads one per attempt, and
 * better-sqlite3's object per row (then toInboundMessage's) cost ~1 µs of its ~3 (bench/README.md, the twenty-first
 * round).
 */
const MESSAGE_COLUMNS = `id, wavix_message_id, from_number, to_number, message_type, text, media, received_at_text, received_at,
  ingested_at, content_type, raw_body`;
type MessageRow = [
  id: number,
  wavixMessageId: string,
  fromNumber: string,
  toNumber: string,
  messageType: 'sms' | 'mms',
  text: string,
  media: string | null,
  receivedAtText: string,
  receivedAt: number | null,
  ingestedAt: number,
  contentType: string,
  rawBody: Buffer,
];
const messageOfRow = (r: MessageRow): InboundMessage => ({
  id: r[0],
  wavixMessageId: r[1],
  fromNumber: r[2],
  toNumber: r[3],
  messageType: r[4],
  text: r[5],
  media: r[6] === null ? null : (JSON.parse(r[6]) as string[]),
  receivedAtText: r[7],
  receivedAt: r[8],
  ingestedAt: r[9],
  contentType: r[10],
  rawBody: r[11],
});

/**
 * The message as stored, written out field by field. Not `{ ...message, id, ingestedAt }`: V8 kept every object made by
 * a spread with added properties alive through its young-generation collections, and the message with it
 * (`npm run bench:gc-survivors`: 881 against 345 bytes promoted per webhook; see bench/README.md).
 */
function storedMessage(message: NewInboundMessage, id: number, ingestedAt: number): InboundMessage {
  return {
    id,
    wavixMessageId: message.wavixMessageId,
    fromNumber: message.fromNumber,
    toNumber: message.toNumber,
    messageType: message.messageType,
    text: message.text,
    media: message.media,
    receivedAtText: message.receivedAtText,
    receivedAt: message.receivedAt,
    ingestedAt,
    contentType: message.contentType,
    rawBody: message.rawBody,
  };
}

/** A delivery just inserted in flight, as the row reads (see toDelivery in ./deliveries.ts): not read back. */
function newDelivery(
  id: number,
  inboundMessageId: number,
  target: DeliveryTarget,
  conversationKey: string,
  at: number,
  leaseUntil: number,
): Delivery {
  return {
    id,
    inboundMessageId,
    destinationKind: target.kind,
    destination: target.destination,
    conversationKey,
    status: 'in_flight',
    attempts: 0,
    nextAttemptAt: at,
    leaseUntil,
    lastAttemptAt: null,
    lastStatusCode: null,
    lastError: null,
    deterministicFailures: 0,
    createdAt: at,
    deliveredAt: null,
    deadAt: null,
    retryWindowStartedAt: at,
    replayedAt: null,
    releasedAt: null,
  };
}

export function createInboundRepository(db: Db, now: () => number = Date.now): InboundRepository {
  const insert = db.prepare(`
    INSERT INTO inbound_messages (wavix_message_id, from_number, to_number, message_type, text, media, received_at_text,
      received_at, ingested_at, content_type, raw_body)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (wavix_message_id) DO NOTHING`);
  // Only a repeat reads this: the bodies are compared by SQLite, without copying the stored one out.
  const existing = db.prepare<[Buffer, string], { id: number; same: number }>(
    'SELECT id, raw_body = ? AS same FROM inbound_messages WHERE wavix_message_id = ?',
  );
  const enqueue = db.prepare(`
    INSERT INTO deliveries (inbound_message_id, destination_kind, destination, conversation_key, next_attempt_at, created_at)
    VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`);
  // A delivery the relay takes as it is stored: in flight at once. A claim of its own cost a read of the due heads and an
  // UPDATE rewriting the three indexes holding `status` again (at 1,000 webhooks/s, 7 % of the process' CPU).
  const enqueueLeased = db.prepare(`
    INSERT INTO deliveries (inbound_message_id, destination_kind, destination, conversation_key, next_attempt_at, created_at,
      status, lease_until)
    VALUES (?, ?, ?, ?, ?, ?, 'in_flight', ?) ON CONFLICT DO NOTHING`);
  // Whether a conversation has a delivery before the new one still to go (the new one must wait behind it).
  const conversationBusy = db
    .prepare<[string, string, string], number>(`
      SELECT 1 FROM deliveries WHERE destination_kind = ? AND destination = ? AND conversation_key = ?
        AND status IN ('pending', 'in_flight') LIMIT 1`)
    .pluck();
  const byId = db.prepare<[number], MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM inbound_messages WHERE id = ?`).raw();
  const byWavixId = db.prepare<[string], Row>('SELECT * FROM inbound_messages WHERE wavix_message_id = ?');
  const recentAll = db.prepare<[number], Row>('SELECT * FROM inbound_messages ORDER BY ingested_at DESC, id DESC LIMIT ?');
  const recentTo = db.prepare<[string, number], Row>(
    'SELECT * FROM inbound_messages WHERE to_number = ? ORDER BY ingested_at DESC, id DESC LIMIT ?',
  );
  // No index on the sender: `/sms inbox <customer>` is a person's occasional question, not a hot path.
  const recentFromCustomer = db.prepare<[string, number], Row>(
    'SELECT * FROM inbound_messages WHERE from_number = ? ORDER BY ingested_at DESC, id DESC LIMIT ?',
  );
  type Key = { id: number; at: number };
  const keysAll = db.prepare<[number], Key>(
    'SELECT id, ingested_at AS at FROM inbound_messages ORDER BY ingested_at DESC, id DESC LIMIT ?',
  );
  const keysTo = db.prepare<[string, number], Key>(
    'SELECT id, ingested_at AS at FROM inbound_messages WHERE to_number = ? ORDER BY ingested_at DESC, id DESC LIMIT ?',
  );
  const keysFromCustomer = db.prepare<[string, number], Key>(
    'SELECT id, ingested_at AS at FROM inbound_messages WHERE from_number = ? ORDER BY ingested_at DESC, id DESC LIMIT ?',
  );

  type InsertOptions = Parameters<InboundRepository['insertWithDeliveries']>[2];
  const insertRows = (message: NewInboundMessage, targets: readonly DeliveryTarget[], options?: InsertOptions) => {
    const at = now();
    const result = insert.run(
      message.wavixMessageId,
      message.fromNumber,
      message.toNumber,
      message.messageType,
      message.text,
      message.media === null ? null : JSON.stringify(message.media),
      message.receivedAtText,
      message.receivedAt,
      at,
      message.contentType,
      message.rawBody,
    );
    if (result.changes === 0) {
      const row = existing.get(message.rawBody, message.wavixMessageId);
      if (!row) throw new Error(`message ${message.wavixMessageId} neither inserted nor found`);
      return row.same === 1 ? { id: row.id, duplicate: true } : { id: row.id, duplicate: true, conflict: true as const };
    }
    const id = Number(result.lastInsertRowid);
    const conversation = `${message.fromNumber}→${message.toNumber}`;
    const leaseNewHead = options?.leaseNewHead;
    const leased: Delivery[] = [];
    for (const target of targets) {
      const leaseUntil = leaseNewHead
        ? leaseNewHead(
            target.kind,
            () => conversationBusy.get(target.kind, target.destination, conversation) === undefined,
            target.destination,
          )
        : null;
      if (leaseUntil === null) {
        enqueue.run(id, target.kind, target.destination, conversation, at, at);
        continue;
      }
      const inserted = enqueueLeased.run(id, target.kind, target.destination, conversation, at, at, leaseUntil);
      if (inserted.changes > 0)
        leased.push(newDelivery(Number(inserted.lastInsertRowid), id, target, conversation, at, leaseUntil));
    }
    const stored = storedMessage(message, id, at);
    return leased.length > 0 ? { id, duplicate: false, stored, leased } : { id, duplicate: false, stored };
  };
  const insertTx = db.transaction(insertRows);

  return {
    // Inside a transaction already (the group commit's), that transaction keeps the message and its deliveries
    // together: a savepoint of its own would cost two statements per webhook. The group commit reruns a batch with a
    // savepoint per write once one throws, so a failed insert still takes nothing else with it.
    insertWithDeliveries: (message, targets, options) =>
      db.inTransaction ? insertRows(message, targets, options) : insertTx(message, targets, options),
    get: (id) => {
      const row = byId.get(id);
      return row ? messageOfRow(row) : undefined;
    },
    getByWavixId: (wavixMessageId) => {
      const row = byWavixId.get(wavixMessageId);
      return row ? toInboundMessage(row) : undefined;
    },
    recent: (limit, number, side = 'smsops') =>
      (number ? (side === 'customer' ? recentFromCustomer : recentTo).all(number, limit) : recentAll.all(limit)).map(
        toInboundMessage,
      ),
    recentKeys: (limit, number, side = 'smsops') =>
      number ? (side === 'customer' ? keysFromCustomer : keysTo).all(number, limit) : keysAll.all(limit),
  };
}
