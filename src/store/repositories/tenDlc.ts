import type { Db } from '../database.js';

export type TenDlcKind = 'brand' | 'campaign' | 'number';
export type TenDlcSource = 'baseline' | 'poll' | 'webhook';

/** One status as Wavix reported it: by a poll (brands, campaigns) or a status-change webhook (all three kinds). */
export interface TenDlcObservation {
  kind: TenDlcKind;
  brandId: string;
  campaignId?: string | null;
  /** Wavix digits, for a number on a campaign. */
  number?: string | null;
  status: string;
  /** Brand DBA/company name or campaign name; webhooks carry none, so a known label is kept. */
  label?: string | null;
}

export interface TenDlcStatus {
  kind: TenDlcKind;
  subjectKey: string;
  brandId: string;
  campaignId: string | null;
  number: string | null;
  label: string | null;
  status: string;
  previousStatus: string | null;
  source: TenDlcSource;
  statusChangedAt: number;
  seenAt: number;
  changeSeq: number;
  announcedAt: number | null;
}

interface Row {
  kind: TenDlcKind;
  subject_key: string;
  brand_id: string;
  campaign_id: string | null;
  number: string | null;
  label: string | null;
  status: string;
  previous_status: string | null;
  source: TenDlcSource;
  status_changed_at: number;
  seen_at: number;
  change_seq: number;
  announced_at: number | null;
}

export interface TenDlcRepository {
  baselineRecorded(): boolean;
  /**
   * The first poll: what exists now is recorded as known and announced (it is not news), and the baseline is marked
   * taken. A subject already known (a webhook came first) keeps its state.
   */
  recordBaseline(observations: readonly TenDlcObservation[]): TenDlcStatus[];
  /**
   * Records a status. Returns the record when it is a change (a new subject, or a status other than the last known):
   * that change stays unannounced until `markAnnounced`. The same status again (a poll after its webhook, a webhook
   * repeated) returns null and only refreshes the label and when it was seen.
   */
  observe(observation: TenDlcObservation, source: Exclude<TenDlcSource, 'baseline'>): TenDlcStatus | null;
  get(kind: TenDlcKind, subjectKey: string): TenDlcStatus | undefined;
  /** Every subject of one kind (a reply checks whether its US number is on an approved campaign). */
  ofKind(kind: TenDlcKind): TenDlcStatus[];
  unannounced(): TenDlcStatus[];
  /** Marks a change announced, unless a newer change replaced it meanwhile (then that one is still to announce). */
  markAnnounced(change: Pick<TenDlcStatus, 'kind' | 'subjectKey' | 'changeSeq'>): boolean;
}

/** brand_id; campaign_id (unique across brands in TCR); campaign_id:number. */
export function tenDlcSubjectKey(observation: Pick<TenDlcObservation, 'kind' | 'brandId' | 'campaignId' | 'number'>): string {
  if (observation.kind === 'brand') return observation.brandId;
  if (observation.kind === 'campaign') return observation.campaignId ?? '';
  return `${observation.campaignId ?? ''}:${observation.number ?? ''}`;
}

const hydrate = (row: Row): TenDlcStatus => ({
  kind: row.kind,
  subjectKey: row.subject_key,
  brandId: row.brand_id,
  campaignId: row.campaign_id,
  number: row.number,
  label: row.label,
  status: row.status,
  previousStatus: row.previous_status,
  source: row.source,
  statusChangedAt: row.status_changed_at,
  seenAt: row.seen_at,
  changeSeq: row.change_seq,
  announcedAt: row.announced_at,
});

export function createTenDlcRepository(db: Db, now: () => number = Date.now): TenDlcRepository {
  const select = db.prepare<[string, string], Row>('SELECT * FROM ten_dlc_statuses WHERE kind = ? AND subject_key = ?');
  const insert = db.prepare(`
    INSERT INTO ten_dlc_statuses (kind, subject_key, brand_id, campaign_id, number, label, status, source,
      status_changed_at, seen_at, announced_at)
    VALUES (@kind, @key, @brandId, @campaignId, @number, @label, @status, @source, @at, @at, @announcedAt)`);
  const change = db.prepare(`
    UPDATE ten_dlc_statuses SET previous_status = status, status = @status, source = @source, status_changed_at = @at,
      seen_at = @at, label = coalesce(@label, label), change_seq = change_seq + 1, announced_at = NULL
    WHERE kind = @kind AND subject_key = @key`);
  const seen = db.prepare(`
    UPDATE ten_dlc_statuses SET seen_at = @at, label = coalesce(@label, label) WHERE kind = @kind AND subject_key = @key`);
  const ofKind = db.prepare<[TenDlcKind], Row>('SELECT * FROM ten_dlc_statuses WHERE kind = ? ORDER BY subject_key');
  const unannounced = db.prepare<[], Row>(
    'SELECT * FROM ten_dlc_statuses WHERE announced_at IS NULL ORDER BY status_changed_at, kind, subject_key',
  );
  const announce = db.prepare(
    'UPDATE ten_dlc_statuses SET announced_at = ? WHERE kind = ? AND subject_key = ? AND change_seq = ? AND announced_at IS NULL',
  );
  const baselineRow = db.prepare<[], { recorded_at: number }>('SELECT recorded_at FROM ten_dlc_baseline WHERE id = 1');
  const markBaseline = db.prepare('INSERT INTO ten_dlc_baseline (id, recorded_at) VALUES (1, ?) ON CONFLICT (id) DO NOTHING');

  const params = (o: TenDlcObservation, source: TenDlcSource, at: number) => ({
    kind: o.kind,
    key: tenDlcSubjectKey(o),
    brandId: o.brandId,
    campaignId: o.campaignId ?? null,
    number: o.number ?? null,
    label: o.label ?? null,
    status: o.status,
    source,
    at,
  });
  const mustGet = (kind: TenDlcKind, key: string): TenDlcStatus => {
    const row = select.get(kind, key);
    if (!row) throw new Error(`10DLC ${kind} ${key} is not in the store`);
    return hydrate(row);
  };

  const observe = db.transaction((o: TenDlcObservation, source: 'poll' | 'webhook'): TenDlcStatus | null => {
    const p = params(o, source, now());
    const known = select.get(p.kind, p.key);
    if (!known) insert.run({ ...p, announcedAt: null });
    else if (known.status !== o.status) change.run(p);
    else {
      seen.run(p);
      return null;
    }
    return mustGet(p.kind, p.key);
  });

  const recordBaseline = db.transaction((observations: readonly TenDlcObservation[]): TenDlcStatus[] => {
    const at = now();
    const recorded: TenDlcStatus[] = [];
    for (const o of observations) {
      const p = params(o, 'baseline', at);
      if (select.get(p.kind, p.key)) seen.run(p);
      else insert.run({ ...p, announcedAt: at });
      recorded.push(mustGet(p.kind, p.key));
    }
    markBaseline.run(at);
    return recorded;
  });

  return {
    baselineRecorded: () => baselineRow.get() !== undefined,
    recordBaseline: (observations) => recordBaseline(observations),
    observe: (observation, source) => observe(observation, source),
    get: (kind, subjectKey) => {
      const row = select.get(kind, subjectKey);
      return row ? hydrate(row) : undefined;
    },
    ofKind: (kind) => ofKind.all(kind).map(hydrate),
    unannounced: () => unannounced.all().map(hydrate),
    markAnnounced: (c) => announce.run(now(), c.kind, c.subjectKey, c.changeSeq).changes === 1,
  };
}
