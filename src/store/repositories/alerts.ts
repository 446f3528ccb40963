import type { Alert, AlertMute, AlertQuiet, AlertSeverity, RaisedAlert } from '../../core/model/alert.js';
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
  acknowledged_by: string | null;
  acknowledged_at: number | null;
  acknowledged_severity: AlertSeverity | null;
}

interface SnoozeRow {
  until: number;
  snoozed_by: string;
  snoozed_at: number;
}

const toAlert = (r: Row, quiet: AlertQuiet | null): Alert => ({
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
  acknowledged:
    r.acknowledged_by !== null && r.acknowledged_at !== null
      ? { by: r.acknowledged_by, at: r.acknowledged_at, severity: r.acknowledged_severity ?? r.severity }
      : null,
  quiet,
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
  const resolvedIn = db.prepare<[number, number], Row>(
    "SELECT * FROM alerts WHERE status = 'resolved' AND resolved_at >= ? AND resolved_at < ? ORDER BY resolved_at, id",
  );
  const getSetting = db.prepare<[string], { value: string }>('SELECT value FROM alert_settings WHERE rule = ?');
  const putSetting = db.prepare(`
    INSERT INTO alert_settings (rule, value, updated_by, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (rule) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at`);

  const ack = db.prepare(
    "UPDATE alerts SET acknowledged_by = ?, acknowledged_at = ?, acknowledged_severity = severity WHERE id = ? AND status = 'open'",
  );
  const unack = db.prepare(
    'UPDATE alerts SET acknowledged_by = NULL, acknowledged_at = NULL, acknowledged_severity = NULL WHERE id = ?',
  );
  const snoozeOf = db.prepare<[string, string, number], SnoozeRow>(
    'SELECT until, snoozed_by, snoozed_at FROM alert_snoozes WHERE rule = ? AND subject_key = ? AND until > ?',
  );
  const putSnooze = db.prepare(`
    INSERT INTO alert_snoozes (rule, subject_key, until, snoozed_by, snoozed_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (rule, subject_key) DO UPDATE SET until = excluded.until, snoozed_by = excluded.snoozed_by,
      snoozed_at = excluded.snoozed_at`);
  const endedSnoozes = db.prepare<[number], { rule: string; subject_key: string }>(
    'SELECT rule, subject_key FROM alert_snoozes WHERE until <= ? ORDER BY until',
  );
  const dropSnooze = db.prepare('DELETE FROM alert_snoozes WHERE rule = ? AND subject_key = ?');
  const muteOf = db.prepare<[string], { muted_by: string; muted_at: number }>(
    'SELECT muted_by, muted_at FROM alert_mutes WHERE rule = ?',
  );
  const putMute = db.prepare('INSERT INTO alert_mutes (rule, muted_by, muted_at) VALUES (?, ?, ?) ON CONFLICT (rule) DO NOTHING');
  const dropMute = db.prepare('DELETE FROM alert_mutes WHERE rule = ?');
  const allMutes = db.prepare<[], { rule: string; muted_by: string; muted_at: number }>(
    'SELECT rule, muted_by, muted_at FROM alert_mutes ORDER BY rule',
  );

  // A mute outranks a snooze: it lasts until someone lifts it.
  const quietOf = (rule: string, subjectKey: string): AlertQuiet | null => {
    const muted = muteOf.get(rule);
    if (muted) return { kind: 'muted', by: muted.muted_by, at: muted.muted_at };
    const snoozed = snoozeOf.get(rule, subjectKey, now());
    return snoozed ? { kind: 'snoozed', until: snoozed.until, by: snoozed.snoozed_by, at: snoozed.snoozed_at } : null;
  };
  const fromRow = (row: Row) => toAlert(row, quietOf(row.rule, row.subject_key));

  const mustGet = (id: number) => {
    const row = byId.get(id);
    if (!row) throw new Error(`alert ${id} vanished`);
    return fromRow(row);
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
    resolvedBetween: (fromMs, toMs) => resolvedIn.all(fromMs, toMs).map(fromRow),
    get: (id) => {
      const row = byId.get(id);
      return row ? fromRow(row) : undefined;
    },
    acknowledge: (id, by) => (ack.run(by, now(), id).changes > 0 ? mustGet(id) : undefined),
    clearAcknowledgement: (id) => {
      unack.run(id);
    },
    snooze: (rule, subjectKey, until, by) => {
      putSnooze.run(rule, subjectKey, until, by, now());
    },
    takeEndedSnoozes: db.transaction(() => {
      const ended = endedSnoozes.all(now());
      for (const s of ended) dropSnooze.run(s.rule, s.subject_key);
      return ended.map((s) => ({ rule: s.rule, subjectKey: s.subject_key }));
    }),
    mute: (rule, by) => {
      putMute.run(rule, by, now());
    },
    unmute: (rule) => dropMute.run(rule).changes > 0,
    mutes: () => allMutes.all().map((m): AlertMute => ({ rule: m.rule, by: m.muted_by, at: m.muted_at })),
    setSlackMessage: (id, channel, ts) => {
      slack.run(channel, ts, id);
    },
    findOpen: (rule, subjectKey) => {
      const row = openOne.get(rule, subjectKey);
      return row ? fromRow(row) : undefined;
    },
    open: () => allOpen.all().map(fromRow),
    setting: (rule) => getSetting.get(rule)?.value,
    changeSetting: (rule, value, by) => {
      putSetting.run(rule, value, by, now());
    },
  };
}
