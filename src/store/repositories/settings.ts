import type { SettingsRepository } from '../../core/ports/settings.js';
import type { Db } from '../database.js';

export function createSettingsRepository(db: Db, now: () => number = Date.now): SettingsRepository {
  const select = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
  const upsert = db.prepare(
    'INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
  );
  const insertIfAbsent = db.prepare(
    'INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING',
  );

  return {
    get: (key) => select.get(key)?.value,
    set: (key, value) => {
      upsert.run(key, value, now());
    },
    getOrCreate: (key, create) => {
      // Insert-if-absent then read back: two processes racing on a fresh file still agree on one value.
      insertIfAbsent.run(key, create(), now());
      const row = select.get(key);
      if (!row) throw new Error(`setting ${key} vanished right after it was written`);
      return row.value;
    },
  };
}
