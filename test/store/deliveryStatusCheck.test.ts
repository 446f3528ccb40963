import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDatabase, type Db, DEFAULT_MIGRATIONS_DIR, openDatabase } from '../../src/store/database.js';
import { createDeliveriesRepository } from '../../src/store/repositories/deliveries.js';
import { createInboundRepository } from '../../src/store/repositories/inbound.js';

/**
 * Every relayed SMS writes its delivery's status twice (the lease, the outcome). Checked against an IN of four values,
 * SQLite built a temporary table of them for each row written, ~0.9 µs of each ~4–5 µs write (migration 043): as ORs,
 * the check compares in place. The table was rebuilt for it, so an upgrade must keep every delivery as it was.
 */
describe("a delivery's status check", () => {
  let dir: string;
  let db: Db | undefined;
  afterEach(() => {
    if (db?.open) closeDatabase(db);
    rmSync(dir, { recursive: true, force: true });
  });

  const migrationsUpTo = (last: string) => {
    const to = join(dir, `migrations-${last}`);
    cpSync(DEFAULT_MIGRATIONS_DIR, to, { recursive: true });
    for (const file of readdirSync(to)) if (file > last) rmSync(join(to, file));
    return to;
  };

  it('builds no temporary table when the relay leases or delivers, and still refuses an unknown status', () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-status-check-'));
    db = openDatabase(join(dir, 'smsops.db')).db;
    const statements: string[] = [];
    const prepare = db.prepare.bind(db);
    Object.assign(db, {
      prepare: (sql: string) => {
        statements.push(sql.replace(/\s+/g, ' ').trim());
        return prepare(sql);
      },
    });
    createDeliveriesRepository(db, Date.now);
    Object.assign(db, { prepare });

    const lease = statements.find((sql) => /^UPDATE deliveries SET status = 'in_flight'/.test(sql));
    const outcome = statements.find((sql) => /^UPDATE deliveries SET status = CASE moved_in_flight/.test(sql));
    for (const sql of [lease, outcome]) {
      const steps = prepare(`EXPLAIN ${sql}`)
        .all(...Array((sql?.match(/\?/g) ?? []).length).fill(0))
        .map((row) => row as { addr: number; opcode: string });
      // The statement's own program: a trigger's (the outcome's relayed count) is listed after it, from address 0.
      const own = steps.slice(0, steps.findIndex((step, i) => i > 0 && step.addr === 0) >>> 0);
      expect(own.length, sql).toBeGreaterThan(20);
      expect(
        own.map((step) => step.opcode),
        sql,
      ).not.toContain('OpenEphemeral');
    }

    const inbound = createInboundRepository(db, Date.now);
    const deliveries = createDeliveriesRepository(db, Date.now);
    inbound.insertWithDeliveries(message('m-1'), [{ kind: 'portsip', destination: 'https://pbx.example.com/a' }]);
    const [delivery] = deliveries.claimDue('portsip', 1, 60_000);
    expect(() => db?.prepare("UPDATE deliveries SET status = 'sent' WHERE id = ?").run(delivery?.id)).toThrow(
      /CHECK constraint failed/,
    );
    expect(deliveries.get(delivery?.id ?? 0)?.status).toBe('in_flight');
  });

  it('keeps every delivery, its indexes and its trigger through the upgrade that rebuilt the table', () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-status-check-'));
    const path = join(dir, 'smsops.db');
    db = openDatabase(path, { migrationsDir: migrationsUpTo('042_deliveries_due_live_only.sql') }).db;
    const inbound = createInboundRepository(db, Date.now);
    const deliveries = createDeliveriesRepository(db, Date.now);
    const targets = [
      { kind: 'portsip', destination: 'https://pbx.example.com/a' },
      { kind: 'slack', destination: 'C0123456789' },
    ] as const;
    for (let n = 0; n < 8; n += 1) inbound.insertWithDeliveries(message(`m-${n}`), [...targets]);
    const claimed = deliveries.claimDue('portsip', 8, 60_000);
    deliveries.markDelivered(claimed[0]?.id ?? 0, 200);
    deliveries.markDead(claimed[1]?.id ?? 0, { statusCode: 404, error: 'Not Found' });
    deliveries.markFailed(claimed[2]?.id ?? 0, { statusCode: 500, error: 'oops', nextAttemptAt: 0 });
    const schemaOf = (d: Db) =>
      d.prepare("SELECT type, name FROM sqlite_master WHERE tbl_name = 'deliveries' ORDER BY name").all() as unknown[];
    const before = { rows: db.prepare('SELECT * FROM deliveries ORDER BY id').all(), schema: schemaOf(db) };
    expect(new Set(before.rows.map((r) => (r as { status: string }).status))).toEqual(
      new Set(['pending', 'in_flight', 'delivered', 'dead']),
    );
    closeDatabase(db);

    db = openDatabase(path).db;
    expect(db.prepare('SELECT * FROM deliveries ORDER BY id').all()).toEqual(before.rows);
    expect(schemaOf(db)).toEqual(before.schema);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});

const message = (id: string) => ({
  wavixMessageId: id,
  fromNumber: `447400${id.slice(2).padStart(6, '0')}`,
  toNumber: '14155550100',
  messageType: 'sms' as const,
  text: 'hi',
  media: null,
  receivedAtText: '2026-11-25T12:00:00Z',
  receivedAt: null,
  contentType: 'application/json',
  rawBody: Buffer.from('{}'),
});
