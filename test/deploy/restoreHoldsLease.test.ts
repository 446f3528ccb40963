import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { markedSmsopsDatabase, restoreMarker } from '../helpers/restoreDatabases.js';
import { restoreArgs } from '../helpers/runRestore.js';
import { freePort, productionEnv, type SmsopsProcess, spawnSmsops } from '../helpers/smsopsProcess.js';
import { waitUntil } from '../helpers/waitUntil.js';

/** Inbound SMS in both files: restore's comparison then takes a while (about 1 s here; at 100,000 it ended between two looks 1 time in 3), long enough to be caught in. */
const MESSAGES = 300_000;

const fill = (path: string) => {
  const db = new Database(path);
  try {
    db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${MESSAGES})
      INSERT INTO inbound_messages (wavix_message_id, from_number, to_number, message_type, text, received_at_text,
        ingested_at, content_type, raw_body)
      SELECT 'bulk-' || i, '447400123456', '14155550100', 'sms', 'x', '2026-11-25T10:00:00Z', 1764064800000 + i,
        'application/json', x'7b7d' FROM n`);
  } finally {
    db.close();
  }
};

/** The files a process has open, by path (Linux). */
const openFiles = (pid: number): Set<string> => {
  const fds = `/proc/${pid}/fd`;
  const found = new Set<string>();
  try {
    for (const fd of readdirSync(fds)) {
      try {
        found.add(readlinkSync(join(fds, fd)));
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    // the process is gone
  }
  return found;
};

/**
 * An smsops started while restore compares the databases, before its swap: restore used to take the instance lease
 * and give it back at once, so that smsops ran on the file about to be replaced and acknowledged webhooks into it,
 * kept only in the .before-restore file while restore said the current database held nothing the backup lacked (a
 * probe). Restore is caught in its comparison (it holds the current database and its copy open) and stopped there.
 */
describe.runIf(process.platform === 'linux')('an smsops started during a restore (real processes)', () => {
  let dir = '';
  const processes: SmsopsProcess[] = [];
  afterEach(() => {
    for (const p of processes.splice(0)) p.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is refused, naming the restore, which then puts the backup in place', { timeout: 120_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-restore-lease-'));
    const target = join(dir, 'smsops.db');
    const backup = join(dir, 'backup.db');
    await markedSmsopsDatabase(target, 'current');
    fill(target);
    await markedSmsopsDatabase(backup, 'backup');
    fill(backup);

    const restore = spawnSmsops({ cwd: dir, env: {}, nodeArgs: restoreArgs('--db', target, backup) });
    processes.push(restore);
    const comparing = () => {
      const open = openFiles(restore.pid);
      return open.has(target) && open.has(`${target}.restoring`);
    };
    await waitUntil(
      () => {
        if (restore.hasExited()) throw new Error(`restore ended before its comparison was caught:\n${restore.logs.join('\n')}`);
        return comparing();
      },
      60_000,
      'restore comparing the databases',
    );
    process.kill(restore.pid, 'SIGSTOP');
    try {
      expect(comparing(), 'restore stopped in its comparison').toBe(true);

      const started = spawnSmsops({
        cwd: dir,
        env: productionEnv({ port: await freePort(), databasePath: target, webhookSecret: 'restore-lease-secret-0123456789' }),
      });
      processes.push(started);
      const outcome = await Promise.race([
        started.exited,
        started.waitForLine(/smsops listening/, 60_000).then(() => 'listening' as const),
      ]);
      expect(outcome, started.logs.join('\n')).toEqual({ code: 1, signal: null });
      expect(started.logs.join('\n')).toContain(`another smsops runs on this database: host ${hostname()}, pid ${restore.pid}`);
    } finally {
      process.kill(restore.pid, 'SIGCONT');
    }

    const { code } = await restore.exited;
    expect(code, restore.logs.join('\n')).toBe(0);
    expect(restoreMarker(target)).toBe('backup');
    const aside = readdirSync(dir).find((f) => f.startsWith('smsops.db.before-restore-')) ?? '';
    expect(restoreMarker(join(dir, aside))).toBe('current');
    // Restore's own lease is given back in the file kept aside: moved back, it starts at once, as it was.
    const kept = new Database(join(dir, aside), { readonly: true });
    try {
      expect(kept.prepare('SELECT count(*) FROM instance_lease').pluck().get()).toBe(0);
    } finally {
      kept.close();
    }
  });
});
