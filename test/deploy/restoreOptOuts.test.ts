import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { markedSmsopsDatabase, restoreMarker } from '../helpers/restoreDatabases.js';
import { runRestore } from '../helpers/runRestore.js';

const optOut = (path: string, customer: string, sender: string | null, liftedAt: number | null = null) => {
  const db = new Database(path);
  try {
    db.prepare(
      "INSERT INTO opt_outs (customer_number, sender, source, keyword, opted_out_at, lifted_at, lifted_by) VALUES (?, ?, 'inbound_keyword', 'STOP', ?, ?, ?)",
    ).run(customer, sender, Date.now() - 60_000, liftedAt, liftedAt === null ? null : 'START');
  } finally {
    db.close();
  }
};

const inForce = (path: string) => {
  const db = new Database(path, { readonly: true });
  try {
    return db
      .prepare('SELECT customer_number, sender, keyword FROM opt_outs WHERE lifted_at IS NULL ORDER BY customer_number')
      .all();
  } finally {
    db.close();
  }
};

/**
 * A customer who texted STOP after the backup was taken was on no list once the backup was restored: smsops' own
 * record of the STOP went aside with the current database, and a reply from Slack texted them again (a probe).
 */
describe('restore of a backup older than an opt-out', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-restore-optouts-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the opt-outs in force that the current database holds and the backup lacks, and says so', {
    timeout: 30_000,
  }, async () => {
    const target = join(dir, 'smsops.db');
    const backup = join(dir, 'backup.db');
    await markedSmsopsDatabase(backup, 'backup');
    optOut(backup, '447400000001', '14155550100');
    await markedSmsopsDatabase(target, 'current');
    optOut(target, '447400000001', '14155550100');
    // Since the backup: a STOP to one number, a blanket opt-out, and a STOP that was lifted again (START).
    optOut(target, '447400000002', '14155550100');
    optOut(target, '447400000003', null);
    optOut(target, '447400000004', '14155550100', Date.now());
    const r = await runRestore(dir, ['--db', target, backup]);
    expect(r.code, r.output).toBe(0);
    expect(restoreMarker(target)).toBe('backup');
    expect(inForce(target)).toEqual([
      { customer_number: '447400000001', sender: '14155550100', keyword: 'STOP' },
      { customer_number: '447400000002', sender: '14155550100', keyword: 'STOP' },
      { customer_number: '447400000003', sender: null, keyword: 'STOP' },
    ]);
    expect(r.output).toContain(
      'restore: 2 opt-outs in force in the current database were not in the backup: kept in the restored one',
    );
    expect(r.output).not.toContain('447400000002');
  });
});
