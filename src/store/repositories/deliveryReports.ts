import type { NewDeliveryReport, OutboundMessageUpsert, StoredDeliveryReport } from '../../core/model/outboundMessage.js';
import { STATUS_PROGRESS, UNKNOWN_STATUS_PROGRESS } from '../../core/model/wavixDeliveryStatus.js';
import type { DeliveryReportsRepository } from '../../core/ports/deliveryReports.js';
import type { Db } from '../database.js';

/** The progress (core/traffic.ts's rule) of a status, in SQL over `column` (as Wavix wrote it: any case, spaces). */
const PROGRESS_SQL = (column: string) =>
  `(CASE lower(trim(${column})) ${Object.entries(STATUS_PROGRESS)
    .map(([status, rank]) => `WHEN '${status}' THEN ${rank}`)
    .join(' ')} ELSE ${UNKNOWN_STATUS_PROGRESS} END)`;

export function createDeliveryReportsRepository(db: Db, now: () => number = Date.now): DeliveryReportsRepository {
  const upsert = db.prepare(`
    INSERT INTO outbound_messages (wavix_message_id, from_number, to_number, status, error_message, segments, charge, tag,
      submitted_at, sent_at, delivered_at, updated_at)
    VALUES (@wavixMessageId, @fromNumber, @toNumber, @status, @errorMessage, @segments, @charge, @tag, @submittedAt, @sentAt,
      @deliveredAt, @updatedAt)
    ON CONFLICT (wavix_message_id) DO UPDATE SET
      -- Reports arrive out of order (and may be posted again): a status replaces the stored one only when further
      -- along (core/traffic.ts's rule for listings), so a late "sent" or a replayed "undelivered" never undoes
      -- "delivered", while a real outcome still settles "dlr_expired". Its error goes with it.
      status = CASE WHEN ${PROGRESS_SQL('excluded.status')} > ${PROGRESS_SQL('outbound_messages.status')}
                    THEN excluded.status ELSE outbound_messages.status END,
      error_message = CASE WHEN ${PROGRESS_SQL('excluded.status')} > ${PROGRESS_SQL('outbound_messages.status')}
                             OR lower(trim(excluded.status)) = lower(trim(outbound_messages.status))
                           THEN coalesce(excluded.error_message, outbound_messages.error_message)
                           ELSE outbound_messages.error_message END,
      segments = coalesce(excluded.segments, outbound_messages.segments),
      charge = coalesce(excluded.charge, outbound_messages.charge),
      tag = coalesce(excluded.tag, outbound_messages.tag),
      submitted_at = coalesce(excluded.submitted_at, outbound_messages.submitted_at),
      sent_at = coalesce(excluded.sent_at, outbound_messages.sent_at),
      delivered_at = coalesce(excluded.delivered_at, outbound_messages.delivered_at)
      -- updated_at stays when the row was first stored: it is the time a message without Wavix's submitted_at and sent_at
      -- (known from delivery reports only) counts at, and moved by a late "delivered" it left the hour, so the day, an
      -- earlier digest had counted it in for the next digest to count again (a probe: 2 SMS sent, 4 said).
      `);
  const idOf = db.prepare<[string], { id: number }>('SELECT id FROM outbound_messages WHERE wavix_message_id = ?');
  const insertReport = db.prepare(`
    INSERT INTO delivery_reports (wavix_message_id, outbound_message_id, status, error, segments, received_at)
    VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (wavix_message_id, status) DO NOTHING`);
  const existingReport = db.prepare<[string, string], { id: number }>(
    'SELECT id FROM delivery_reports WHERE wavix_message_id = ? AND status = ?',
  );
  const reports = db.prepare<[string], StoredDeliveryReport>(`
    SELECT id, wavix_message_id AS wavixMessageId, outbound_message_id AS outboundMessageId, status, error, received_at AS receivedAt
    FROM delivery_reports WHERE wavix_message_id = ? ORDER BY id`);
  const status = db.prepare<[string], { status: string; errorMessage: string | null }>(
    'SELECT status, error_message AS errorMessage FROM outbound_messages WHERE wavix_message_id = ?',
  );

  const forgotten = db.prepare<[string], number>('SELECT 1 FROM forgotten_messages WHERE wavix_message_id = ?').pluck();

  const upsertOutbound = (m: OutboundMessageUpsert): number | null => {
    // A text to a customer `/sms forget` removed (migration 038): listed or reported again, it stays removed.
    if (forgotten.get(m.wavixMessageId) !== undefined) return null;
    upsert.run({
      wavixMessageId: m.wavixMessageId,
      fromNumber: m.fromNumber,
      toNumber: m.toNumber,
      status: m.status,
      errorMessage: m.errorMessage ?? null,
      segments: m.segments ?? null,
      charge: m.charge ?? null,
      tag: m.tag ?? null,
      submittedAt: m.submittedAt ?? null,
      sentAt: m.sentAt ?? null,
      deliveredAt: m.deliveredAt ?? null,
      updatedAt: now(),
    });
    const row = idOf.get(m.wavixMessageId);
    if (!row) throw new Error(`outbound message ${m.wavixMessageId} was not stored`);
    return row.id;
  };

  const recordTx = db.transaction((r: NewDeliveryReport) => {
    const at = now();
    const outboundMessageId = upsertOutbound({
      wavixMessageId: r.wavixMessageId,
      fromNumber: r.fromNumber,
      toNumber: r.toNumber,
      status: r.status,
      errorMessage: r.error,
      segments: r.segments,
      ...(r.status === 'delivered' ? { deliveredAt: at } : {}),
    });
    if (outboundMessageId === null) return { id: 0, duplicate: true, outboundMessageId: null };
    const result = insertReport.run(r.wavixMessageId, outboundMessageId, r.status, r.error, r.segments, at);
    if (result.changes === 0) {
      const existing = existingReport.get(r.wavixMessageId, r.status);
      return { id: existing?.id ?? 0, duplicate: true, outboundMessageId };
    }
    return { id: Number(result.lastInsertRowid), duplicate: false, outboundMessageId };
  });

  return {
    upsertOutbound,
    recordReport: (report) => recordTx(report),
    reportsFor: (id) => reports.all(id),
    outboundStatus: (id) => status.get(id),
  };
}
