import Database from 'better-sqlite3';
import { createLogger } from '../../src/log.js';
import type { DatabaseMode } from '../../src/store/databaseMode.js';
import { openStore } from '../../src/store/openStore.js';

/** Which database a restore test finds at a path: the marker it was made with. */
export const RESTORE_MARKER_KEY = 'restore_test_marker';

/** An smsops database (migrated, closed) carrying `marker`, of about `bytes` more with a filler setting. */
export async function markedSmsopsDatabase(
  path: string,
  marker: string,
  options: { mode?: DatabaseMode; bytes?: number } = {},
): Promise<void> {
  const store = openStore(path, { mode: options.mode ?? 'production', logger: createLogger({ level: 'silent' }), now: Date.now });
  store.repositories.settings.getOrCreate(RESTORE_MARKER_KEY, () => marker);
  const bytes = options.bytes ?? 0;
  if (bytes > 0) store.repositories.settings.getOrCreate('restore_test_filler', () => 'x'.repeat(bytes));
  await store.close();
}

/** The marker of the database at `path`, read without changing it. */
export function restoreMarker(path: string): unknown {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(`SELECT value FROM settings WHERE key = '${RESTORE_MARKER_KEY}'`).pluck().get();
  } finally {
    db.close();
  }
}
