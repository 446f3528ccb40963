import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { DeliveryTarget, NewInboundMessage } from '../src/core/model/inboundMessage.js';
import { readInboundMessage } from '../src/relay/webhookIntake.js';
import { closeDatabase, openDatabase } from '../src/store/database.js';
import { createDeliveriesRepository } from '../src/store/repositories/deliveries.js';
import { createInboundRepository } from '../src/store/repositories/inbound.js';
import { fmt, machineLine, makeTempDir, numberOption, out, removeTempDir, stringOption, table } from './load.js';

/**
 * What storing a webhook leaves to V8's young-generation collections (scavenges). An object still reachable when one
 * runs is copied, and at the second one promoted into the old generation: the pause grows with what survives, and
 * the promoted bytes come back as mark-compacts. At 1,000 webhooks/s these pauses were part of the p99 (see
 * bench/README.md: the object spreads of the hot path kept every message alive through them).
 *
 *   npm run bench:gc-survivors [-- --messages 24000 --runs 3]
 *
 * Each variant runs in a child process under `--trace-gc-nvp`, whose lines give every scavenge's pause and promoted
 * bytes. The webhooks come two a millisecond (a timer between pairs, so collections fall between webhooks as in the
 * server), each body parsed as the intake does, then stored:
 * - baseline: one prepared INSERT of the message's columns into a table without an index (no smsops objects);
 * - smsops: the ingest's repository (the message, its PortSIP delivery leased as stored, its Slack delivery), then the
 *   PortSIP outcome recorded, each in its transaction.
 * Promoted bytes do not move with the load of the machine; the pauses do (medians of `--runs`, variants alternated).
 * Exits 0 whatever the figures.
 */

const messages = numberOption('messages', 24_000);
const runs = numberOption('runs', 3);
const child = stringOption('child', '');
const TARGETS: DeliveryTarget[] = [
  { kind: 'portsip', destination: 'http://127.0.0.1:9999/emc/Wavix - US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90' },
  { kind: 'slack', destination: 'C0BENCHINBOX' },
];
const TEXT = 'Hello from the smsops benchmark. '.repeat(6);

const body = (n: number) =>
  Buffer.from(
    JSON.stringify({
      message_id: `gc-${n}`,
      message_type: 'sms',
      from: `4474${String(n % 500).padStart(8, '0')}`,
      to: '14155550100',
      message_body: { text: TEXT, media: null },
      received_at: '2026-11-26T10:00:00Z',
    }),
  );

/** The child: stores `messages` webhooks one way, paced; V8 prints its trace on stdout. */
function runChild(variant: string, dir: string): Promise<void> {
  const path = join(dir, `${variant}-${process.pid}.db`);
  let store: (raw: Buffer) => void;
  let close: () => void;
  if (variant === 'baseline') {
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`CREATE TABLE bodies (id INTEGER PRIMARY KEY, wavix_message_id TEXT, from_number TEXT, to_number TEXT,
      text TEXT, received_at_text TEXT, raw_body BLOB)`);
    const insert = db.prepare('INSERT INTO bodies VALUES (NULL, ?, ?, ?, ?, ?, ?)');
    const tx = db.transaction((raw: Buffer) => {
      const parsed = readInboundMessage(raw);
      if (!parsed.ok) throw parsed.error;
      const m = parsed.value.fields;
      insert.run(m.messageId, m.from, m.to, m.text, m.receivedAtText, raw);
    });
    store = (raw) => tx(raw);
    close = () => db.close();
  } else {
    const { db } = openDatabase(path);
    const inbound = createInboundRepository(db);
    const deliveries = createDeliveriesRepository(db);
    const ingest = db.transaction((raw: Buffer) => {
      const parsed = readInboundMessage(raw);
      if (!parsed.ok) throw parsed.error;
      const m = parsed.value.fields;
      const message: NewInboundMessage = {
        wavixMessageId: m.messageId,
        fromNumber: m.from,
        toNumber: m.to,
        messageType: m.messageType,
        text: m.text,
        media: m.media,
        receivedAtText: m.receivedAtText,
        receivedAt: m.receivedAt,
        contentType: 'application/json',
        rawBody: raw,
      };
      return inbound.insertWithDeliveries(message, TARGETS, {
        leaseNewHead: (kind, isHead) => (kind === 'portsip' && isHead() ? Date.now() + 60_000 : null),
      });
    });
    const outcome = db.transaction((id: number) => deliveries.markDelivered(id, 200));
    store = (raw) => {
      for (const delivery of ingest(raw).leased ?? []) outcome(delivery.id);
    };
    close = () => closeDatabase(db);
  }
  let n = 0;
  return new Promise((resolve) => {
    const step = () => {
      for (let k = 0; k < 2 && n < messages; k += 1, n += 1) store(body(n));
      if (n < messages) setTimeout(step, 1);
      else {
        close();
        resolve();
      }
    };
    step();
  });
}

interface Figures {
  scavenges: number;
  pauseMs: number;
  promotedBytes: number;
}

/** Scavenges of one child's trace (one isolate: no worker is started). */
function parseTrace(stdout: string): Figures {
  const figures: Figures = { scavenges: 0, pauseMs: 0, promotedBytes: 0 };
  for (const line of stdout.split('\n')) {
    if (!line.includes(' gc=s ')) continue;
    const field = (name: string) => Number(new RegExp(`\\b${name}=([0-9.]+)`).exec(line)?.[1] ?? Number.NaN);
    figures.scavenges += 1;
    figures.pauseMs += field('pause');
    figures.promotedBytes += field('promoted');
  }
  return figures;
}

function spawnVariant(variant: string, dir: string): Figures {
  const result = spawnSync(
    process.execPath,
    [
      '--trace-gc-nvp',
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      '--child',
      variant,
      '--dir',
      dir,
      '--messages',
      String(messages),
    ],
    { encoding: 'utf8', maxBuffer: 256 << 20 },
  );
  if (result.status !== 0) throw new Error(`the ${variant} child failed: ${result.stderr.slice(0, 2_000)}`);
  return parseTrace(result.stdout);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

function main(): void {
  out("What storing a webhook leaves to V8's young-generation collections");
  out(machineLine());
  out(`${messages} webhooks per child, two a millisecond; ${runs} runs, variants alternated`);
  const dir = makeTempDir('smsops-bench-gc-');
  try {
    const by: Record<string, Figures[]> = { baseline: [], smsops: [] };
    for (let run = 0; run < runs; run += 1)
      for (const variant of run % 2 === 0 ? ['baseline', 'smsops'] : ['smsops', 'baseline'])
        by[variant]?.push(spawnVariant(variant, dir));
    const row = (variant: string) => {
      const figures = by[variant] ?? [];
      return {
        promoted: median(figures.map((f) => f.promotedBytes / messages)),
        pause: median(figures.map((f) => (f.pauseMs / messages) * 1_000)),
        scavenges: median(figures.map((f) => (f.scavenges / messages) * 1_000)),
      };
    };
    const base = row('baseline');
    const ours = row('smsops');
    out(
      table(
        ['variant', 'promoted, bytes per webhook', 'scavenge pause, ms per 1,000 webhooks', 'scavenges per 1,000'],
        [
          ['baseline (one INSERT)', fmt(base.promoted, 0), fmt(base.pause, 2), fmt(base.scavenges, 2)],
          ['smsops (ingest + outcome)', fmt(ours.promoted, 0), fmt(ours.pause, 2), fmt(ours.scavenges, 2)],
          ['smsops − baseline', fmt(ours.promoted - base.promoted, 0), fmt(ours.pause - base.pause, 2), ''],
        ],
      ),
    );
    out("Promoted bytes include start-up's (module loading), the same in both children.");
  } finally {
    removeTempDir(dir);
  }
}

if (child) await runChild(child, stringOption('dir', '.'));
else main();
