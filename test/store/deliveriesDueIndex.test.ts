import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDeliveriesRepository } from '../../src/store/repositories/deliveries.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

/**
 * The lease sweep runs every RELAY_LEASE_MS / 4 per worker. While it read every delivery ever stored (37–47 ms of held
 * event loop over 400,000, bench/README.md, the twenty-first round), every webhook's answer waited for it; through the
 * due index, live and dead deliveries only (migration 042), it reads the backlog.
 */
describe('the statements that look for in-flight or dead deliveries', () => {
  let t: TempDb;
  beforeEach(() => {
    t = createTempDb();
  });
  afterEach(() => t.cleanup());

  it('read the due index (the backlog), not every delivery stored', () => {
    const statements: string[] = [];
    const prepare = t.db.prepare.bind(t.db);
    const recording = (sql: string) => {
      statements.push(sql.replace(/\s+/g, ' ').trim());
      return prepare(sql);
    };
    Object.assign(t.db, { prepare: recording });
    createDeliveriesRepository(t.db, t.clock.now);
    Object.assign(t.db, { prepare });

    const backlogOnly = statements.filter((sql) =>
      /status = 'in_flight' AND lease_until < \?$|WHERE status = 'in_flight'$|WHERE status = 'dead'$/.test(sql),
    );
    // The sweep, releasing every lease (a stop), requeueing every dead delivery.
    expect(backlogOnly).toHaveLength(3);
    for (const sql of backlogOnly) {
      const plan = prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .all(...Array((sql.match(/\?/g) ?? []).length).fill(0))
        .map((row) => (row as { detail: string }).detail);
      expect(plan, sql).toEqual([expect.stringMatching(/USING (COVERING )?INDEX deliveries_due/)]);
    }
    // The unfinished and dead lists (`/sms relay`): their statuses must imply the partial index's condition.
    const lists = statements.filter((sql) => /FROM deliveries d JOIN inbound_messages m .* ORDER BY d\.id$/.test(sql));
    expect(lists).toHaveLength(2);
    for (const sql of lists) {
      const plan = prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .all()
        .map((row) => (row as { detail: string }).detail);
      expect(plan[0], sql).toMatch(/^SEARCH d USING INDEX deliveries_due/);
    }
  });
});
