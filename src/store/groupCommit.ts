import type { Db } from './database.js';

/**
 * Group commit: writes submitted while the event loop is busy are run in one SQLite transaction at the next
 * turn, and each caller's promise settles only after that transaction committed. A webhook is therefore still
 * acknowledged only once it is stored, but a burst of webhooks costs one commit instead of one each.
 * Each write runs in its own savepoint, so one that throws is rolled back alone and rejects alone.
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
  const results = new Map<Pending, { ok: true; value: unknown } | { ok: false; error: unknown }>();
  const runAll = db.transaction((batch: Pending[]) => {
    for (const item of batch) {
      try {
        results.set(item, { ok: true, value: db.transaction(item.write)() });
      } catch (error) {
        results.set(item, { ok: false, error });
      }
    }
  });

  const flush = () => {
    const batch = queue;
    queue = [];
    try {
      runAll(batch);
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of the batch is stored, every caller is told.
      for (const item of batch) results.set(item, { ok: false, error });
    }
    for (const item of batch) {
      const result = results.get(item);
      results.delete(item);
      if (result?.ok) item.resolve(result.value);
      else item.reject(result?.error ?? new Error('group commit lost a write'));
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
