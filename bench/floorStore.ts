import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { DeliveryTarget } from '../src/core/model/inboundMessage.js';
import { createLogger } from '../src/log.js';
import { openDatabase } from '../src/store/database.js';
import { createDeliveriesRepository } from '../src/store/repositories/deliveries.js';
import { createInboundRepository } from '../src/store/repositories/inbound.js';
import { startWalCheckpointer } from '../src/store/walCheckpointer.js';

/**
 * What the durable floor (bench/durableForwarder.ts) stores, on whichever thread owns the connection:
 * - `floor`: each body in one table with no index (the least a durable relay writes);
 * - `smsops`: smsops' own schema, migrations and statements: the message, its PortSIP delivery (stored in flight, as
 *   smsops stores a conversation's head while caught up) and its Slack delivery (pending: there is no Slack leg here),
 *   then the PortSIP outcome, with smsops' WAL checkpointer (without the group commit's gate: past the WAL limit the
 *   connection finishes the copy itself). What smsops' SQLite work costs, without the rest of smsops;
 * - `smsops-portsip`: the same without the Slack delivery row (what the Slack leg's row costs in that work).
 * One call is one transaction: the outcomes of earlier posts, then the webhooks that arrived; it returns the id to
 * record each webhook's outcome by.
 */
export type FloorSchema = 'floor' | 'smsops' | 'smsops-portsip';

export interface FloorBatch {
  items: Array<{ contentType: string; body: Uint8Array }>;
  delivered: number[];
}

export interface FloorStore {
  commit(batch: FloorBatch): number[];
  close(): Promise<void>;
}

const SLACK_CHANNEL = 'C0BENCHINBOX';

function openFloorSchema(path: string): FloorStore {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec(
    'CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, content_type TEXT NOT NULL, body BLOB NOT NULL, delivered INTEGER NOT NULL DEFAULT 0)',
  );
  const insert = db.prepare('INSERT INTO messages (content_type, body) VALUES (?, ?)');
  const markDelivered = db.prepare('UPDATE messages SET delivered = 1 WHERE id = ?');
  // As smsops does (src/store/walCheckpointer.ts): PASSIVE checkpoints off the connection's thread, and past 64 MB of
  // WAL this connection finishes the copy so the WAL restarts.
  const checkpointer = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const db = new (require(workerData.driver))(workerData.path);
     db.pragma('busy_timeout = 1000');
     setInterval(() => { const [done] = db.pragma('wal_checkpoint(PASSIVE)'); if (done && done.log > 16384) parentPort.postMessage('big'); }, 500);`,
    { eval: true, workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), path } },
  );
  checkpointer.on('message', () => db.pragma('wal_checkpoint(PASSIVE)'));
  checkpointer.unref();
  const commit = db.transaction((batch: FloorBatch) => {
    for (const id of batch.delivered) markDelivered.run(id);
    return batch.items.map((item) => Number(insert.run(item.contentType, item.body).lastInsertRowid));
  });
  return {
    commit,
    close: async () => {
      await checkpointer.terminate();
      db.close();
    },
  };
}

function openSmsopsSchema(path: string, portsipUrl: string, withSlack: boolean): FloorStore {
  const logger = createLogger({ level: 'silent' });
  const { db } = openDatabase(path, { logger });
  const inbound = createInboundRepository(db, Date.now);
  const deliveries = createDeliveriesRepository(db, Date.now);
  const checkpointer = startWalCheckpointer(db, { logger });
  const targets: DeliveryTarget[] = [
    { kind: 'portsip', destination: portsipUrl },
    ...(withSlack ? [{ kind: 'slack' as const, destination: SLACK_CHANNEL }] : []),
  ];
  const leaseMs = 30_000;
  const options = { leaseNewHead: (kind: string) => (kind === 'portsip' ? Date.now() + leaseMs : null) };
  const commit = db.transaction((batch: FloorBatch) => {
    for (const id of batch.delivered) deliveries.markDelivered(id, 200);
    return batch.items.map((item) => {
      const body = Buffer.from(item.body.buffer, item.body.byteOffset, item.body.byteLength);
      // Only what the rows need; the bench's bodies are well formed (smsops' own parsing is not measured here).
      const json = JSON.parse(body.toString('utf8')) as {
        message_id: string;
        from: string;
        to: string;
        message_body?: { text?: string };
        received_at?: string;
      };
      const stored = inbound.insertWithDeliveries(
        {
          wavixMessageId: json.message_id,
          fromNumber: json.from,
          toNumber: json.to,
          messageType: 'sms',
          text: json.message_body?.text ?? '',
          media: null,
          receivedAtText: json.received_at ?? '',
          receivedAt: null,
          contentType: item.contentType,
          rawBody: body,
        },
        targets,
        options,
      );
      return 'leased' in stored && stored.leased ? (stored.leased[0]?.id ?? 0) : 0;
    });
  });
  return {
    commit,
    close: async () => {
      await checkpointer.stop();
      db.close();
    },
  };
}

export function openFloorStore(schema: FloorSchema, path: string, portsipUrl: string): FloorStore {
  return schema === 'floor' ? openFloorSchema(path) : openSmsopsSchema(path, portsipUrl, schema === 'smsops');
}
