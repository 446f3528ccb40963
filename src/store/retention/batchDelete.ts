import type { Db } from '../database.js';
import type { RetentionTable } from './tables.js';

export interface BatchDeleted {
  /** Rows of the table itself. */
  rows: number;
  /** Rows of its children, by table. */
  children: Record<string, number>;
  /** What the deleted rows still owed, per destination (RetentionTable.unsent); absent when nothing. */
  unsent?: UnsentDeleted[];
  /** The time of the newest row taken: the next batch of the run starts there (see deleteBatch's `from`). */
  lastAt: number | null;
}

/** Dead deliveries deleted with their messages: SMS that never reached that destination. */
export interface UnsentDeleted {
  kind: string;
  destination: string;
  n: number;
}

export interface TableDeleter {
  readonly spec: RetentionTable;
  /**
   * The time before which rows may go: the later of the age limit (null: the window keeps all) and the time of the
   * `keepNewest`-th newest row. Null when nothing may go.
   */
  cutoff(ageCutoff: number | null): number | null;
  /**
   * Deletes (or rewrites, see RetentionTable.rewrite) at most `limit` of the oldest deletable rows older than `cutoff`
   * (and their children) in one transaction, none older than `from` (the previous batch's `lastAt`; null: the
   * oldest). Rows `onlyIf` keeps lie before `from` and are not read again: each batch read them all from the start,
   * so 20,000 SMS pending past RETENTION_DAYS ahead of 20,000 to delete made 1,908 batches and 21.5 s of held event
   * loop instead of 68 and 0.4 s (a probe).
   */
  deleteBatch(cutoff: number, limit: number, from: number | null): BatchDeleted;
  /** Rows still older than `cutoff`: those `onlyIf` kept, once the batches are done. */
  olderThan(cutoff: number): number;
}

const newestOf = (times: readonly number[]) => (times.length === 0 ? null : Math.max(...times));

/**
 * A spec as prepared statements. The rows of a batch are picked through the index on the time expression, oldest
 * first, so a batch costs about what it deletes; better-sqlite3 is synchronous, and ingest waits for the whole batch.
 */
export function createTableDeleter(db: Db, spec: RetentionTable): TableDeleter {
  const { at } = spec;
  // A rewrite names what goes in `spec.table` (the report's word) and the table it rewrites in `rewrite.in`.
  const table = spec.rewrite?.in ?? spec.table;
  const keys = spec.key.join(', ');
  const condition = `${at} < @cutoff AND ${at} >= @from${spec.onlyIf ? ` AND (${spec.onlyIf})` : ''}`;
  const pick = `SELECT ${keys} FROM ${table} WHERE ${condition} ORDER BY ${at} LIMIT @limit`;
  const older = db.prepare<[number], number>(`SELECT count(*) FROM ${table} WHERE ${at} < ?`).pluck();
  const newest = db.prepare<[number], number>(`SELECT ${at} FROM ${table} ORDER BY ${at} DESC LIMIT 1 OFFSET ?`).pluck();

  let deleteBatch: (cutoff: number, limit: number, from: number) => BatchDeleted;
  const children = spec.children ?? [];
  const after = spec.afterBatch === undefined ? undefined : db.prepare(spec.afterBatch);
  if (spec.rewrite && children.length > 0) throw new Error(`retention of ${spec.table}: a rewrite has no children`);
  if (spec.unsent && children.length === 0) throw new Error(`retention of ${spec.table}: unsent is read with children`);
  if (children.length === 0) {
    const remove = db
      .prepare<{ cutoff: number; limit: number; from: number }, number>(
        spec.rewrite
          ? `UPDATE ${table} SET ${spec.rewrite.set} WHERE (${keys}) IN (${pick}) RETURNING ${at}`
          : `DELETE FROM ${table} WHERE (${keys}) IN (${pick}) RETURNING ${at}`,
      )
      .pluck();
    deleteBatch = db.transaction((cutoff: number, limit: number, from: number) => {
      const taken = remove.all({ cutoff, limit, from });
      if (taken.length > 0) after?.run();
      return { rows: taken.length, children: {}, lastAt: newestOf(taken) };
    });
  } else {
    // The keys are read once and reused, so the children deleted are exactly those of the rows deleted.
    if (spec.key.length !== 1) throw new Error(`retention of ${table}: children need a one-column key`);
    const picked = db.prepare<{ cutoff: number; limit: number; from: number }, { key: number; at: number }>(
      `SELECT ${keys} AS key, ${at} AS at FROM ${table} WHERE ${condition} ORDER BY ${at} LIMIT @limit`,
    );
    const removeChildren = children.map((child) => ({
      table: child.table,
      statement: db.prepare(`DELETE FROM ${child.table} WHERE ${child.column} IN (SELECT value FROM json_each(?))`),
    }));
    const remove = db.prepare(`DELETE FROM ${table} WHERE ${keys} IN (SELECT value FROM json_each(?))`);
    const unsent = spec.unsent === undefined ? undefined : db.prepare<[string], UnsentDeleted>(spec.unsent);
    deleteBatch = db.transaction((cutoff: number, limit: number, from: number) => {
      const rows = picked.all({ cutoff, limit, from });
      if (rows.length === 0) return { rows: 0, children: {}, lastAt: null };
      const ids = rows.map((row) => row.key);
      const json = JSON.stringify(ids);
      // Read before the children go, in the same transaction: exactly what this batch deletes.
      const owed = unsent?.all(json) ?? [];
      const deleted: Record<string, number> = {};
      for (const child of removeChildren) deleted[child.table] = child.statement.run(json).changes;
      const removed = remove.run(json).changes;
      after?.run();
      const lastAt = newestOf(rows.map((row) => row.at));
      return owed.length > 0
        ? { rows: removed, children: deleted, unsent: owed, lastAt }
        : { rows: removed, children: deleted, lastAt };
    });
  }

  return {
    spec,
    cutoff: (ageCutoff) => {
      const limits: number[] = ageCutoff === null ? [] : [ageCutoff];
      if (spec.keepNewest !== undefined) {
        const oldestKept = newest.get(spec.keepNewest - 1);
        if (oldestKept !== undefined) limits.push(oldestKept);
      }
      return limits.length === 0 ? null : Math.max(...limits);
    },
    deleteBatch: (cutoff, limit, from) => deleteBatch(cutoff, limit, from ?? Number.MIN_SAFE_INTEGER),
    olderThan: (cutoff) => older.get(cutoff) ?? 0,
  };
}
