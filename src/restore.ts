import { constants, copyFileSync, existsSync, linkSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { readEnvironment } from './config.js';
import { readFlag } from './envBoolean.js';
import { describeError } from './errors.js';
import { createLogger } from './log.js';
import { checkpointIntoMainFile, turnOnSecureDelete } from './store/database.js';
import { type DatabaseMode, inspectDatabaseMode } from './store/databaseMode.js';
import { databaseFileBehind, notRegularFile } from './store/fileKind.js';
import { DATABASE_DIR_MODE, databaseFiles, tightenDatabaseFiles } from './store/fileModes.js';
import {
  acquireInstanceLease,
  currentLeaseHolder,
  hasInstanceLeaseTable,
  type InstanceLease,
  InstanceLeaseHeldError,
  type LeaseHolder,
  removeLeaseOf,
} from './store/instanceLease.js';
import { restoreRefusal, sourceRefusal } from './store/restoreCheck.js';
import { type BackupAge, backupAgeInWords, comparedInWords, newestMessageAt } from './store/restoreComparison.js';
import { leaveAsSingleFile, prepareRestoredCopy } from './store/restoredCopy.js';
import { carryOptOutsForward } from './store/restoreOptOuts.js';

/**
 * `node dist/restore.js --db <database> <backup file>` (from a source checkout: `npm run restore -- ...`): puts a
 * backup in place of the database at `--db`, or of DATABASE_PATH (environment or .env) when `--db` is not given;
 * with neither it refuses: guessing ./data/smsops.db would restore into a file no smsops reads (systemd and Docker
 * set DATABASE_PATH themselves) and report success. Only into a stopped smsops: restoring takes the instance lease,
 * so a running smsops (one whose lease is unexpired) makes it refuse, naming that process, and holds it until the
 * swap, so an smsops started meanwhile is refused the same way. The backup is copied to
 * `<db>.restoring`, checked there (restoreCheck.ts) and prepared (store/restoredCopy.ts) before the current database
 * moves; then the current database is kept aside as `<db>.before-restore-<time>` (a second name of the same file), with
 * its -wal and -shm files (they hold its latest commits), and the copy renamed over it; a failure there puts them back. A -wal or -shm found
 * without a database (the file was deleted) is kept aside the same way. A current database SQLite cannot read
 * (damaged: the usual reason to restore) cannot show its lease, so it is replaced only with `--replace-damaged`, the
 * operator's word that smsops is stopped; it is kept aside all the same. `--db` (or DATABASE_PATH) must name a regular file or nothing; a symlink to a file restores into that
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

interface Ready {
  kind: 'ready';
  db: Database.Database;
  /** Held from the check until the restored copy is renamed over the file (a database from before leases has none). */
  lease?: InstanceLease;
}

type Current = Ready | { kind: 'refused'; code: number; line: string } | { kind: 'damaged'; problem: string };

const heldByAnother = (held: InstanceLeaseHeldError) =>
  `restore refused: ${held.message.replace('Stop that one first', 'Stop smsops first')}`;

/**
 * Takes the current database's lease (refused while an smsops holds it) and keeps it, with the connection, until
 * confirmCurrent: given back at once, as it was, an smsops started during the comparison ran on the file about to be
 * replaced and acknowledged webhooks into it, kept only in the .before-restore file while restore said the current
 * database held nothing the backup lacked (a probe).
 */
function prepareCurrent(target: string): Current {
  let current: Database.Database | undefined;
  try {
    current = new Database(target, { fileMustExist: true });
    turnOnSecureDelete(current);
    const leased = hasInstanceLeaseTable(current);
    // Taken, not only read: the same rule as a second smsops (a crashed one of this host does not block).
    // Also refused while a frozen smsops (its lease expired) still runs here: it would write to the file replaced.
    const lease = leased
      ? acquireInstanceLease(current, { logger: createLogger({ level: 'silent' }), refuseExpiredLiveHolder: true })
      : undefined;
    return { kind: 'ready', db: current, lease };
  } catch (error) {
    current?.close();
    if (error instanceof InstanceLeaseHeldError) return { kind: 'refused', code: 1, line: heldByAnother(error) };
    if (isDamage(error)) return { kind: 'damaged', problem: error instanceof Error ? error.message : String(error) };
    return {
      kind: 'refused',
      code: 1,
      line: `restore: the current database ${target} could not be prepared: ${describeError(error)}; nothing was changed`,
    };
  }
}

/**
 * Just before the swap: renews the lease (restore's synchronous work never lets its heartbeat run, and a comparison
 * longer than the lease would let a start take it), puts everything committed into the main file, so the copy kept
 * aside is whole without its -wal, and closes the connection. The lease row stays: a start until the swap is refused.
 * Returns the refusal in words, or null.
 */
function confirmCurrent(target: string, current: Ready): string | null {
  const { db, lease } = current;
  try {
    if (lease && !lease.renewNow()) {
      const other = currentLeaseHolder(db);
      return other
        ? `${heldByAnother(new InstanceLeaseHeldError(other, Date.now()))} (it took the database while restore compared it)`
        : `restore refused: the lease restore held on ${target} was removed while it compared the databases: is an smsops starting? Stop smsops first; nothing was changed`;
    }
    checkpointIntoMainFile(db);
    return null;
  } catch (error) {
    lease?.release();
    return `restore: the current database ${target} could not be prepared: ${describeError(error)}; nothing was changed`;
  } finally {
    db.close();
  }
}

/**
 * Gives restore's lease back in the file at `path` (the kept-aside one once restored, the current one after a failed
 * swap), so it starts as it was. Best effort: a row left names this process, gone by then, and expires with its lease.
 */
function giveBack(path: string, holder: LeaseHolder | undefined): void {
  if (!holder) return;
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { fileMustExist: true });
    removeLeaseOf(db, holder);
  } catch {
    // Left as it is: see above.
  } finally {
    db?.close();
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
  const unusable = sourceRefusal(backup);
  if (unusable) {
    say(`restore refused: ${unusable}; nothing was changed`);
    return 2;
  }
  const stamp = new Date().toISOString().replace(/[-:.]/g, '');
  const aside = `${target}.before-restore-${stamp}`;

  // The backup is copied in, checked and prepared beside the database before anything of the current one moves: a
  // copy that fails (a full disk) used to leave nothing at the path, and the next start made a new, empty database.
  const incoming = `${target}.restoring`;
  let prepared: Prepared;
  try {
    prepared = prepareIncoming(backup, incoming, target, targetMode(target, env.SMSOPS_SANDBOX));
  } catch (error) {
    say(`restore failed: ${describeError(error)}; nothing was changed${leftOver(incoming)}`);
    return 1;
  }
  if (prepared.refusal) {
    say(`restore refused: ${prepared.refusal}; nothing was changed${leftOver(incoming)}`);
    return 2;
  }
  // Only once the backup passed: taking the lease and checkpointing write to the current database.
  const current = existsSync(target) ? prepareCurrent(target) : undefined;
  if (current?.kind === 'refused') {
    say(`${current.line}${leftOver(incoming)}`);
    return current.code;
  }
  if (current?.kind === 'damaged' && !replaceDamaged) {
    say(
      `restore refused: the current database ${target} cannot be read as SQLite (${current.problem}), so restore cannot ` +
        'check that no smsops runs on it. Stop smsops, then run the same command with --replace-damaged: the damaged ' +
        `file is kept aside (with its -wal and -shm) and the backup put in its place; nothing was changed${leftOver(incoming)}`,
    );
    return 1;
  }

  const compared =
    current &&
    comparedInWords(current.kind === 'damaged' ? undefined : target, incoming, {
      webhookSecretSet: Boolean(env.WEBHOOK_SECRET?.trim()),
    });
  const ready = current?.kind === 'ready' ? current : undefined;
  const refusedNow = ready && confirmCurrent(target, ready);
  if (refusedNow) {
    say(`${refusedNow}${leftOver(incoming)}`);
    return 1;
  }

  // A STOP received since the backup was taken must go on being honoured: carried into the copy before the swap.
  const optOuts = ready ? carryOptOutsForward(target, incoming) : undefined;

  const moved: Moved[] = [];
  try {
    moveAside(target, aside, moved);
    // One step that replaces the file: a database is at the path at every moment, the old one or the restored one.
    renameSync(incoming, target);
  } catch (error) {
    const back = moveBack(target, moved);
    if (back) giveBack(target, ready?.lease?.holder);
    const left = leftOver(incoming);
    say(
      back
        ? `restore failed: ${describeError(error)}; nothing was changed${left}`
        : `restore failed: ${describeError(error)}; the previous database is at ${aside}: move it back to ${target} before starting smsops${left}`,
    );
    return 1;
  }
  giveBack(aside, ready?.lease?.holder);
  if (current?.kind === 'damaged')
    say(`restore: the current database cannot be read as SQLite (${current.problem}); kept as ${aside}`);
  else if (current) say(`restore: the current database is kept as ${aside}`);
  else if (moved.length > 0)
    say(
      `restore: ${moved.map((m) => m.from).join(' and ')} had no database beside ${moved.length > 1 ? 'them' : 'it'}; kept as ${aside}-*`,
    );
  say(`restore: ${backupAgeInWords(prepared)}`);
  for (const line of [...(compared ?? []), ...(optOuts ? [optOuts] : [])]) say(`restore: ${line.replace('{aside}', aside)}`);
  say(`restore: ${backup} is now ${target}; start smsops (it applies any newer migrations)`);
  return 0;
}

interface Prepared extends BackupAge {
  refusal: string | null;
}

/** A backup's `-wal` (or hot `-journal`) beside it is part of it, as SQLite reads them; `-shm` is rebuilt. */
const companions = ['-wal', '-journal'];

/**
 * Copies the backup to `incoming` (in the database's folder, so the swap is a rename), then checks and prepares that
 * copy: the operator's file is only read, never opened by SQLite (a read-only mount, a rescued copy elsewhere).
 */
function prepareIncoming(backup: string, incoming: string, target: string, mode: DatabaseMode): Prepared {
  // A -journal left by a restore that crashed would be rolled back into the new copy by SQLite, pages of another file.
  const left = removeIncoming(incoming);
  if (left.length > 0) throw new Error(`${left.join(' and ')}, left by an earlier restore, cannot be removed`);
  mkdirSync(dirname(target), { recursive: true, mode: DATABASE_DIR_MODE });
  copyFileSync(backup, incoming);
  for (const suffix of companions)
    if (existsSync(`${backup}${suffix}`)) copyFileSync(`${backup}${suffix}`, `${incoming}${suffix}`);
  tightenDatabaseFiles(incoming);
  const refusal = restoreRefusal(backup, incoming, { path: target, mode });
  if (refusal) return { refusal };
  const restored = new Database(incoming, { fileMustExist: true });
  try {
    // It deletes (the lease, this copy's own backup run's state): those bytes go too.
    turnOnSecureDelete(restored);
    const own = prepareRestoredCopy(restored);
    const newest = own ? undefined : newestMessageAt(restored);
    leaveAsSingleFile(restored);
    return { refusal: null, takenAt: own?.startedAt, newestMessageAt: newest };
  } finally {
    restored.close();
  }
}

/** Removes the copy after a failure, in words for the operator when some of it is left. */
function leftOver(incoming: string): string {
  const left = removeIncoming(incoming);
  return left.length > 0 ? `; ${left.join(' and ')} could not be removed: remove ${left.length > 1 ? 'them' : 'it'}` : '';
}

/** Removes the copy and its SQLite files; returns those that are still there (a folder in the way, a read-only disk). */
function removeIncoming(incoming: string): string[] {
  const left: string[] = [];
  for (const path of databaseFiles(incoming).concat(`${incoming}-journal`)) {
    try {
      rmSync(path, { force: true });
    } catch {
      left.push(path);
    }
  }
  return left;
}

interface Moved {
  from: string;
  to: string;
  /** The database file itself: kept aside as a second name (or a copy), still at its path until the swap. */
  kept?: boolean;
}

/**
 * The current database, -wal and -shm go aside as they are (a damaged file's -wal may hold its last commits); with no
 * database, a stray -wal or -shm goes too: SQLite would read its pages into the restored file, which then silently
 * held another database's pages. The database file is given its aside name as a hard link (a copy where the
 * filesystem has none) and stays at its path until the restored copy is renamed over it: a restore killed at any
 * point (kill -9, power) leaves a database at the path; moved out first, one killed before the swap left none, and
 * the next start made a new, empty database (a probe). Each file is added to `moved` as it goes, so a failure part
 * way can be undone.
 */
function moveAside(target: string, aside: string, moved: Moved[]): void {
  if (existsSync(target)) {
    try {
      linkSync(target, aside);
    } catch {
      copyFileSync(target, aside, constants.COPYFILE_EXCL);
    }
    moved.push({ from: target, to: aside, kept: true });
  }
  for (const from of databaseFiles(target)
    .slice(1)
    .filter((path) => existsSync(path))) {
    const to = `${aside}${from.slice(target.length)}`;
    renameSync(from, to);
    moved.push({ from, to });
  }
}

/** Puts back what moveAside moved (the database file never left: its aside name goes); false when some could not be. */
function moveBack(target: string, moved: Moved[]): boolean {
  let all = true;
  for (const { from, to, kept } of [...moved].reverse()) {
    try {
      if (kept && existsSync(target)) rmSync(to, { force: true });
      else renameSync(to, from);
    } catch {
      all = false;
    }
  }
  return all;
}

process.exitCode = main(process.argv.slice(2));
