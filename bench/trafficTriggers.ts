import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type Database from 'better-sqlite3';
import type { Delivery } from '../src/core/model/delivery.js';
import type { DeliveryTarget, NewInboundMessage } from '../src/core/model/inboundMessage.js';
import { closeDatabase, openDatabase } from '../src/store/database.js';
import { createDeliveriesRepository } from '../src/store/repositories/deliveries.js';
import { createInboundRepository } from '../src/store/repositories/inbound.js';
import { fmt, machineLine, makeTempDir, numberOption, out, removeTempDir, table } from './load.js';

/**
 * What the traffic triggers cost the relay's own statements, on real SQLite files:
 *
 *   npm run bench:traffic-triggers [-- --rounds 8 --per-round 5000 --batch 32]
 *
 * Two databases with every migration; in the baseline the triggers are put back as migration 010 wrote them (an
 * INSERT reading the table it writes, which SQLite runs through a temporary b-tree at each firing). Each round, in
 * turn on each database: `--per-round` webhooks stored as the relay stores them (message, PortSIP delivery leased as
 * stored), `--batch` to a transaction, and the deliveries of the batch before marked delivered in the next one, as
 * under load. Reports the CPU time per message (median of the rounds) of both and their ratio. Exits 0 whatever the
 * figures.
 */

const rounds = numberOption('rounds', 8);
const perRound = numberOption('per-round', 5_000);
const batch = numberOption('batch', 32);
const TARGETS: DeliveryTarget[] = [
  { kind: 'portsip', destination: 'http://127.0.0.1:9999/emc/Wavix - US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90' },
];
const TEXT = 'Hello from the smsops benchmark. '.repeat(4);

// Migration 010's triggers, as they were before 029.
const TRIGGERS_OF_010 = `
DROP TRIGGER traffic_inbound_inserted;
CREATE TRIGGER traffic_inbound_inserted AFTER INSERT ON inbound_messages BEGIN
  INSERT INTO traffic_stale_hours SELECT hour FROM (SELECT (NEW.ingested_at / 3600000) * 3600000 AS hour)
  WHERE NOT EXISTS (SELECT 1 FROM traffic_stale_hours WHERE hour_start = hour);
END;
DROP TRIGGER traffic_relayed_updated;
CREATE TRIGGER traffic_relayed_updated AFTER UPDATE OF status ON deliveries
  WHEN NEW.destination_kind = 'portsip' AND (OLD.status = 'delivered') <> (NEW.status = 'delivered') BEGIN
  INSERT INTO traffic_stale_hours SELECT hour
  FROM (SELECT (ingested_at / 3600000) * 3600000 AS hour FROM inbound_messages WHERE id = NEW.inbound_message_id)
  WHERE NOT EXISTS (SELECT 1 FROM traffic_stale_hours WHERE hour_start = hour);
END;`;

let sequence = 0;
function nextMessage(): NewInboundMessage {
  sequence += 1;
  const from = `4474${String(sequence % 1_000).padStart(8, '0')}`;
  const id = `trig-${sequence}`;
  const body = JSON.stringify({ message_id: id, message_type: 'sms', from, to: '14155550100', message_body: { text: TEXT } });
  return {
    wavixMessageId: id,
    fromNumber: from,
    toNumber: '14155550100',
    messageType: 'sms',
    text: TEXT,
    media: null,
    receivedAtText: '2026-11-27T07:00:00Z',
    receivedAt: Date.parse('2026-11-27T07:00:00Z'),
    contentType: 'application/json',
    rawBody: Buffer.from(body),
  };
}

interface Subject {
  name: string;
  db: Database.Database;
  /** One round: µs of CPU per message, storing and marking delivered. */
  round(): number;
}

function subject(name: string, path: string, oldTriggers: boolean): Subject {
  const { db } = openDatabase(path);
  if (oldTriggers) db.exec(TRIGGERS_OF_010);
  const inbound = createInboundRepository(db);
  const deliveries = createDeliveriesRepository(db);
  let previous: Delivery[] = [];
  const round = () => {
    const started = performance.now();
    for (let done = 0; done < perRound; done += batch) {
      const leased: Delivery[] = [];
      db.transaction(() => {
        for (let i = 0; i < batch; i += 1) {
          const stored = inbound.insertWithDeliveries(nextMessage(), TARGETS, { leaseNewHead: () => Date.now() + 60_000 });
          leased.push(...(stored.leased ?? []));
        }
      })();
      db.transaction(() => {
        for (const delivery of previous) deliveries.markDelivered(delivery.id, 200);
      })();
      previous = leased;
    }
    return ((performance.now() - started) * 1000) / perRound;
  };
  return { name, db, round };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

function main(): void {
  out('The relay’s statements per message with the traffic triggers of 029 vs those of 010, on real SQLite files');
  out(machineLine());
  const dir = makeTempDir('smsops-bench-triggers-');
  try {
    const now = subject('triggers of 029 (now)', join(dir, 'now.db'), false);
    const before = subject('triggers of 010 (baseline)', join(dir, 'before.db'), true);
    const times = new Map<Subject, number[]>([
      [now, []],
      [before, []],
    ]);
    // One warm-up round each, then the rounds alternated so a change of the machine's speed falls on both.
    now.round();
    before.round();
    for (let r = 0; r < rounds; r += 1)
      for (const s of r % 2 === 0 ? [now, before] : [before, now]) times.get(s)?.push(s.round());
    const nowMedian = median(times.get(now) ?? []);
    const beforeMedian = median(times.get(before) ?? []);
    out(
      table(
        ['statements', 'µs per message (median of rounds)', 'rounds'],
        [now, before].map((s) => [
          s.name,
          fmt(median(times.get(s) ?? []), 1),
          (times.get(s) ?? []).map((t) => fmt(t, 1)).join(' '),
        ]),
      ),
    );
    out(
      `ratio now / baseline: ${fmt(nowMedian / beforeMedian, 2)} (${rounds} rounds of ${perRound} messages, ${batch} a transaction)`,
    );
    closeDatabase(now.db);
    closeDatabase(before.db);
  } finally {
    removeTempDir(dir);
  }
}

main();
