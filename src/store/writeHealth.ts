import { storeErrorReason } from '../core/ports/storeErrors.js';

/**
 * Whether the database can be written, judged from real writes (ingest commits, the relay workers) and the relay's
 * cheap probe. Recording is two assignments, so the webhook path pays nothing for it.
 */
export interface WriteHealth {
  succeeded(): void;
  failed(error: unknown): void;
  /**
   * The database file's path no longer names the file open (./databaseFile.ts), with the reason; null once it does
   * again. Writes still succeed then (into the file that went away), so only this ends it.
   */
  fileGone(reason: string | null): void;
  /** Why webhooks must be refused rather than stored, or null: only while the file is gone. */
  refusal(): string | null;
  /** The verdict: failing while the file is gone, while the last write failed, and for `recentMs` after a failed write. */
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
  return {
    succeeded: () => {
      lastSuccessAt = now();
    },
    failed: (error) => {
      lastFailureAt = now();
      reason = storeErrorReason(error);
    },
    fileGone: (why) => {
      goneReason = why;
    },
    refusal: () => goneReason,
    state: () => {
      if (goneReason !== null) return { writable: false, lastFailureAt, lastSuccessAt, reason: goneReason };
      const failing =
        lastFailureAt !== null && (lastSuccessAt === null || lastFailureAt >= lastSuccessAt || now() - lastFailureAt < recentMs);
      return { writable: !failing, lastFailureAt, lastSuccessAt, reason: failing ? reason : null };
    },
  };
}
