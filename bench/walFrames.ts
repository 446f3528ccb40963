import { statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import type { Delivery } from '../src/core/model/delivery.js';
import type { DeliveryTarget, NewInboundMessage } from '../src/core/model/inboundMessage.js';
import { closeDatabase, openDatabase } from '../src/store/database.js';
import { createDeliveriesRepository } from '../src/store/repositories/deliveries.js';
import { createInboundRepository } from '../src/store/repositories/inbound.js';
import { fmt, machineLine, makeTempDir, numberOption, out, removeTempDir, table } from './load.js';

/**
 * What the relay's writes cost the WAL: pages written per transaction, on one real SQLite file.
 *
 *   npm run bench:wal-frames [-- --messages 60000 --turns 300 --per-turn 8]
 *
 * A commit writes every page its transaction changed to the WAL (a frame, two writes each), and a checkpoint writes it
 * again into the database file: frames are what a commit costs, and, unlike a time, they do not move with the load of
 * the machine. The database first holds `--messages` messages stored through the ingest path (a PortSIP and a Slack
 * delivery each, 5,000 conversations, the PortSIP ones delivered, the Slack ones pending: the state after a flood).
 * Then, with the WAL checkpointed before each measure:
 * - one webhook alone (its message and deliveries, the PortSIP one leased as it is stored);
 * - one PortSIP outcome alone (delivered);
 * - a turn as the relay commits it under load: `--per-turn` webhooks and as many outcomes in one transaction
 *   (8 attempts out until a backlog opens more, up to RELAY_CONCURRENCY, 64 by default: a turn carries at most as
 *   many outcomes as attempts are out);
 * against the same rows written to a table holding only the raw bodies with no index (the baseline: the least a
 * durable store of the webhooks writes), and the CPU time of each (medians, on this machine, for reference).
 * Exits 0 whatever the figures.
 */

const messages = numberOption('messages', 60_000);
const turns = numberOption('turns', 300);
const perTurn = numberOption('per-turn', 8);
const FRAME_BYTES = 4096 + 24;
const PORTSIP_URL = 'http://127.0.0.1:9999/emc/Wavix - US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90';
const TARGETS: DeliveryTarget[] = [
  { kind: 'portsip', destination: PORTSIP_URL },
  { kind: 'slack', destination: 'C0BENCHINBOX' },
];
const TEXT = 'Hello from the smsops benchmark. '.repeat(6);

let sequence = 0;
function nextMessage(conversation = Math.floor(Math.random() * 5_000)): NewInboundMessage {
  sequence += 1;
  const from = `4474${String(conversation).padStart(8, '0')}`;
  const id = `wal-c${conversation}-s${sequence}`;
  const body = JSON.stringify({
    message_id: id,
    message_type: 'sms',
    from,
    to: '14155550100',
    message_body: { text: TEXT, media: null },
    received_at: '2026-11-26T10:00:00Z',
  });
  return {
    wavixMessageId: id,
    fromNumber: from,
    toNumber: '14155550100',
    messageType: 'sms',
    text: TEXT,
    media: null,
    receivedAtText: '2026-11-26T10:00:00Z',
    receivedAt: Date.parse('2026-11-26T10:00:00Z'),
    contentType: 'application/json',
    rawBody: Buffer.from(body),
  };
}

interface Measure {
  frames: number;
  cpuMicros: number;
}

/** Frames and CPU per call of `work`, `count` calls, each its own transaction; the WAL emptied first. */
function measure(db: Database.Database, path: string, count: number, work: () => void): Measure {
  db.pragma('wal_checkpoint(TRUNCATE)');
  const walBefore = statSync(`${path}-wal`).size;
  const times: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const started = performance.now();
    work();
    times.push(performance.now() - started);
  }
  const frames = (statSync(`${path}-wal`).size - walBefore) / FRAME_BYTES / count;
  times.sort((a, b) => a - b);
  return { frames, cpuMicros: (times[Math.floor(count / 2)] ?? Number.NaN) * 1000 };
}

function main(): void {
  out('WAL frames per transaction of the relay, on one SQLite file');
  out(machineLine());
  const dir = makeTempDir('smsops-bench-wal-');
  try {
    const path = join(dir, 'smsops.db');
    const { db } = openDatabase(path);
    // The production checkpointer runs in a worker; here nothing checkpoints but the measure itself.
    db.pragma('wal_autocheckpoint = 0');
    const inbound = createInboundRepository(db);
    const deliveries = createDeliveriesRepository(db);
    out(`storing ${messages} messages (a PortSIP and a Slack delivery each) …`);
    db.transaction(() => {
      for (let i = 0; i < messages; i += 1) inbound.insertWithDeliveries(nextMessage(), TARGETS);
    })();
    db.prepare("UPDATE deliveries SET status = 'delivered', delivered_at = created_at WHERE destination_kind = 'portsip'").run();

    // Leased as stored, each in a conversation of its own (a head), as the relay takes them when caught up.
    const leased: Delivery[] = [];
    let fresh = 0;
    const storeWebhook = () => {
      const stored = inbound.insertWithDeliveries(nextMessage(5_000 + fresh++), TARGETS, {
        leaseNewHead: (kind, isHead) => (kind === 'portsip' && isHead() ? Date.now() + 60_000 : null),
      });
      leased.push(...(stored.leased ?? []));
    };
    const deliverOne = () => {
      const next = leased.shift();
      if (next) deliveries.markDelivered(next.id, 200);
    };
    const webhook = measure(db, path, turns, () => db.transaction(storeWebhook)());
    const outcome = measure(db, path, Math.min(turns, leased.length), () => db.transaction(deliverOne)());
    for (let i = 0; i < perTurn * turns; i += 1) db.transaction(storeWebhook)();
    const turn = measure(db, path, turns, () =>
      db.transaction(() => {
        for (let i = 0; i < perTurn; i += 1) storeWebhook();
        for (let i = 0; i < perTurn; i += 1) deliverOne();
      })(),
    );
    closeDatabase(db);

    // The baseline: the raw bodies alone, no index, in the same kind of file.
    const basePath = join(dir, 'baseline.db');
    const base = new Database(basePath);
    base.pragma('journal_mode = WAL');
    base.pragma('synchronous = NORMAL');
    base.pragma('wal_autocheckpoint = 0');
    base.exec('CREATE TABLE bodies (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
    const insert = base.prepare('INSERT INTO bodies (body) VALUES (?)');
    base.transaction(() => {
      for (let i = 0; i < messages; i += 1) insert.run(nextMessage().rawBody);
    })();
    const baseWebhook = measure(base, basePath, turns, () => base.transaction(() => insert.run(nextMessage().rawBody))());
    const baseTurn = measure(base, basePath, turns, () =>
      base.transaction(() => {
        for (let i = 0; i < perTurn; i += 1) insert.run(nextMessage().rawBody);
      })(),
    );
    base.close();

    const row = (label: string, m: Measure, baseline?: Measure) => [
      label,
      fmt(m.frames, 1),
      baseline ? fmt(baseline.frames, 1) : '',
      baseline ? fmt(m.frames / baseline.frames, 1) : '',
      fmt(m.cpuMicros, 0),
      baseline ? fmt(baseline.cpuMicros, 0) : '',
    ];
    out('');
    out(
      table(
        ['transaction', 'WAL frames', 'baseline frames', 'ratio', 'CPU µs (median)', 'baseline CPU µs'],
        [
          row('one webhook (message, PortSIP leased, Slack pending)', webhook, baseWebhook),
          row('one PortSIP outcome (delivered)', outcome),
          row(`a turn: ${perTurn} webhooks + ${perTurn} outcomes`, turn, baseTurn),
        ],
      ),
    );
    out(
      `per message in a turn of ${perTurn}: ${fmt(turn.frames / perTurn, 1)} frames (${fmt(((turn.frames / perTurn) * FRAME_BYTES) / 1024, 0)} KiB written to the WAL, and again by the checkpoint), baseline ${fmt(baseTurn.frames / perTurn, 2)}`,
    );
  } finally {
    removeTempDir(dir);
  }
}

main();
