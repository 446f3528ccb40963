import type { NewDeliveryReport, OutboundMessageUpsert, StoredDeliveryReport } from '../../core/model/outboundMessage.js';
import type { DeliveryReportsRepository } from '../../core/ports/deliveryReports.js';
import type { Db } from '../database.js';

export function createDeliveryReportsRepository(db: Db, now: () => number = Date.now): DeliveryReportsRepository {
  const upsert = db.prepare(`
    INSERT INTO outbound_messages (wavix_message_id, from_number, to_number, status, error_message, segments, charge, tag,
      submitted_at, sent_at, delivered_at, updated_at)
    VALUES (@wavixMessageId, @fromNumber, @toNumber, @status, @errorMessage, @segments, @charge, @tag, @submittedAt, @sentAt,
      @deliveredAt, @updatedAt)
    ON CONFLICT (wavix_message_id) DO UPDATE SET
      -- Reports can arrive out of order: a late interim status never replaces a final one.
      status = CASE WHEN outbound_messages.status IN ('delivered', 'undelivered', 'expired', 'rejected', 'dlr_expired')
                     AND excluded.status NOT IN ('delivered', 'undelivered', 'expired', 'rejected', 'dlr_expired')
                    THEN outbound_messages.status ELSE excluded.status END,
      error_message = coalesce(excluded.error_message, outbound_messages.error_message),
      segments = coalesce(excluded.segments, outbound_messages.segments),
      charge = coalesce(excluded.charge, outbound_messages.charge),
      tag = coalesce(excluded.tag, outbound_messages.tag),
      submitted_at = coalesce(excluded.submitted_at, outbound_messages.submitted_at),
      sent_at = coalesce(excluded.sent_at, outbound_messages.sent_at),
      delivered_at = coalesce(excluded.delivered_at, outbound_messages.delivered_at),
      updated_at = excluded.updated_at`);
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
