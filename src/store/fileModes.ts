import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../errors.js';
import { databaseFileBehind, notRegularFile } from './fileKind.js';

/**
 * The database holds the webhook secret's use, every SMS and who asked for what: only smsops' own user may read it.
 * Modes are set with chmod after creation, so they do not depend on the process umask (a 0022 umask would otherwise
 * leave a new file 0644, readable by every local user).
 */
export const DATABASE_DIR_MODE = 0o700;
export const DATABASE_FILE_MODE = 0o600;

/** The files SQLite keeps for one database in WAL mode. */
export const databaseFiles = (path: string) => [path, `${path}-wal`, `${path}-shm`];

export interface ModeFinding {
  path: string;
  /** The mode found, as octal text ("644"). */
  was: string;
  /** What was done: tightened to 0600/0700, or only reported (a folder smsops did not create). */
  action: 'tightened' | 'reported';
}

const octal = (mode: number) => (mode & 0o777).toString(8);
const loose = (mode: number) => (mode & 0o077) !== 0;

/**
 * Before SQLite opens the file: the folder is created 0700, and the database file is created 0600 (or tightened to
 * 0600 when it exists with group or world access). A folder that already existed is only reported when others can
 * enter it: it may be shared on purpose (a mounted volume, /var/lib), and the files in it are 0600 whatever it is.
 */
export function prepareDatabasePath(path: string): ModeFinding[] {
  // Before any chmod or mkdir: a device or a folder at the path is refused untouched (./fileKind.ts).
  const notFile = notRegularFile(path);
  if (notFile) throw new AppError(`${notFile}: SQLite keeps a database only in a regular file`, notFile);
  if (process.platform === 'win32') return [];
  const findings: ModeFinding[] = [];
  const dir = dirname(path);
  if (existsSync(dir)) {
    const mode = statSync(dir).mode;
    if (loose(mode)) findings.push({ path: dir, was: octal(mode), action: 'reported' });
  } else {
    mkdirSync(dir, { recursive: true, mode: DATABASE_DIR_MODE });
    chmodSync(dir, DATABASE_DIR_MODE);
  }
  if (!existsSync(path)) closeSync(openSync(path, 'a', DATABASE_FILE_MODE));
  findings.push(...tightenDatabaseFiles(path));
  return findings;
}

/**
 * Tightens the database, -wal and -shm files to 0600 where they exist with group or world access: those beside the
 * file a symlink points to, where SQLite keeps them. Only regular files: a device is shared by the whole system.
 */
export function tightenDatabaseFiles(path: string): ModeFinding[] {
  if (process.platform === 'win32') return [];
  const findings: ModeFinding[] = [];
  for (const file of databaseFiles(databaseFileBehind(path))) {
    let mode: number;
    try {
      const found = statSync(file);
      if (!found.isFile()) continue;
      mode = found.mode;
    } catch {
      continue; // not there (yet): SQLite creates -wal and -shm with the database file's mode
    }
    if (!loose(mode)) continue;
    chmodSync(file, DATABASE_FILE_MODE);
    findings.push({ path: file, was: octal(mode), action: 'tightened' });
  }
  return findings;
}
