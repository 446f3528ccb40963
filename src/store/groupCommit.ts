import { isTransientStoreError, StoreUnavailableError } from '../core/ports/storeErrors.js';
import type { Db } from './database.js';
import type { WriteGate } from './writeGate.js';
import type { WriteHealth } from './writeHealth.js';

/**
 * Group commit: writes submitted while the event loop is busy are run in one SQLite transaction at the next
 * turn, and each caller's promise settles only after that transaction committed. A webhook is therefore still
 * acknowledged only once it is stored, but a burst of webhooks costs one commit instead of one each.
 * A write that throws is rolled back alone and rejects alone; the others of its batch are still stored.
 * A transient failure (database locked by another process, disk full) is retried after a timer, never by blocking the
 * event loop; a write still not stored after `waitMs` rejects with StoreUnavailableError (the webhook answers 503).
 */
export interface GroupCommit {
  /**
   * `committed` runs synchronously once the write is committed, before anything else hears of it. With `lazyMs`, the
   * write does not call for a commit of its own: it rides with the next write submitted without it, or is committed
   * after `lazyMs` if none comes (the relay's outcomes while it is caught up: at 1,000 webhooks/s a commit each cost
   * a second commit per message).
   */
  submit<T>(write: () => T, committed?: (value: T) => void, options?: { lazyMs?: number }): Promise<T>;
  /**
   * A write that `expectingMore` waited for arrived by another way (an outcome queued into a relay write submitted
   * before): a commit held for it looks again at the next turn instead of at its deadline.
   */
  nudge(): void;
  /**
   * Commits what is queued now, whatever it was waiting for (a lazy or held commit's timer, the gate): the store calls
   * it before closing, so a write submitted before the close is stored and answered, not failed on a closed database.
   */
  commitNow(): void;
}

interface Pending {
  write: () => unknown;
  committed?: (value: unknown) => void;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  submittedAt: number;
}

export interface GroupCommitOptions {
  /** Told about every commit and every transient failure: what /healthz reads to say whether the store is writable. */
  writeHealth?: WriteHealth;
  /** How long a write may wait for a transient failure to pass. Wavix's webhook timeout is undocumented; peers' are 2-15 s. */
  waitMs?: number;
  /** Pause between two tries while the failure lasts. */
  retryMs?: number;
  now?: () => number;
  /**
   * Whether writes that should share this commit are about to come (the relay behind, its attempts still waiting for
   * PortSIP's answers): the commit waits for them, looking again at each nudge or new write, at most `expectingMoreMs`
   * after it was due. Behind, the relay committed every one or two answers (2.7 file locks and 20 page writes per
   * message); waiting for the attempts still out gives one commit per round of attempts.
   */
  expectingMore?: () => boolean;
  expectingMoreMs?: number;
  /** Told when `expectingMore` threw: the commit then goes ahead at once, and the caller logs and counts it. */
  onHintFailed?: (error: unknown) => void;
  /** Told of each commit with the number of writes it stored (for /metrics). */
  onCommitted?: (writes: number) => void;
  /** While closed (the WAL checkpointer finishing a copy: ./walCheckpointer.ts), commits wait for it to open. */
  gate?: WriteGate;
}

export function createGroupCommit(db: Db, options: GroupCommitOptions = {}): GroupCommit {
  const now = options.now ?? Date.now;
  const waitMs = options.waitMs ?? 1_000;
  const retryMs = options.retryMs ?? 100;
  let queue: Pending[] = [];
  // What will flush the queue: nothing yet, the next turn, a retry's timer, or the timer of lazy writes (which an eager
  // write brings forward to the next turn; a retry's pause is kept).
  // 'held': due, but waiting for the writes `expectingMore` announces (a timer at the deadline, or a nudge).
  // 'gated': due, but the gate is closed; its opening flushes.
  let scheduled: 'no' | 'turn' | 'retry' | 'lazy' | 'held' | 'gated' = 'no';
  /** The timer of a lazy or a held flush. */
  let waitTimer: NodeJS.Timeout | undefined;
  const expectingMoreMs = options.expectingMoreMs ?? 2;
  /** When the held commit was first due (performance.now()), or -1. */
  let heldSince = -1;
  type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

  // The common case: every write succeeds, and runs bare (a savepoint per write cost as much as the insert itself).
  const runBare = db.transaction((batch: Pending[]): Outcome[] =>
    batch.map((item): Outcome => ({ ok: true, value: item.write() })),
  );
  // Once a write threw, the whole batch was rolled back: it runs again with a savepoint per write, so only the
  // failing one is lost. Writes are database work only (and the relay's count of the leases it gave, reset at each
  // hand-over), so running them twice is safe.
  const runIsolated = db.transaction((batch: Pending[]): Outcome[] =>
    batch.map((item): Outcome => {
      try {
        return { ok: true, value: db.transaction(item.write)() };
      } catch (error) {
        return { ok: false, error };
      }
    }),
  );

  const schedule = (delayMs: number) => {
    if (queue.length === 0) return;
    if (scheduled === 'lazy' || scheduled === 'held') {
      clearTimeout(waitTimer);
      waitTimer = undefined;
      scheduled = 'no';
    }
    if (scheduled !== 'no') return;
    scheduled = delayMs > 0 ? 'retry' : 'turn';
    if (delayMs > 0) setTimeout(flush, delayMs);
    else setImmediate(flush);
  };
  const scheduleLazy = (delayMs: number) => {
    if (scheduled !== 'no') return;
    scheduled = 'lazy';
    waitTimer = setTimeout(() => {
      waitTimer = undefined;
      flush();
    }, delayMs);
  };

  // A hint only: one that throws must not stop the commit (it runs from a timer, where a throw would end the process),
  // nor pass unseen.
  const expecting = (more: () => boolean) => {
    try {
      return more();
    } catch (error) {
      try {
        options.onHintFailed?.(error);
      } catch {
        // The report failed too (a logger that throws): the commit goes ahead all the same.
      }
      return false;
    }
  };
  /** Holds a due commit while more writes are coming, up to its deadline; true when it held. */
  const hold = () => {
    if (!options.expectingMore || queue.length === 0) return false;
    const at = performance.now();
    if (heldSince < 0) heldSince = at;
    const left = expectingMoreMs - (at - heldSince);
    if (left <= 0 || !expecting(options.expectingMore)) return false;
    scheduled = 'held';
    // Node's timers count whole milliseconds: the deadline is kept to within one.
    waitTimer = setTimeout(flush, Math.max(1, Math.round(left)));
    return true;
  };

  const reopened = () => {
    if (scheduled !== 'gated') return;
    scheduled = 'no';
    schedule(0);
  };

  /** `mode` 'now': commitNow's, past the gate, the hold and the retry's pause. */
  function flush(mode?: 'now') {
    waitTimer = undefined;
    if (queue.length === 0) {
      // A turn or a retry's timer that commitNow already did.
      if (scheduled === 'turn' || scheduled === 'retry') scheduled = 'no';
      return;
    }
    if (mode !== 'now' && options.gate?.closed) {
      scheduled = 'gated';
      options.gate.whenOpen(reopened);
      return;
    }
    // A retry's pause is over: what it waits for is the lock, not more writes.
    if (mode !== 'now' && scheduled !== 'retry' && hold()) return;
    heldSince = -1;
    scheduled = 'no';
    const batch = queue;
    queue = [];
    let outcomes: Outcome[];
    try {
      outcomes = runBare(batch);
    } catch (error) {
      // Locked or full: every write of the batch would fail the same way, isolating them would only repeat it.
      if (isTransientStoreError(error)) outcomes = batch.map(() => ({ ok: false, error }));
      else {
        try {
          outcomes = runIsolated(batch);
        } catch (commitError) {
          // The commit itself failed (disk full, I/O error): nothing of the batch is stored.
          outcomes = batch.map(() => ({ ok: false, error: commitError }));
        }
      }
    }
    const retry: Pending[] = [];
    let transient: unknown;
    for (const [i, item] of batch.entries()) {
      const outcome = outcomes[i] ?? { ok: false, error: new Error('group commit lost a write') };
      if (outcome.ok) {
        item.committed?.(outcome.value);
        item.resolve(outcome.value);
      } else if (isTransientStoreError(outcome.error)) {
        transient = outcome.error;
        if (now() - item.submittedAt < waitMs) retry.push(item);
        else item.reject(new StoreUnavailableError(outcome.error));
      } else item.reject(outcome.error);
    }
    const stored = outcomes.reduce((n, outcome) => (outcome.ok ? n + 1 : n), 0);
    if (stored > 0) options.onCommitted?.(stored);
    if (transient === undefined) options.writeHealth?.succeeded();
    else options.writeHealth?.failed(transient);
    if (retry.length > 0) {
      queue = [...retry, ...queue];
      schedule(retryMs);
      // Writes submitted meanwhile scheduled their own flush; lazy ones keep their timer.
    } else if (scheduled === 'no') schedule(0);
  }

  return {
    nudge: () => {
      if (scheduled === 'held') schedule(0);
    },
    commitNow: () => {
      if (queue.length === 0) return;
      clearTimeout(waitTimer);
      flush('now');
    },
    submit: <T>(write: () => T, committed?: (value: T) => void, submitOptions?: { lazyMs?: number }) =>
      new Promise<T>((resolve, reject) => {
        queue.push({
          write,
          committed: committed as ((value: unknown) => void) | undefined,
          resolve: resolve as (value: unknown) => void,
          reject,
          submittedAt: now(),
        });
        const lazyMs = submitOptions?.lazyMs ?? 0;
        if (lazyMs > 0) scheduleLazy(lazyMs);
        else schedule(0);
      }),
  };
}
