import { StoreUnavailableError, storeErrorReason } from '../core/ports/storeErrors.js';

/**
 * Whether the database can be written, judged from real writes (ingest commits, the relay workers, the instance
 * lease's heartbeat) and the relay's cheap probe. Recording is a few assignments, so the webhook path pays nothing.
 */
export interface WriteHealth {
  /** A real write was committed. */
  succeeded(): void;
  /**
   * The write lock could be taken (the relay's probe, which writes nothing): ends a failure to get the lock, not one
   * for lack of space or an I/O error. On a full disk the probe passes while every write that needs room fails (a
   * probe of the real process: /healthz said "db":"ok" and Slack "works again" with the disk still full).
   */
  lockFree(): void;
  failed(error: unknown): void;
  /**
   * The database file's path no longer names the file open (./databaseFile.ts), with the reason; null once it does
   * again. Writes still succeed then (into the file that went away), so only this ends it.
   */
  fileGone(reason: string | null): void;
  /**
   * The disk failed to sync the database's files (a WAL checkpoint's fsync gave an I/O error), with the reason; null
   * once a checkpoint synced again. With DATABASE_SYNCHRONOUS=normal no commit syncs, so commits, the probe and the
   * lease's heartbeat all pass meanwhile: only this tells that what they wrote may never reach the disk.
   */
  syncFailed(reason: string | null): void;
  /** Why webhooks must be refused rather than stored, or null: only while the file is gone. */
  refusal(): string | null;
  /**
   * The verdict: failing while the file is gone, while the last write failed, for `recentMs` after a failed write,
   * after a write failed for lack of space or an I/O error until a real write succeeds, and while syncs fail.
   */
  state(): { writable: boolean; lastFailureAt: number | null; lastSuccessAt: number | null; reason: string | null };
}

export function createWriteHealth(options: { now?: () => number; recentMs?: number } = {}): WriteHealth {
  const now = options.now ?? Date.now;
  // A disk that is full fails only the writes that need new space: a small probe may pass between two failed
  // ingests. Failing for a while after the last failed write keeps /healthz from flapping to "ok" in between.
  const recentMs = options.recentMs ?? 10_000;
  let lastSuccessAt: number | null = null;
  let lastFailureAt: number | null = null;
  let reason: string | null = null;
  let goneReason: string | null = null;
  let syncReason: string | null = null;
  /** Why the last failure that only a real write can end (space, I/O) happened, until one succeeds. */
  let needsWrite: string | null = null;
  return {
    succeeded: () => {
      lastSuccessAt = now();
      needsWrite = null;
    },
    lockFree: () => {
      lastSuccessAt = now();
    },
    failed: (error) => {
      lastFailureAt = now();
      reason = storeErrorReason(error);
      if (!lockedOut(error)) needsWrite = reason;
    },
    fileGone: (why) => {
      goneReason = why;
    },
    syncFailed: (why) => {
      syncReason = why;
    },
    refusal: () => goneReason,
    state: () => {
      if (goneReason !== null) return { writable: false, lastFailureAt, lastSuccessAt, reason: goneReason };
      const failing =
        lastFailureAt !== null && (lastSuccessAt === null || lastFailureAt >= lastSuccessAt || now() - lastFailureAt < recentMs);
      if (failing) return { writable: false, lastFailureAt, lastSuccessAt, reason };
      if (needsWrite !== null) return { writable: false, lastFailureAt, lastSuccessAt, reason: needsWrite };
      if (syncReason !== null) return { writable: false, lastFailureAt, lastSuccessAt, reason: syncReason };
      return { writable: true, lastFailureAt, lastSuccessAt, reason: null };
    },
  };
}

/** Another process held the write lock: a write that takes the lock now would pass. */
function lockedOut(error: unknown): boolean {
  const cause = error instanceof StoreUnavailableError ? error.cause : error;
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code);
}
