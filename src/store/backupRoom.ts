import { statfsSync, statSync } from 'node:fs';
import type { Db } from './database.js';
import { DEFAULT_WAL_LIMIT_BYTES, WAL_FILE_LIMIT_FACTOR } from './walCheckpointer.js';

/** Free space on BACKUP_DIR's disk, and whether the database lives on that disk too. */
export interface BackupRoom {
  freeBytes: number;
  sameDiskAsDatabase: boolean;
}

/**
 * Left free beside the database when BACKUP_DIR is on its disk: the `-wal` file grows to this once traffic has filled
 * it (./walCheckpointer.ts), and a copy that took that room made the database's own writes fail (SQLITE_FULL).
 */
export const ROOM_FOR_THE_DATABASE = WAL_FILE_LIMIT_FACTOR * DEFAULT_WAL_LIMIT_BYTES;
/** Left free on another disk: pages written while the copy is made are carried into it, so it ends a little larger. */
const ROOM_FOR_GROWTH = 16 << 20;

/**
 * Read as the backup's other checks of BACKUP_DIR are (../store/backup.ts: stat, access), right before the copy's file
 * is created, so that nothing else is written there in between.
 */
export function backupRoomOf(dir: string, databasePath: string): BackupRoom {
  const disk = statfsSync(dir);
  return { freeBytes: disk.bavail * disk.bsize, sameDiskAsDatabase: statSync(dir).dev === statSync(databasePath).dev };
}

/** What the copy of `db` will take: its pages as SQLite counts them, the WAL's included (the copy is one file). */
export function copyBytes(db: Db): number {
  return (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
}

const mb = (bytes: number) => `${Math.ceil(bytes / 1_048_576)} MB`;

/**
 * Why a copy of `bytes` must not be started in `dir`, in words, or null when it fits with room to spare. Without
 * this a copy larger than the free space filled the disk (0 bytes free, for as long as it took to fail) and, on the
 * database's disk, failed smsops' own writes meanwhile (its WAL checkpoint: "database or disk is full").
 */
export function backupRoomProblem(dir: string, bytes: number, room: BackupRoom): string | null {
  const keep = room.sameDiskAsDatabase ? ROOM_FOR_THE_DATABASE : ROOM_FOR_GROWTH;
  if (room.freeBytes >= bytes + keep) return null;
  const beside = room.sameDiskAsDatabase ? `, and ${mb(keep)} must stay free for the database on the same disk` : '';
  return (
    `not started: BACKUP_DIR ${dir} has ${mb(room.freeBytes)} free, the copy needs ${mb(bytes)}${beside}, ` +
    'so it would fill the disk. Free space there (older backups in it can be deleted by hand) or put BACKUP_DIR on ' +
    'another disk'
  );
}
