import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { readEnvironment } from './config.js';
import { readFlag } from './envBoolean.js';
import { describeError } from './errors.js';
import { createLogger } from './log.js';
import { type DatabaseMode, inspectDatabaseMode } from './store/databaseMode.js';
import { databaseFileBehind, notRegularFile } from './store/fileKind.js';
import { DATABASE_DIR_MODE, databaseFiles, tightenDatabaseFiles } from './store/fileModes.js';
import { acquireInstanceLease, InstanceLeaseHeldError } from './store/instanceLease.js';
import { restoreRefusal } from './store/restoreCheck.js';

/**
 * `node dist/restore.js --db <database> <backup file>` (from a source checkout: `npm run restore -- ...`): puts a
 * backup in place of the database at `--db`, or of DATABASE_PATH (environment or .env) when `--db` is not given;
 * with neither it refuses: guessing ./data/smsops.db would restore into a file no smsops reads (systemd and Docker
 * set DATABASE_PATH themselves) and report success. Only into a stopped smsops: restoring takes the instance lease,
 * so a running smsops (one whose lease is unexpired) makes it refuse, naming that process. The backup is checked
 * first (restoreCheck.ts). The current database is kept aside as `<db>.before-restore-<time>`, with its -wal and
 * -shm files (they hold its latest commits); a -wal or -shm found without a database (the file was deleted) is kept
 * aside the same way. A current database SQLite cannot read (damaged: the usual reason to restore) cannot show its
 * lease, so it is replaced only with `--replace-damaged`, the operator's word that smsops is stopped; it is kept aside
 * all the same. `--db` (or DATABASE_PATH) must name a regular file or nothing; a symlink to a file restores into that
 * file and leaves the link.
 * Exit codes: 2 for a wrong invocation or a backup that must not be restored (nothing changed), 1 when refused or
 * failed, 0 once restored.
 */
const USAGE =
  'usage: node dist/restore.js --db <database file> [--replace-damaged] <backup file>   (or DATABASE_PATH set instead of --db; stop smsops first)\n' +
  '       --replace-damaged: replace a current database that cannot be read as SQLite (kept aside); smsops must be stopped\n' +
  '       from a source checkout: npm run restore -- --db <database file> <backup file>';

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

interface Args {
  file?: string;
  db?: string;
  help: boolean;
  replaceDamaged: boolean;
  /** What was not understood, in words: a mistyped option (`--replace-damage`) must not pass as unsaid. */
  unknown?: string;
}

function parseArgs(args: string[]): Args {
  const parsed: Args = { help: false, replaceDamaged: false };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg === '--help' || arg === '-h') parsed.help = true;
    else if (arg === '--replace-damaged') parsed.replaceDamaged = true;
    else if (arg === '--db') {
      parsed.db = args[i + 1];
      i += 1;
    } else if (arg.startsWith('--db=')) parsed.db = arg.slice('--db='.length);
    else if (arg.startsWith('-')) parsed.unknown ??= `unknown option ${JSON.stringify(arg)}`;
    else if (parsed.file === undefined) parsed.file = arg;
    else parsed.unknown ??= `one backup file at a time (${JSON.stringify(parsed.file)}, then ${JSON.stringify(arg)})`;
  }
  return parsed;
}

/** The mode the target belongs to: its own mark, else (a new file) the environment's SMSOPS_SANDBOX. */
function targetMode(target: string, sandboxEnv: string | undefined): DatabaseMode {
  const found = inspectDatabaseMode(target);
  if (found === 'production' || found === 'sandbox') return found;
  if (found === 'unmarked') return 'production';
  return readFlag(sandboxEnv) === true ? 'sandbox' : 'production';
}

/** SQLite's codes for a file that is not, or no longer, a readable database (truncated, overwritten, garbage). */
const isDamage = (error: unknown) => {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
};

type Current = { kind: 'ready' } | { kind: 'refused'; code: number; line: string } | { kind: 'damaged'; problem: string };

/** Takes and gives back the current database's lease (refused while an smsops holds it), then checkpoints it. */
function prepareCurrent(target: string): Current {
  let current: Database.Database | undefined;
  try {
    current = new Database(target, { fileMustExist: true });
    const leased = current.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'instance_lease'").get();
    // Taken, not only read: the same rule as a second smsops (a crashed one of this host does not block).
    const lease = leased ? acquireInstanceLease(current, { logger: createLogger({ level: 'silent' }) }) : undefined;
    lease?.release();
    // Everything committed goes into the main file, so the copy kept aside is whole even without its -wal.
    current.pragma('wal_checkpoint(TRUNCATE)');
    return { kind: 'ready' };
  } catch (error) {
    if (error instanceof InstanceLeaseHeldError)
      return {
        kind: 'refused',
        code: 1,
        line: `restore refused: ${error.message.replace('Stop that one first', 'Stop smsops first')}`,
      };
    if (isDamage(error)) return { kind: 'damaged', problem: error instanceof Error ? error.message : String(error) };
    return {
      kind: 'refused',
      code: 1,
      line: `restore: the current database ${target} could not be prepared: ${describeError(error)}; nothing was changed`,
    };
  } finally {
    current?.close();
  }
}

/** Same device and inode: restoring a file onto itself would move it aside, then find nothing to copy. */
function sameFile(a: string, b: string): boolean {
  const [x, y] = [statSync(a, { throwIfNoEntry: false }), statSync(b, { throwIfNoEntry: false })];
  return x !== undefined && y !== undefined && x.dev === y.dev && x.ino === y.ino;
}

function main(args: string[]): number {
  const { file, db, help, replaceDamaged, unknown } = parseArgs(args);
  if (unknown && !help) {
    say(`restore: ${unknown}; nothing was changed\n${USAGE}`);
    return 2;
  }
  if (!file || help) {
    say(USAGE);
    return 2;
  }
  const backup = resolve(file);
  if (!existsSync(backup)) {
    say(`restore: ${backup} does not exist`);
    return 2;
  }
  const { env, problems: envFileProblems } = readEnvironment();
  if (envFileProblems.length > 0) {
    say(
      `restore: .env cannot be read as it is, so DATABASE_PATH may be wrong: ${envFileProblems.join('; ')}; nothing was changed`,
    );
    return 2;
  }
  const chosen = db?.trim() || env.DATABASE_PATH?.trim();
  if (!chosen) {
    say(
      'restore: which database? Pass --db <path> (the DATABASE_PATH smsops runs with: /var/lib/smsops/smsops.db with ' +
        'the systemd unit, /data/smsops.db in the container) or set DATABASE_PATH; nothing was changed',
    );
    return 2;
  }
  const named = db?.trim() ? '--db' : 'DATABASE_PATH';
  const notFile = notRegularFile(resolve(chosen));
  if (notFile) {
    say(
      `restore refused: ${named} ${notFile}: restore replaces a database file, or puts one where nothing is; nothing was changed`,
    );
    return 2;
  }
  const target = databaseFileBehind(resolve(chosen));
  if (target !== resolve(chosen))
    say(`restore: ${resolve(chosen)} is a symlink; restoring into the file it points to, ${target}`);
  if (sameFile(backup, target)) {
    say(
      `restore refused: ${backup} is the database at ${target} itself (the same file): name a backup or a copy of it; nothing was changed`,
    );
    return 2;
  }
  const refusal = restoreRefusal(backup, { path: target, mode: targetMode(target, env.SMSOPS_SANDBOX) });
  if (refusal) {
    say(`restore refused: ${refusal}; nothing was changed`);
    return 2;
  }
  const stamp = new Date().toISOString().replace(/[-:.]/g, '');
  const aside = `${target}.before-restore-${stamp}`;

  if (existsSync(target)) {
    const current = prepareCurrent(target);
    if (current.kind === 'refused') {
      say(current.line);
      return current.code;
    }
    if (current.kind === 'damaged' && !replaceDamaged) {
      say(
        `restore refused: the current database ${target} cannot be read as SQLite (${current.problem}), so restore cannot ` +
          'check that no smsops runs on it. Stop smsops, then run the same command with --replace-damaged: the damaged ' +
          'file is kept aside (with its -wal and -shm) and the backup put in its place; nothing was changed',
      );
      return 1;
    }
    // A damaged file goes aside with its -wal and -shm as they are: the -wal may hold its last commits.
    databaseFiles(target).forEach((path, i) => {
      if (existsSync(path)) renameSync(path, `${aside}${['', '-wal', '-shm'][i]}`);
    });
    say(
      current.kind === 'damaged'
        ? `restore: the current database cannot be read as SQLite (${current.problem}); kept as ${aside}`
        : `restore: the current database is kept as ${aside}`,
    );
  } else {
    // A -wal with no database beside it (the file was deleted, and smsops killed or still running on it): SQLite
    // would read its pages into the restored file, which then silently holds the other database's pages.
    const stray = databaseFiles(target)
      .slice(1)
      .filter((path) => existsSync(path));
    for (const path of stray) renameSync(path, `${aside}${path.slice(target.length)}`);
    if (stray.length > 0)
      say(`restore: ${stray.join(' and ')} had no database beside ${stray.length > 1 ? 'them' : 'it'}; kept as ${aside}-*`);
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
      markOwnBackupRunDone(restored);
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

/**
 * A backup smsops made holds its own run as still running (the copy is taken mid-run), which the next start would
 * record as failed ("smsops stopped during the run"): /sms jobs and /sms doctor then called the very backup just
 * restored a failure. Its newest running backup run is that copy: recorded ok.
 */
function markOwnBackupRunDone(db: Database.Database): void {
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'job_runs'").get()) return;
  const withSummary = (db.prepare('PRAGMA table_info(job_runs)').all() as { name: string }[]).some((c) => c.name === 'summary');
  db.prepare(
    `UPDATE job_runs SET outcome = 'ok', finished_at = started_at, error = NULL${
      withSummary ? ", summary = 'the copy this database was restored from'" : ''
    } WHERE id = (SELECT max(id) FROM job_runs WHERE job = 'backup' AND outcome = 'running')`,
  ).run();
}

process.exitCode = main(process.argv.slice(2));
