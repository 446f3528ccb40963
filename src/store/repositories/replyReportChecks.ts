import {
  type HeldReplyReport,
  MAX_HELD_PER_REPLY,
  type ReplyReportChecksRepository,
} from '../../core/ports/replyReportChecks.js';
import type { Db } from '../database.js';

interface Row {
  id: number;
  reply_id: number;
  wavix_message_id: string;
  status: string;
  error: string | null;
  segments: number | null;
  received_at: number;
  tries: number;
}

const toHeld = (r: Row): HeldReplyReport => ({
  id: r.id,
  replyId: r.reply_id,
  wavixMessageId: r.wavix_message_id,
  status: r.status,
  error: r.error,
  segments: r.segments,
  receivedAt: r.received_at,
  tries: r.tries,
});

const ERROR_MAX = 500;

/** Delivery reports of replies held until Wavix confirms them (migration 046). */
export function createReplyReportChecksRepository(db: Db): ReplyReportChecksRepository {
  const waitingFor = db
    .prepare<[number], number>('SELECT count(*) FROM reply_report_checks WHERE reply_id = ? AND due_at IS NOT NULL')
    .pluck();
  const insert = db.prepare(`
    INSERT INTO reply_report_checks (reply_id, wavix_message_id, status, error, segments, received_at, due_at)
    VALUES (@replyId, @wavixMessageId, @status, @error, @segments, @receivedAt, @receivedAt)
    ON CONFLICT (reply_id, wavix_message_id, status) DO NOTHING`);
  const due = db.prepare<[number, number], Row>(
    'SELECT * FROM reply_report_checks WHERE due_at IS NOT NULL AND due_at <= ? ORDER BY due_at, id LIMIT ?',
  );
  const askAgain = db.prepare<[number, number]>(
    'UPDATE reply_report_checks SET due_at = ?, tries = tries + 1 WHERE id = ? AND due_at IS NOT NULL',
  );
  const decide = db.prepare<[string, number]>('UPDATE reply_report_checks SET outcome = ?, due_at = NULL WHERE id = ?');
  const waiting = db.prepare<[], number>('SELECT count(*) FROM reply_report_checks WHERE due_at IS NOT NULL').pluck();

  return {
    hold: (report) => {
      if ((waitingFor.get(report.replyId) ?? 0) >= MAX_HELD_PER_REPLY) return 'too_many';
      const { changes } = insert.run({
        ...report,
        status: report.status.slice(0, 40),
        error: report.error?.slice(0, ERROR_MAX) ?? null,
      });
      return changes > 0 ? 'held' : 'repeat';
    },
    due: (at, limit) => due.all(at, limit).map(toHeld),
    askAgainAt: (id, dueAt) => void askAgain.run(dueAt, id),
    decide: (id, outcome) => void decide.run(outcome, id),
    waiting: () => waiting.get() ?? 0,
  };
}
