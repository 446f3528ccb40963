import type { Db } from './database.js';

/**
 * Group commit: writes submitted while the event loop is busy are run in one SQLite transaction at the next
 * turn, and each caller's promise settles only after that transaction committed. A webhook is therefore still
 * acknowledged only once it is stored, but a burst of webhooks costs one commit instead of one each.
 * A write that throws is rolled back alone and rejects alone; the others of its batch are still stored.
 */
export interface GroupCommit {
  submit<T>(write: () => T): Promise<T>;
}

interface Pending {
  write: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export function createGroupCommit(db: Db): GroupCommit {
  let queue: Pending[] = [];
  type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

  // The common case: every write succeeds, and runs bare (a savepoint per write cost as much as the insert itself).
  const runBare = db.transaction((batch: Pending[]) => batch.map((item): Outcome => ({ ok: true, value: item.write() })));
  // Once a write threw, the whole batch was rolled back: it runs again with a savepoint per write, so only the
  // failing one is lost. Writes are database work only, so running them twice is safe.
  const runIsolated = db.transaction((batch: Pending[]) =>
    batch.map((item): Outcome => {
      try {
        return { ok: true, value: db.transaction(item.write)() };
      } catch (error) {
        return { ok: false, error };
      }
    }),
  );

  const flush = () => {
    const batch = queue;
    queue = [];
    let outcomes: Outcome[];
    try {
      outcomes = runBare(batch);
    } catch {
      try {
        outcomes = runIsolated(batch);
      } catch (error) {
        // The commit itself failed (disk full, I/O error): nothing of the batch is stored, every caller is told.
        outcomes = batch.map(() => ({ ok: false, error }));
      }
    }
    for (const [i, item] of batch.entries()) {
      const outcome = outcomes[i];
      if (outcome?.ok) item.resolve(outcome.value);
      else item.reject(outcome?.error ?? new Error('group commit lost a write'));
    }
  };

  return {
    submit: <T>(write: () => T) =>
      new Promise<T>((resolve, reject) => {
        if (queue.length === 0) setImmediate(flush);
        queue.push({ write, resolve: resolve as (value: unknown) => void, reject });
      }),
  };
}
