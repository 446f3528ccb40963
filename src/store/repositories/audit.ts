import {
  type AuditOutcome,
  CHANGE_IN_PROGRESS,
  CHANGE_INTERRUPTED,
  LOCAL_CHANGE_ACTIONS,
  LOCAL_CHANGE_INTERRUPTED,
} from '../../core/model/audit.js';
import type { AuditRepository } from '../../core/ports/audit.js';
import type { Db } from '../database.js';

interface AuditRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  params: string;
  outcome: AuditOutcome;
  detail: string | null;
}

export function createAuditRepository(db: Db, now: () => number = Date.now): AuditRepository {
  const insert = db.prepare(
    'INSERT INTO audit_log (at, actor, action, target, params, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const recent = db.prepare<[number, number], AuditRow>('SELECT * FROM audit_log ORDER BY at DESC, id DESC LIMIT ? OFFSET ?');
  const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM audit_log');
  const complete = db.prepare('UPDATE audit_log SET outcome = ?, detail = ?, params = ? WHERE id = ?');
  // Not AUTOINCREMENT: the next entry recorded takes the id after this one.
  const moveToNow = db.prepare<[number, number], { id: number }>(
    'UPDATE audit_log SET id = (SELECT MAX(id) + 1 FROM audit_log), at = ? WHERE id = ? RETURNING id',
  );
  const local = LOCAL_CHANGE_ACTIONS.map((action) => `'${action}'`).join(', ');
  const interrupt = db.prepare(
    `UPDATE audit_log SET detail = CASE WHEN action IN (${local}) THEN @local ELSE @wavix END
     WHERE outcome = 'unknown' AND detail = @inProgress`,
  );
  return {
    record: (entry) =>
      Number(
        insert.run(
          now(),
          entry.actor,
          entry.action,
          entry.target ?? null,
          JSON.stringify(entry.params ?? {}),
          entry.outcome,
          entry.detail ?? null,
        ).lastInsertRowid,
      ),
    complete: (id, { outcome, detail, params }) => {
      complete.run(outcome, detail ?? null, JSON.stringify(params), id);
    },
    movedToNow: (id) => moveToNow.get(now(), id)?.id ?? id,
    markInterrupted: () =>
      interrupt.run({ local: LOCAL_CHANGE_INTERRUPTED, wavix: CHANGE_INTERRUPTED, inProgress: CHANGE_IN_PROGRESS }).changes,
    count: () => count.get()?.n ?? 0,
    recent: (limit, offset = 0) =>
      recent.all(limit, offset).map((row) => ({ ...row, params: JSON.parse(row.params) as Record<string, unknown> })),
  };
}
