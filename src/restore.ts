import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { readEnvironment } from './config.js';
import { describeError } from './errors.js';
import { createLogger } from './log.js';
import { integrityProblem } from './store/backup.js';
import { DATABASE_DIR_MODE, databaseFiles, tightenDatabaseFiles } from './store/fileModes.js';
import { acquireInstanceLease, InstanceLeaseHeldError } from './store/instanceLease.js';

/**
 * `npm run restore -- <backup file>` (or `node dist/restore.js <file>`): puts a backup in place of the database of
 * DATABASE_PATH (.env read as smsops reads it). Only into a stopped smsops: restoring takes the instance lease, so a
 * running smsops (one whose lease is unexpired) makes it refuse, naming that process. The current database is
 * kept aside as `<db>.before-restore-<time>`, with its -wal and -shm files (they hold its latest commits).
 * Exit codes: 2 for a wrong invocation or a damaged backup, 1 when refused or failed, 0 once restored.
 */
const DEFAULT_DATABASE_PATH = './data/smsops.db';

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

function main(args: string[]): number {
  const file = args.find((a) => !a.startsWith('-'));
  if (!file || args.includes('--help')) {
    say('usage: npm run restore -- <backup file>   (restores into DATABASE_PATH; stop smsops first)');
    return 2;
  }
  const backup = resolve(file);
  if (!existsSync(backup)) {
    say(`restore: ${backup} does not exist`);
    return 2;
  }
  const problem = integrityProblem(backup);
  if (problem) {
    say(`restore: ${backup} is not a sound SQLite database (${problem}); nothing was changed`);
    return 2;
  }
  const env = readEnvironment();
  const target = resolve(env.DATABASE_PATH?.trim() || DEFAULT_DATABASE_PATH);
  const stamp = new Date().toISOString().replace(/[-:.]/g, '');
  const aside = `${target}.before-restore-${stamp}`;

  if (existsSync(target)) {
    const current = new Database(target);
    try {
      const leased = current.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'instance_lease'").get();
      // Taken, not only read: the same rule as a second smsops (a crashed one of this host does not block).
      const lease = leased ? acquireInstanceLease(current, { logger: createLogger({ level: 'silent' }) }) : undefined;
      lease?.release();
      // Everything committed goes into the main file, so the copy kept aside is whole even without its -wal.
      current.pragma('wal_checkpoint(TRUNCATE)');
    } catch (error) {
      current.close();
      if (error instanceof InstanceLeaseHeldError) {
        say(`restore refused: ${error.message.replace('Stop that one first', 'Stop smsops first')}`);
        return 1;
      }
      say(`restore: the current database ${target} could not be prepared: ${describeError(error)}; nothing was changed`);
      return 1;
    }
    current.close();
    databaseFiles(target).forEach((path, i) => {
      if (existsSync(path)) renameSync(path, `${aside}${['', '-wal', '-shm'][i]}`);
    });
    say(`restore: the current database is kept as ${aside}`);
  }

  const incoming = `${target}.restoring`;
  try {
    mkdirSync(dirname(target), { recursive: true, mode: DATABASE_DIR_MODE });
    copyFileSync(backup, incoming);
    const restored = new Database(incoming);
    try {
      // The backup was taken while an smsops ran: its lease row names that process, which does not run on this copy.
      if (restored.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'instance_lease'").get())
        restored.exec('DELETE FROM instance_lease');
      // A single file (no -wal to lose on the way); smsops turns WAL on again when it opens it.
      restored.pragma('journal_mode = DELETE');
    } finally {
      restored.close();
    }
    renameSync(incoming, target);
    tightenDatabaseFiles(target);
  } catch (error) {
    rmSync(incoming, { force: true });
    say(`restore failed: ${describeError(error)}; the previous database is at ${aside}`);
    return 1;
  }
  say(`restore: ${backup} is now ${target}; start smsops (it applies any newer migrations)`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
