import type {
  CountryChange,
  CountryStatus,
  SenderIdOrigin,
  SenderIdRecord,
  SenderIdRequest,
  SenderIdType,
  UnannouncedChange,
} from '../../core/model/senderId.js';
import type { SenderIdsRepository } from '../../core/ports/senderIds.js';
import type { Db } from '../database.js';

interface SenderIdRow {
  id: number;
  wavix_id: string;
  value: string;
  type: SenderIdType;
  usecase: string | null;
  origin: SenderIdOrigin;
  requested_by: string | null;
  requested_at: number | null;
  created_at: number;
  deleted_at: number | null;
  last_polled_at: number | null;
  final: number;
  announcement_channel: string | null;
  announcement_ts: string | null;
  deletion_announced_at: number | null;
  deleted_by: string | null;
}

interface RequestRow {
  id: number;
  value: string;
  type: SenderIdRequest['type'];
  usecase: string;
  countries: string;
  requested_by: string;
  requested_at: number;
}

const toRequest = (row: RequestRow): SenderIdRequest => ({
  id: row.id,
  value: row.value,
  type: row.type,
  usecase: row.usecase,
  countries: row.countries.split(',').filter(Boolean),
  requestedBy: row.requested_by,
  requestedAt: row.requested_at,
});

interface CountryRow {
  sender_id: number;
  country: string;
  status: CountryStatus;
  reason: string | null;
  status_changed_at: number;
  announced_at: number | null;
}

export function createSenderIdsRepository(db: Db, now: () => number = Date.now): SenderIdsRepository {
  const insert = db.prepare(`
    INSERT INTO sender_ids (wavix_id, value, type, usecase, origin, requested_by, requested_at, created_at)
    VALUES (@wavixId, @value, @type, @usecase, @origin, @requestedBy, @requestedAt, @createdAt)
    ON CONFLICT (wavix_id) DO UPDATE SET value = excluded.value, type = excluded.type,
      usecase = coalesce(excluded.usecase, sender_ids.usecase), deleted_at = NULL, deletion_announced_at = NULL`);
  const byId = db.prepare<[number], SenderIdRow>('SELECT * FROM sender_ids WHERE id = ?');
  const byWavixId = db.prepare<[string], SenderIdRow>('SELECT * FROM sender_ids WHERE wavix_id = ?');
  const byValue = db.prepare<[string, string], SenderIdRow>(
    'SELECT * FROM sender_ids WHERE wavix_id = ? OR value = ? COLLATE NOCASE ORDER BY id',
  );
  const all = db.prepare<[], SenderIdRow>('SELECT * FROM sender_ids WHERE deleted_at IS NULL ORDER BY id');
  const nonFinal = db.prepare<[], SenderIdRow>('SELECT * FROM sender_ids WHERE deleted_at IS NULL AND final = 0 ORDER BY id');
  const countriesOf = db.prepare<[number], CountryRow>('SELECT * FROM sender_id_countries WHERE sender_id = ? ORDER BY country');
  const insertCountry = db.prepare(`
    INSERT INTO sender_id_countries (sender_id, country, status, reason, status_changed_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (sender_id, country) DO NOTHING`);
  const updateCountry = db.prepare(`
    UPDATE sender_id_countries SET status = ?, reason = ?, status_changed_at = ?, announced_at = NULL
    WHERE sender_id = ? AND country = ?`);
  const setFinal = db.prepare(`
    UPDATE sender_ids SET final = NOT EXISTS (
      SELECT 1 FROM sender_id_countries WHERE sender_id = sender_ids.id AND status = 'pending') WHERE id = ?`);
  const announced = db.prepare('UPDATE sender_ids SET announcement_channel = ?, announcement_ts = ? WHERE id = ?');
  const polled = db.prepare('UPDATE sender_ids SET last_polled_at = ? WHERE id = ?');
  const deleted = db.prepare(
    'UPDATE sender_ids SET deleted_at = ?, deleted_by = coalesce(?, deleted_by), final = 1 WHERE id = ? AND deleted_at IS NULL',
  );
  const deletionsUnannounced = db.prepare<[], SenderIdRow>(
    'SELECT * FROM sender_ids WHERE deleted_at IS NOT NULL AND deletion_announced_at IS NULL ORDER BY deleted_at, id',
  );
  const announceDeletion = db.prepare(
    'UPDATE sender_ids SET deletion_announced_at = ? WHERE id = ? AND deleted_at IS NOT NULL AND deletion_announced_at IS NULL',
  );
  const unannounced = db.prepare<[], UnannouncedChange>(`
    SELECT s.id AS senderId, s.wavix_id AS wavixId, s.value, s.requested_by AS requestedBy, c.country, c.status, c.reason,
      c.status_changed_at AS statusChangedAt
    FROM sender_id_countries c JOIN sender_ids s ON s.id = c.sender_id
    WHERE c.announced_at IS NULL AND c.status <> 'pending' AND s.deleted_at IS NULL
    ORDER BY c.status_changed_at, s.id, c.country`);
  const announce = db.prepare('UPDATE sender_id_countries SET announced_at = ? WHERE sender_id = ? AND country = ?');
  const insertRequest = db.prepare<[string, string, string, string, string, number], RequestRow>(`
    INSERT INTO sender_id_requests (value, type, usecase, countries, requested_by, requested_at)
    VALUES (?, ?, ?, ?, ?, ?) RETURNING *`);
  const requests = db.prepare<[], RequestRow>('SELECT * FROM sender_id_requests ORDER BY requested_at, id');
  const deleteRequest = db.prepare<[number]>('DELETE FROM sender_id_requests WHERE id = ?');
  const deleteRequestsBefore = db.prepare<[number]>('DELETE FROM sender_id_requests WHERE requested_at < ?');
  const announceIfUnchanged = db.prepare(`
    UPDATE sender_id_countries SET announced_at = ?
    WHERE sender_id = ? AND country = ? AND status = ? AND status_changed_at = ? AND announced_at IS NULL`);

  const hydrate = (row: SenderIdRow): SenderIdRecord => ({
    id: row.id,
    wavixId: row.wavix_id,
    value: row.value,
    type: row.type,
    usecase: row.usecase,
    origin: row.origin,
    requestedBy: row.requested_by,
    requestedAt: row.requested_at,
    createdAt: row.created_at,
    deletedAt: row.deleted_at,
    deletedBy: row.deleted_by,
    lastPolledAt: row.last_polled_at,
    final: row.final === 1,
    countries: countriesOf.all(row.id).map((c) => ({
      country: c.country,
      status: c.status,
      reason: c.reason,
      statusChangedAt: c.status_changed_at,
      announcedAt: c.announced_at,
    })),
    announcement:
      row.announcement_channel && row.announcement_ts ? { channel: row.announcement_channel, ts: row.announcement_ts } : null,
  });
  const get = (id: number) => {
    const row = byId.get(id);
    return row ? hydrate(row) : undefined;
  };
  const mustGet = (id: number) => {
    const record = get(id);
    if (!record) throw new Error(`Sender ID ${id} is not in the store`);
    return record;
  };

  const applyAllowlist = db.transaction((id: number, allowlistedIn: readonly string[]): CountryChange[] => {
    const at = now();
    const current = new Map(mustGet(id).countries.map((c) => [c.country, c.status]));
    const allowed = new Set(allowlistedIn.map((c) => c.toUpperCase()));
    const changes: CountryChange[] = [];
    for (const country of allowed) {
      const status = current.get(country);
      if (status === undefined) {
        insertCountry.run(id, country, 'approved', null, at);
        changes.push({ country, from: null, to: 'approved' });
      } else if (status !== 'approved') {
        updateCountry.run('approved', null, at, id, country);
        changes.push({ country, from: status, to: 'approved' });
      }
    }
    for (const [country, status] of current) {
      if (status === 'approved' && !allowed.has(country)) {
        updateCountry.run('removed', 'no longer in Wavix allowlisted_in', at, id, country);
        changes.push({ country, from: status, to: 'removed' });
      }
    }
    setFinal.run(id);
    return changes;
  });

  const setCountryStatus = db.transaction(
    (id: number, country: string, status: CountryStatus, reason: string | null): CountryChange | null => {
      const previous = mustGet(id).countries.find((c) => c.country === country);
      if (previous?.status === status && previous.reason === reason) return null;
      if (previous) updateCountry.run(status, reason, now(), id, country);
      else insertCountry.run(id, country, status, reason, now());
      setFinal.run(id);
      return { country, from: previous?.status ?? null, to: status };
    },
  );

  const upsert: SenderIdsRepository['upsert'] = (input) => {
    const at = now();
    insert.run({
      wavixId: input.wavixId,
      value: input.value,
      type: input.type,
      usecase: input.usecase ?? null,
      origin: input.origin,
      requestedBy: input.requestedBy ?? null,
      requestedAt: input.requestedBy ? (input.requestedAt ?? at) : null,
      createdAt: at,
    });
    const row = byWavixId.get(input.wavixId);
    if (!row) throw new Error(`Sender ID ${input.wavixId} was not stored`);
    return hydrate(row);
  };

  const addRequestedCountries = db.transaction((id: number, countries: readonly string[]) => {
    for (const country of countries) insertCountry.run(id, country.toUpperCase(), 'pending', null, now());
    setFinal.run(id);
  });

  const storeRequested = db.transaction(
    (request: SenderIdRequest, sender: { wavixId: string; value: string; type: SenderIdType }): SenderIdRecord => {
      const stored = upsert({
        ...sender,
        usecase: request.usecase,
        origin: 'smsops',
        requestedBy: request.requestedBy,
        requestedAt: request.requestedAt,
      });
      addRequestedCountries(stored.id, request.countries);
      deleteRequest.run(request.id);
      return mustGet(stored.id);
    },
  );

  return {
    upsert,
    get,
    getByWavixId: (wavixId) => {
      const row = byWavixId.get(wavixId);
      return row ? hydrate(row) : undefined;
    },
    find: (valueOrId) => byValue.all(valueOrId, valueOrId).map(hydrate),
    list: () => all.all().map(hydrate),
    listNonFinal: () => nonFinal.all().map(hydrate),
    keepRequest: (request) =>
      toRequest(
        insertRequest.get(
          request.value,
          request.type,
          request.usecase,
          request.countries.join(','),
          request.requestedBy,
          now(),
        ) as RequestRow,
      ),
    openRequests: () => requests.all().map(toRequest),
    forgetRequest: (id) => {
      deleteRequest.run(id);
    },
    forgetRequestsOlderThan: (ms) => deleteRequestsBefore.run(now() - ms).changes,
    storeRequested: (request, sender) => storeRequested(request, sender),
    addRequestedCountries: (id, countries) => addRequestedCountries(id, countries),
    applyAllowlist: (id, allowlistedIn) => applyAllowlist(id, allowlistedIn),
    setCountryStatus: (id, country, status, reason) => setCountryStatus(id, country, status, reason),
    setAnnouncement: (id, announcement) => {
      announced.run(announcement.channel, announcement.ts, id);
    },
    markPolled: (id) => {
      polled.run(now(), id);
    },
    markDeleted: (id, by = null) => deleted.run(now(), by, id).changes === 1,
    unannouncedDeletions: () => deletionsUnannounced.all().map(hydrate),
    markDeletionAnnounced: (id) => {
      announceDeletion.run(now(), id);
    },
    unannouncedChanges: () => unannounced.all(),
    markAnnounced: (id, country) => {
      announce.run(now(), id, country);
    },
    markAnnouncedIfUnchanged: (c) =>
      announceIfUnchanged.run(now(), c.senderId, c.country, c.status, c.statusChangedAt).changes === 1,
  };
}
