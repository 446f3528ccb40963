import { REPLY_TAG_PREFIX } from '../../core/conversations/replyTag.js';
import {
  FAILED_OUTBOUND_STATUSES,
  type FailureReason,
  failureReasonShown,
  HOUR_MS,
  hourStartOf,
  mergeFailureReasons,
  type NumberTraffic,
  normaliseTrafficNumber,
  type TrafficCounts,
  type TrafficHour,
} from '../../core/model/traffic.js';
import type { TrafficRepository } from '../../core/ports/traffic.js';
import type { Db } from '../database.js';
import { createSteppedTrafficRefresh } from './trafficSteps.js';

const DAY_MS = 24 * HOUR_MS;

const FAILED_SQL = FAILED_OUTBOUND_STATUSES.map((s) => `'${s}'`).join(', ');
// The same expression as the outbound_messages_traffic_at index and the triggers of migration 010: SQLite uses the
// index only for this exact text, and a trigger marks the hour this expression gives as stale.
const OUTBOUND_AT = 'coalesce(submitted_at, sent_at, updated_at)';
// Why a reply typed in Slack failed is shown in its thread only (to that channel's members): Wavix's words may quote
// the reply's text. Everywhere reasons are shared, a reply's failure is its status.
const FAILURE_REASON_SQL = `CASE WHEN tag LIKE '${REPLY_TAG_PREFIX}%' THEN status
  ELSE coalesce(nullif(trim(error_message), ''), status) END`;
const SUMS = `coalesce(sum(sent), 0) AS sent, coalesce(sum(delivered), 0) AS delivered, coalesce(sum(failed), 0) AS failed,
  coalesce(sum(inbound), 0) AS inbound, coalesce(sum(relayed), 0) AS relayed`;

interface Range {
  from: number;
  to: number;
  number: string | null;
}

const shownTopFailure = (reason: string | undefined) => (reason === undefined ? null : failureReasonShown(reason));

/** Rows of traffic_hourly read before the event loop gets a turn (a few ms). */
const PAGE_ROWS = 2_000;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function createTrafficRepository(
  db: Db,
  now: () => number = Date.now,
  yieldLoop: () => Promise<void> = nextTurn,
): TrafficRepository {
  const clearHours = db.prepare('DELETE FROM traffic_hourly WHERE hour_start >= @from AND hour_start < @to');
  const clearReasons = db.prepare('DELETE FROM traffic_failure_reasons WHERE hour_start >= @from AND hour_start < @to');
  const clearStale = db.prepare('DELETE FROM traffic_stale_hours WHERE hour_start >= @from AND hour_start < @to');
  const insertOutbound = db.prepare(`
    INSERT INTO traffic_hourly (hour_start, number, sent, delivered, failed)
    SELECT (at / ${HOUR_MS}) * ${HOUR_MS}, ltrim(from_number, '+'), count(*), sum(status = 'delivered'),
      sum(status IN (${FAILED_SQL}))
    FROM (SELECT ${OUTBOUND_AT} AS at, from_number, status FROM outbound_messages
          WHERE ${OUTBOUND_AT} >= @from AND ${OUTBOUND_AT} < @to)
    GROUP BY 1, 2`);
  const insertReasons = db.prepare(`
    INSERT INTO traffic_failure_reasons (hour_start, number, reason, count)
    SELECT (at / ${HOUR_MS}) * ${HOUR_MS}, ltrim(from_number, '+'), reason, count(*)
    FROM (SELECT ${OUTBOUND_AT} AS at, from_number, ${FAILURE_REASON_SQL} AS reason
          FROM outbound_messages
          WHERE ${OUTBOUND_AT} >= @from AND ${OUTBOUND_AT} < @to AND status IN (${FAILED_SQL}))
    GROUP BY 1, 2, 3`);
  // Inbound counts by ingested_at, smsops' own clock: always set and indexed, unlike Wavix's received_at (nullable
  // when unparseable, and another machine's clock). Relayed means PortSIP accepted it, the relay's whole purpose.
  // The unary '+' keeps SQLite from answering the lookup with deliveries_due (kind, status, …), which would scan
  // every delivered PortSIP delivery once per message; the lookup goes by message id instead.
  const insertInbound = db.prepare(`
    INSERT INTO traffic_hourly (hour_start, number, inbound, relayed)
    SELECT (m.ingested_at / ${HOUR_MS}) * ${HOUR_MS}, ltrim(m.to_number, '+'), count(*),
      sum(EXISTS (SELECT 1 FROM deliveries d WHERE d.inbound_message_id = m.id AND +d.destination_kind = 'portsip'
                  AND +d.status = 'delivered'))
    FROM inbound_messages m
    WHERE m.ingested_at >= @from AND m.ingested_at < @to
    GROUP BY 1, 2
    ON CONFLICT (hour_start, number) DO UPDATE SET inbound = excluded.inbound, relayed = excluded.relayed`);

  const hourlySums = db.prepare<Range, TrafficHour>(`
    SELECT hour_start AS hourStart, ${SUMS} FROM traffic_hourly
    WHERE hour_start >= @from AND hour_start < @to AND (@number IS NULL OR number = @number)
    GROUP BY hour_start`);
  const totalSums = db.prepare<Range, TrafficCounts>(`
    SELECT ${SUMS} FROM traffic_hourly
    WHERE hour_start >= @from AND hour_start < @to AND (@number IS NULL OR number = @number)`);
  const numberSums = db.prepare<Omit<Range, 'number'>, NumberTraffic>(`
    SELECT number, ${SUMS} FROM traffic_hourly WHERE hour_start >= @from AND hour_start < @to
    GROUP BY number
    HAVING sum(sent) + sum(inbound) > 0
    ORDER BY sum(sent) + sum(inbound) DESC, number`);
  // A page of an hour's rows in key order (hour_start, number): a few ms each however many numbers the hour holds.
  const hourPage = db
    .prepare<{ hour: number; after: string; limit: number }, [string, number, number]>(
      'SELECT number, sent, inbound FROM traffic_hourly WHERE hour_start = @hour AND number > @after ORDER BY number LIMIT @limit',
    )
    .raw();
  const reasons = db.prepare<Range & { limit: number }, FailureReason>(`
    SELECT reason, sum(count) AS count FROM traffic_failure_reasons
    WHERE hour_start >= @from AND hour_start < @to AND (@number IS NULL OR number = @number)
    GROUP BY reason ORDER BY count DESC, reason LIMIT @limit`);
  const exactOutbound = db.prepare<{ from: number; to: number }, { number: string; delivered: number; failed: number }>(`
    SELECT ltrim(from_number, '+') AS number, sum(status = 'delivered') AS delivered, sum(status IN (${FAILED_SQL})) AS failed
    FROM outbound_messages WHERE ${OUTBOUND_AT} >= @from AND ${OUTBOUND_AT} < @to
    GROUP BY 1 ORDER BY count(*) DESC, 1`);
  // Every sending number's commonest failure in one statement over the hour's failed messages: one query per number
  // read the hour again each time, and 3,000 numbers with a failure each held the event loop for 9 s
  // (bench/trafficWatchLoop.ts). Ties go to the reason first in order, as before.
  const exactTopFailures = db.prepare<{ from: number; to: number }, { number: string; reason: string }>(`
    SELECT number, reason FROM (
      SELECT ltrim(from_number, '+') AS number, ${FAILURE_REASON_SQL} AS reason,
        row_number() OVER (PARTITION BY ltrim(from_number, '+') ORDER BY count(*) DESC, ${FAILURE_REASON_SQL}) AS rank
      FROM outbound_messages
      WHERE ${OUTBOUND_AT} >= @from AND ${OUTBOUND_AT} < @to AND status IN (${FAILED_SQL})
      GROUP BY 1, 2)
    WHERE rank = 1`);
  // Read from the messages themselves (indexed by to_number, ingested_at): the "inbound stopped" rule must not
  // depend on how recently the rollups were rebuilt. Wavix writes numbers without '+'; both forms are looked up.
  const lastInbound = db.prepare<[string, string], { at: number | null }>(
    'SELECT max(ingested_at) AS at FROM inbound_messages WHERE to_number IN (?, ?)',
  );
  const inboundCount = db.prepare<[string, string, number, number], { n: number }>(
    'SELECT count(*) AS n FROM inbound_messages WHERE to_number IN (?, ?) AND ingested_at >= ? AND ingested_at < ?',
  );

  /** The hours overlapping [fromMs, toMs): those starting from fromMs's hour and before toMs. */
  const range = (fromMs: number, toMs: number, number?: string): Range => ({
    from: hourStartOf(fromMs),
    to: toMs,
    number: number === undefined ? null : normaliseTrafficNumber(number),
  });

  /** Recomputes the hours starting in [from, to), both on hour boundaries. Callers hold a transaction. */
  const recompute = (hours: { from: number; to: number }) => {
    clearHours.run(hours);
    clearReasons.run(hours);
    insertOutbound.run(hours);
    insertReasons.run(hours);
    insertInbound.run(hours);
    clearStale.run(hours);
  };
  const stepped = createSteppedTrafficRefresh(db, { outboundAt: OUTBOUND_AT, failureReason: FAILURE_REASON_SQL });
  // Both take over the hours a stepped refresh is reading (its figures for them are then dropped, these are newer).
  const rebuildTx = db.transaction((fromMs: number, toMs: number) => {
    if (toMs <= fromMs) return;
    stepped.restore();
    recompute({ from: hourStartOf(fromMs), to: Math.ceil(toMs / HOUR_MS) * HOUR_MS });
  });
  const refreshTx = db.transaction((fromMs: number, toMs: number) => {
    if (toMs <= fromMs) return 0;
    stepped.restore();
    const hours = stepped.staleHours(hourStartOf(fromMs), toMs);
    // Consecutive stale hours are recomputed as one range: one scan each instead of one per hour.
    let run: { from: number; to: number } | undefined;
    for (const hour of hours) {
      if (run && run.to === hour) run.to += HOUR_MS;
      else {
        if (run) recompute(run);
        run = { from: hour, to: hour + HOUR_MS };
      }
    }
    if (run) recompute(run);
    return hours.length;
  });

  return {
    rebuild: (fromMs, toMs) => rebuildTx(fromMs, toMs),
    refresh: (fromMs, toMs) => refreshTx(fromMs, toMs),
    refreshInSteps: (fromMs, toMs) => stepped.refresh(fromMs, toMs),
    hourly: (fromMs, toMs, number) => {
      const r = range(fromMs, toMs, number);
      const byHour = new Map(hourlySums.all(r).map((row) => [row.hourStart, row]));
      const hours: TrafficHour[] = [];
      for (let hourStart = r.from; hourStart < r.to; hourStart += HOUR_MS) {
        hours.push(byHour.get(hourStart) ?? { hourStart, sent: 0, delivered: 0, failed: 0, inbound: 0, relayed: 0 });
      }
      return hours;
    },
    totals: (fromMs, toMs, number) => {
      const row = totalSums.get(range(fromMs, toMs, number));
      return row ?? { sent: 0, delivered: 0, failed: 0, inbound: 0, relayed: 0 };
    },
    perNumber: (fromMs, toMs) => numberSums.all({ from: hourStartOf(fromMs), to: toMs }),
    inboundNumbersInSteps: async (fromMs, toMs) => {
      const busy = new Map<string, number>();
      const inbound = new Set<string>();
      for (let hour = hourStartOf(fromMs); hour < toMs; hour += HOUR_MS) {
        for (let after = ''; ; ) {
          const rows = hourPage.all({ hour, after, limit: PAGE_ROWS });
          for (const [number, sent, received] of rows) {
            busy.set(number, (busy.get(number) ?? 0) + sent + received);
            if (received > 0) inbound.add(number);
          }
          await yieldLoop();
          const last = rows.at(-1);
          if (!last || rows.length < PAGE_ROWS) break;
          after = last[0];
        }
      }
      // perNumber's order: busiest first, then by number (digits and Sender IDs, ASCII: SQLite's BINARY order).
      const count = (n: string) => busy.get(n) ?? 0;
      return [...inbound].sort((a, b) => count(b) - count(a) || (a < b ? -1 : a > b ? 1 : 0));
    },
    // A few more read than shown: reasons that differ only by the number they quote are merged once it is masked.
    failureReasons: (fromMs, toMs, number, limit = 5) =>
      mergeFailureReasons(reasons.all({ ...range(fromMs, toMs, number), limit: limit * 4 }), limit),
    outboundFinished: (fromMs, toMs) => {
      const topFailures = new Map(exactTopFailures.all({ from: fromMs, to: toMs }).map((r) => [r.number, r.reason]));
      return exactOutbound.all({ from: fromMs, to: toMs }).map((row) => ({
        ...row,
        topFailure: row.failed > 0 ? shownTopFailure(topFailures.get(row.number)) : null,
      }));
    },
    lastInboundAt: (number) => {
      const digits = normaliseTrafficNumber(number);
      return lastInbound.get(digits, `+${digits}`)?.at ?? null;
    },
    inboundDailyAverage: (number, days, untilMs = now()) => {
      if (days <= 0) return 0;
      const digits = normaliseTrafficNumber(number);
      const n = inboundCount.get(digits, `+${digits}`, untilMs - days * DAY_MS, untilMs)?.n ?? 0;
      return n / days;
    },
    inboundCount: (number, fromMs, toMs) => {
      const digits = normaliseTrafficNumber(number);
      return inboundCount.get(digits, `+${digits}`, fromMs, toMs)?.n ?? 0;
    },
  };
}
