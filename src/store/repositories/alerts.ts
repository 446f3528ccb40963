import type { Db } from '../database.js';

export type AlertSeverity = 'info' | 'warning' | 'critical';

export interface Alert {
  id: number;
  rule: string;
  subjectKey: string;
  status: 'open' | 'resolved';
  severity: AlertSeverity;
  summary: string;
  details: Record<string, unknown>;
  openedAt: number;
  updatedAt: number;
  resolvedAt: number | null;
  slackChannel: string | null;
  slackTs: string | null;
}

interface Row {
  id: number;
  rule: string;
  subject_key: string;
  status: 'open' | 'resolved';
  severity: AlertSeverity;
  summary: string;
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
  summary: r.summary,
  details: JSON.parse(r.details) as Record<string, unknown>,
  openedAt: r.opened_at,
  updatedAt: r.updated_at,
  resolvedAt: r.resolved_at,
  slackChannel: r.slack_channel,
  slackTs: r.slack_ts,
});

export interface AlertsRepository {
  /** Opens the alert, or updates the open one for the same rule and subject: `opened` says which (fire once). */
  raise(alert: {
    rule: string;
    subjectKey: string;
    severity: AlertSeverity;
    summary: string;
    details?: Record<string, unknown>;
  }): {
    alert: Alert;
    opened: boolean;
  };
  /** Resolves the open alert, if any, and returns it (so its Slack message can say "resolved"). */
  resolve(rule: string, subjectKey: string): Alert | undefined;
  setSlackMessage(id: number, channel: string, ts: string): void;
  /** The open alert for this rule and subject, if any. */
  findOpen(rule: string, subjectKey: string): Alert | undefined;
  open(): Alert[];
  /** A threshold changed from Slack, or undefined for the built-in default. */
  setting(rule: string): string | undefined;
  changeSetting(rule: string, value: string, by: string): void;
}

export function createAlertsRepository(db: Db, now: () => number = Date.now): AlertsRepository {
  const openOne = db.prepare<[string, string], Row>(
    "SELECT * FROM alerts WHERE rule = ? AND subject_key = ? AND status = 'open'",
  );
  const insert = db.prepare(`
    INSERT INTO alerts (rule, subject_key, status, severity, summary, details, opened_at, updated_at)
    VALUES (?, ?, 'open', ?, ?, ?, ?, ?)`);
  const update = db.prepare('UPDATE alerts SET severity = ?, summary = ?, details = ?, updated_at = ? WHERE id = ?');
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

  const raiseTx = db.transaction(
    (a: { rule: string; subjectKey: string; severity: AlertSeverity; summary: string; details?: Record<string, unknown> }) => {
      const at = now();
      const details = JSON.stringify(a.details ?? {});
      const existing = openOne.get(a.rule, a.subjectKey);
      if (existing) {
        update.run(a.severity, a.summary, details, at, existing.id);
        return { alert: mustGet(existing.id), opened: false };
      }
      const id = Number(insert.run(a.rule, a.subjectKey, a.severity, a.summary, details, at, at).lastInsertRowid);
      return { alert: mustGet(id), opened: true };
    },
  );

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
