import { FAILED_OUTBOUND_STATUSES, HOUR_MS, hourStartOf } from '../../core/model/traffic.js';
import type { Db } from '../database.js';

/**
 * The stale hours of traffic_hourly recomputed a page of messages at a time, the event loop free between pages.
 *
 * Recomputing an hour reads every message of it: at 400 webhooks/s the current hour holds up to 1.4 million, and one
 * statement over 100,000 of them held the loop (so every webhook's ack) for 350 ms (a probe), at every traffic watch
 * (each 5 minutes), `/sms traffic` and digest. Here each page reads PAGE_ROWS messages (a few ms) and the figures are
 * written in one short transaction at the end.
 *
 * Messages change while the pages are read, so an hour is first marked "in progress" (its stale row negated): a
 * change meanwhile marks it stale again (the triggers look for the positive row only), and it is recomputed at the
 * next refresh. The figures are written only while the hour's in-progress mark still stands: a synchronous refresh
 * that took the hour over (by turning in-progress marks back into stale ones, as every refresh does first, which also
 * recovers the marks of a run cut short by a stop) has written newer figures. Stepped refreshes run one at a time.
 */
const PAGE_ROWS = 2_000;

const FAILED = new Set<string>(FAILED_OUTBOUND_STATUSES);
const FAILED_SQL = FAILED_OUTBOUND_STATUSES.map((s) => `'${s}'`).join(', ');

interface NumberCounts {
  sent: number;
  delivered: number;
  failed: number;
  inbound: number;
  relayed: number;
}

/**
 * One stepped refresh at a time per database: a second one (the traffic watch with /sms traffic or the digest) took the
 * first's in-progress marks over, and the first, writing later, took the second's mark as its own: its figures, read
 * before a message changed, were kept, the second's dropped, and the hour left unmarked (wrong until it changed again).
 * Per database, not per repository: /sms forget counts with its own (store/repositories/customerRecords.ts), and a
 * watch's count read before the erase was kept over forget's, the customer's number in its failure reasons.
 */
const queues = new WeakMap<Db, Promise<unknown>>();

export function createSteppedTrafficRefresh(
  db: Db,
  sql: { outboundAt: string; failureReason: string },
  yieldLoop: () => Promise<void> = () => new Promise((resolve) => setImmediate(resolve)),
) {
  const restoreMarks = db.prepare('UPDATE OR IGNORE traffic_stale_hours SET hour_start = -hour_start WHERE hour_start < 0');
  const dropLeftMarks = db.prepare('DELETE FROM traffic_stale_hours WHERE hour_start < 0');
  const staleHours = db
    .prepare<{ from: number; to: number }, number>(
      'SELECT hour_start FROM traffic_stale_hours WHERE hour_start >= @from AND hour_start < @to ORDER BY hour_start',
    )
    .pluck();
  const markInProgress = db.prepare('UPDATE traffic_stale_hours SET hour_start = -hour_start WHERE hour_start = ?');
  const takeMark = db.prepare('DELETE FROM traffic_stale_hours WHERE hour_start = ?');
  // Paged by (time, id) through the time index; the unary '+' as in traffic.ts' insertInbound (lookup by message id).
  const inboundPage = db
    .prepare<{ from: number; to: number; at: number; id: number; limit: number }, [number, number, string, number]>(`
    SELECT m.id, m.ingested_at, ltrim(m.to_number, '+'),
      EXISTS (SELECT 1 FROM deliveries d WHERE d.inbound_message_id = m.id AND +d.destination_kind = 'portsip'
              AND +d.status = 'delivered')
    FROM inbound_messages m
    WHERE m.ingested_at >= @from AND m.ingested_at < @to AND (m.ingested_at, m.id) > (@at, @id)
    ORDER BY m.ingested_at, m.id LIMIT @limit`)
    .raw();
  const outboundPage = db
    .prepare<
      { from: number; to: number; at: number; id: number; limit: number },
      [number, number, string, string, string | null]
    >(`
    SELECT id, ${sql.outboundAt}, ltrim(from_number, '+'), status,
      CASE WHEN status IN (${FAILED_SQL}) THEN ${sql.failureReason} END
    FROM outbound_messages
    WHERE ${sql.outboundAt} >= @from AND ${sql.outboundAt} < @to AND (${sql.outboundAt}, id) > (@at, @id)
    ORDER BY ${sql.outboundAt}, id LIMIT @limit`)
    .raw();
  const clearHour = db.prepare('DELETE FROM traffic_hourly WHERE hour_start = ?');
  const clearReasons = db.prepare('DELETE FROM traffic_failure_reasons WHERE hour_start = ?');
  const insertHour = db.prepare(`INSERT INTO traffic_hourly (hour_start, number, sent, delivered, failed, inbound, relayed)
    VALUES (@hour, @number, @sent, @delivered, @failed, @inbound, @relayed)`);
  const insertReason = db.prepare('INSERT INTO traffic_failure_reasons (hour_start, number, reason, count) VALUES (?, ?, ?, ?)');

  /** Turns in-progress marks back into stale ones: those of a run cut short, or of one this run takes over. */
  const restore = () => {
    restoreMarks.run();
    dropLeftMarks.run();
  };
  const claim = db.transaction((from: number, to: number) => {
    restore();
    const hours = staleHours.all({ from, to });
    for (const hour of hours) markInProgress.run(hour);
    return hours;
  });
  const write = db.transaction((hour: number, counts: Map<string, NumberCounts>, reasons: Map<string, Map<string, number>>) => {
    if (takeMark.run(-hour).changes === 0) return false;
    clearHour.run(hour);
    clearReasons.run(hour);
    for (const [number, c] of counts) insertHour.run({ hour, number, ...c });
    for (const [number, byReason] of reasons) {
      for (const [reason, count] of byReason) insertReason.run(hour, number, reason, count);
    }
    return true;
  });

  const countsOf = (counts: Map<string, NumberCounts>, number: string) => {
    let c = counts.get(number);
    if (!c) {
      c = { sent: 0, delivered: 0, failed: 0, inbound: 0, relayed: 0 };
      counts.set(number, c);
    }
    return c;
  };

  const recomputeHour = async (hour: number) => {
    const counts = new Map<string, NumberCounts>();
    const reasons = new Map<string, Map<string, number>>();
    const range = { from: hour, to: hour + HOUR_MS, limit: PAGE_ROWS };
    for (let at = Number.MIN_SAFE_INTEGER, id = Number.MIN_SAFE_INTEGER; ; ) {
      const rows = outboundPage.all({ ...range, at, id });
      for (const [, , number, status, reason] of rows) {
        const c = countsOf(counts, number);
        c.sent += 1;
        if (status === 'delivered') c.delivered += 1;
        if (FAILED.has(status)) c.failed += 1;
        if (reason !== null) {
          const byReason = reasons.get(number) ?? new Map<string, number>();
          byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
          reasons.set(number, byReason);
        }
      }
      const last = rows.at(-1);
      if (!last || rows.length < PAGE_ROWS) break;
      [id, at] = last;
      await yieldLoop();
    }
    for (let at = Number.MIN_SAFE_INTEGER, id = Number.MIN_SAFE_INTEGER; ; ) {
      await yieldLoop();
      const rows = inboundPage.all({ ...range, at, id });
      for (const [, , number, relayed] of rows) {
        const c = countsOf(counts, number);
        c.inbound += 1;
        c.relayed += relayed;
      }
      const last = rows.at(-1);
      if (!last || rows.length < PAGE_ROWS) break;
      [id, at] = last;
    }
    return write(hour, counts, reasons);
  };

  const refreshNow = async (fromMs: number, toMs: number): Promise<number> => {
    if (toMs <= fromMs) return 0;
    const hours = claim(hourStartOf(fromMs), toMs);
    let written = 0;
    for (const hour of hours) {
      if (await recomputeHour(hour)) written += 1;
      await yieldLoop();
    }
    return written;
  };
  return {
    /** Turns in-progress marks back into stale ones (a synchronous refresh does this first). */
    restore,
    /** The stale hours starting in [from, to), oldest first (in-progress marks are not): the synchronous refresh's too. */
    staleHours: (from: number, to: number): number[] => staleHours.all({ from, to }),
    /** Recomputes the stale hours overlapping [fromMs, toMs); resolves with how many it wrote. */
    refresh: (fromMs: number, toMs: number): Promise<number> => {
      const run = (queues.get(db) ?? Promise.resolve()).then(() => refreshNow(fromMs, toMs));
      queues.set(
        db,
        run.catch(() => undefined),
      );
      return run;
    },
  };
}
