import type { DoctorIgnoresRepository, IgnoredNumber } from '../../core/ports/doctorIgnores.js';
import type { Db } from '../database.js';

interface IgnoredRow {
  number: string;
  reason: string | null;
  ignored_by: string;
  ignored_at: number;
}

const toIgnored = (row: IgnoredRow): IgnoredNumber => ({
  number: row.number,
  reason: row.reason,
  by: row.ignored_by,
  at: row.ignored_at,
});

export function createDoctorIgnoresRepository(db: Db, now: () => number = Date.now): DoctorIgnoresRepository {
  const upsert = db.prepare(`
    INSERT INTO doctor_ignored_numbers (number, reason, ignored_by, ignored_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (number) DO UPDATE SET reason = excluded.reason, ignored_by = excluded.ignored_by,
      ignored_at = excluded.ignored_at`);
  const select = db.prepare<[string], IgnoredRow>('SELECT * FROM doctor_ignored_numbers WHERE number = ?');
  const all = db.prepare<[], IgnoredRow>('SELECT * FROM doctor_ignored_numbers ORDER BY ignored_at, number');
  const del = db.prepare('DELETE FROM doctor_ignored_numbers WHERE number = ?');

  const get = (number: string) => {
    const row = select.get(number);
    return row ? toIgnored(row) : undefined;
  };
  return {
    ignore: ({ number, reason, by }) => {
      upsert.run(number, reason, by, now());
      const stored = get(number);
      if (!stored) throw new Error(`ignored number ${number} was not stored`);
      return stored;
    },
    unignore: (number) => del.run(number).changes > 0,
    get,
    list: () => all.all().map(toIgnored),
  };
}
