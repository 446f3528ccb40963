import type { Alert, AlertSeverity, RaisedAlert } from '../../core/model/alert.js';
import type { AlertsRepository } from '../../core/ports/alerts.js';
import type { Db } from '../database.js';

interface Row {
  id: number;
  rule: string;
  subject_key: string;
  status: 'open' | 'resolved';
  severity: AlertSeverity;
  summary: string;
  facts: string | null;
  details: string;
  opened_at: number;
  updated_at: number;
  resolved_at: number | null;
  slack_channel: string | null;
  slack_ts: string | null;
}

const toAlert = (r: Row): Alert => ({
  id: r.id,
  rule: r.rule,
  subjectKey: r.subject_key,
  status: r.status,
  severity: r.severity,
  facts: r.facts === null ? null : (JSON.parse(r.facts) as Record<string, unknown>),
  summary: r.summary,
  details: JSON.parse(r.details) as Record<string, unknown>,
  openedAt: r.opened_at,
  updatedAt: r.updated_at,
  resolvedAt: r.resolved_at,
  slackChannel: r.slack_channel,
  slackTs: r.slack_ts,
});

export function createAlertsRepository(db: Db, now: () => number = Date.now): AlertsRepository {
  const openOne = db.prepare<[string, string], Row>(
    "SELECT * FROM alerts WHERE rule = ? AND subject_key = ? AND status = 'open'",
  );
  const insert = db.prepare(`
    INSERT INTO alerts (rule, subject_key, status, severity, summary, facts, details, opened_at, updated_at)
    VALUES (?, ?, 'open', ?, '', ?, ?, ?, ?)`);
  // The old text goes: the facts are what is shown from now on.
  const update = db.prepare("UPDATE alerts SET severity = ?, summary = '', facts = ?, details = ?, updated_at = ? WHERE id = ?");
  const resolve = db.prepare("UPDATE alerts SET status = 'resolved', resolved_at = ?, updated_at = ? WHERE id = ?");
  const byId = db.prepare<[number], Row>('SELECT * FROM alerts WHERE id = ?');
  const slack = db.prepare('UPDATE alerts SET slack_channel = ?, slack_ts = ? WHERE id = ?');
  const allOpen = db.prepare<[], Row>("SELECT * FROM alerts WHERE status = 'open' ORDER BY opened_at, id");
  const getSetting = db.prepare<[string], { value: string }>('SELECT value FROM alert_settings WHERE rule = ?');
  const putSetting = db.prepare(`
    INSERT INTO alert_settings (rule, value, updated_by, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (rule) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at`);

  const mustGet = (id: number) => {
    const row = byId.get(id);
    if (!row) throw new Error(`alert ${id} vanished`);
    return toAlert(row);
  };

  const raiseTx = db.transaction((a: RaisedAlert) => {
    const at = now();
    const details = JSON.stringify(a.details ?? {});
    const facts = JSON.stringify(a.facts);
    const existing = openOne.get(a.rule, a.subjectKey);
    if (existing) {
      update.run(a.severity, facts, details, at, existing.id);
      return { alert: mustGet(existing.id), opened: false };
    }
    const id = Number(insert.run(a.rule, a.subjectKey, a.severity, facts, details, at, at).lastInsertRowid);
    return { alert: mustGet(id), opened: true };
  });

  return {
    raise: (alert) => raiseTx(alert),
    resolve: (rule, subjectKey) => {
      const existing = openOne.get(rule, subjectKey);
      if (!existing) return undefined;
      const at = now();
      resolve.run(at, at, existing.id);
      return mustGet(existing.id);
    },
    setSlackMessage: (id, channel, ts) => {
      slack.run(channel, ts, id);
    },
    findOpen: (rule, subjectKey) => {
      const row = openOne.get(rule, subjectKey);
      return row ? toAlert(row) : undefined;
    },
    open: () => allOpen.all().map(toAlert),
    setting: (rule) => getSetting.get(rule)?.value,
    changeSetting: (rule, value, by) => {
      putSetting.run(rule, value, by, now());
    },
  };
}
