import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alertMessage } from '../../src/slack/ui/alerts.js';
import { closeDatabase, DEFAULT_MIGRATIONS_DIR, openDatabase } from '../../src/store/database.js';
import { createAlertsRepository } from '../../src/store/repositories/alerts.js';

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

describe('alerts recorded before migration 018', () => {
  it('keep their text after the upgrade, and take facts on their next raise', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsops-alert-facts-'));
    dirs.push(dir);
    const path = join(dir, 'smsops.db');
    const now = () => Date.UTC(2026, 0, 5, 9, 0);
    // A database as the version before 018 left it, with an alert of text only.
    const before018 = join(dir, 'migrations');
    cpSync(DEFAULT_MIGRATIONS_DIR, before018, { recursive: true });
    rmSync(join(before018, '018_alert_facts.sql'));
    const first = openDatabase(path, { now, migrationsDir: before018 }).db;
    first
      .prepare(
        `INSERT INTO alerts (rule, subject_key, status, severity, summary, details, opened_at, updated_at)
         VALUES ('balance_low', 'account', 'open', 'warning', 'The Wavix balance is 3.00 USD, below 10 USD: old words.', '{}', ?, ?)`,
      )
      .run(now(), now());
    closeDatabase(first);

    const upgraded = openDatabase(path, { now });
    expect(upgraded.migrations.applied).toContain('018_alert_facts.sql');
    const { db } = upgraded;
    const alerts = createAlertsRepository(db, now);
    const [old] = alerts.open();
    expect(old).toMatchObject({ facts: null, summary: 'The Wavix balance is 3.00 USD, below 10 USD: old words.' });
    expect(alertMessage(old ?? (undefined as never), now()).text).toBe('The Wavix balance is 3.00 USD, below 10 USD: old words.');

    const { alert, opened } = alerts.raise({
      rule: 'balance_low',
      subjectKey: 'account',
      severity: 'warning',
      facts: { balanceUsd: 2, thresholdUsd: 10 },
    });
    expect(opened).toBe(false);
    expect(alert).toMatchObject({ id: old?.id, facts: { balanceUsd: 2, thresholdUsd: 10 }, summary: '' });
    expect(alertMessage(alert, now()).text).toBe(
      'The Wavix balance is 2.00 USD, below 10 USD: SMS stop when it runs out. Top up the account in the Wavix portal.',
    );
    closeDatabase(db);
  });
});
