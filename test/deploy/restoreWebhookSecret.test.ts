import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { markedSmsopsDatabase, restoreMarker } from '../helpers/restoreDatabases.js';
import { runRestore } from '../helpers/runRestore.js';

/** An smsops database that generated `secret` as its webhook secret (WEBHOOK_SECRET unset), or kept none. */
const databaseWithSecret = async (path: string, marker: string, secret: string | null) => {
  await markedSmsopsDatabase(path, marker);
  if (secret === null) return;
  const db = new Database(path);
  try {
    db.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('webhook_secret', ?, ?)").run(secret, Date.now());
  } finally {
    db.close();
  }
};

const secretOf = (path: string) => {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT value FROM settings WHERE key = 'webhook_secret'").pluck().get();
  } finally {
    db.close();
  }
};

const CHANGES = "restore: the backup's generated webhook secret is not the current database's";

/**
 * Restoring another deployment's backup (each generated its own webhook secret) changed the webhook URLs silently:
 * after the start, the URL this deployment's Wavix holds answered 404, /healthz said ok and nothing was logged (a
 * probe). Restore now says so, what the backup's secret is kept for, and what to do otherwise, never the secrets.
 */
describe('restore of a backup with another generated webhook secret', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-restore-secret-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const target = () => join(dir, 'smsops.db');
  const backup = () => join(dir, 'backup.db');

  it("says the webhook URLs change, and how to keep the current ones, keeping the backup's secret", {
    timeout: 30_000,
  }, async () => {
    await databaseWithSecret(target(), 'current', 'secret-of-this-deployment-0123456789');
    await databaseWithSecret(backup(), 'backup', 'secret-of-the-other-deployment-0123');
    const r = await runRestore(dir, ['--db', target(), backup()]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain(
      `${CHANGES} (or the backup has none: smsops then makes a new one, or refuses to start when the backup's smsops had WEBHOOK_SECRET set), so with WEBHOOK_SECRET unset`,
    );
    expect(r.output).toContain("Wavix URLs ending with the current database's secret get 404");
    expect(r.output).toContain('set WEBHOOK_SECRET to the secret those URLs end with');
    expect(r.output).not.toContain('secret-of-this-deployment');
    expect(r.output).not.toContain('secret-of-the-other-deployment');
    expect(restoreMarker(target())).toBe('backup');
    expect(secretOf(target())).toBe('secret-of-the-other-deployment-0123');
  });

  it('says it of a backup that kept none (its smsops had WEBHOOK_SECRET set): a new one is made at start', {
    timeout: 30_000,
  }, async () => {
    await databaseWithSecret(target(), 'current', 'secret-of-this-deployment-0123456789');
    await databaseWithSecret(backup(), 'backup', null);
    const r = await runRestore(dir, ['--db', target(), backup()]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain(CHANGES);
  });

  it('says nothing of it for the same secret, or with WEBHOOK_SECRET set', { timeout: 30_000 }, async () => {
    await databaseWithSecret(target(), 'current', 'secret-of-this-deployment-0123456789');
    await databaseWithSecret(backup(), 'backup', 'secret-of-this-deployment-0123456789');
    const same = await runRestore(dir, ['--db', target(), backup()]);
    expect(same.code, same.output).toBe(0);
    expect(same.output).toContain('restore: the current database holds no inbound SMS the backup lacks');
    expect(same.output).not.toContain('webhook secret');

    const other = join(dir, 'other.db');
    await databaseWithSecret(other, 'other', 'secret-of-the-other-deployment-0123');
    const configured = await runRestore(dir, ['--db', target(), other], {
      WEBHOOK_SECRET: 'configured-secret-0123456789abcdef',
    });
    expect(configured.code, configured.output).toBe(0);
    expect(configured.output).not.toContain('webhook secret');
  });
});
