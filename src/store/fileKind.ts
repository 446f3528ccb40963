import { lstatSync, readlinkSync, realpathSync, type Stats, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * A database path must name a regular file, or nothing yet. SQLite opens whatever is there: on a device (/dev/null)
 * it fails with "disk I/O error" only after smsops chmod-ed the device to 0600 and SQLite left a -journal beside it,
 * and restore would move the device aside and put a file in its place.
 *
 * A symlink to a regular file is fine: SQLite follows it and keeps the -wal and -shm beside the file it points to,
 * so smsops and restore act on that file (see `databaseFileBehind`) and leave the link as it is.
 */
export function notRegularFile(path: string): string | null {
  let found: Stats | undefined;
  try {
    found = statSync(path, { throwIfNoEntry: false });
  } catch {
    return null; // cannot be looked at (EACCES, ENOTDIR): opening it says why, as before
  }
  if (!found || found.isFile()) return null;
  const kind = found.isDirectory()
    ? 'a folder'
    : found.isCharacterDevice()
      ? 'a character device'
      : found.isBlockDevice()
        ? 'a block device'
        : found.isFIFO()
          ? 'a named pipe (fifo)'
          : found.isSocket()
            ? 'a socket'
            : 'not a regular file';
  const link = isSymlink(path) ? ` (through the symlink to ${realpathOr(path)})` : '';
  return `${path} is ${kind}${link}, not a regular file`;
}

/** The file a symlink at `path` points to (the one SQLite opens, with its -wal and -shm beside it); else `path`. */
export function databaseFileBehind(path: string): string {
  return isSymlink(path) ? realpathOr(path) : path;
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return danglingTarget(path);
  }
}

/**
 * Where a dangling link leads (the file SQLite creates on opening it), followed link by link from each link's folder:
 * taken for the link itself, a restore through it replaced the link with the file (beside the link, off the data
 * volume it named; a probe).
 */
function danglingTarget(path: string): string {
  let at = path;
  // Bounded as the kernel bounds a chain (ELOOP at 40): a loop of links is left to opening, which says so.
  for (let hops = 0; hops < 40 && isSymlink(at); hops++) {
    try {
      at = resolve(dirname(at), readlinkSync(at));
    } catch {
      return path;
    }
  }
  return isSymlink(at) ? path : at;
}
