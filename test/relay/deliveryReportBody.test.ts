import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDatabase, DEFAULT_MIGRATIONS_DIR, openDatabase } from '../../src/store/database.js';
import { webhookExample } from '../helpers/openapi.js';
import {
  postDeliveryReport,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
} from '../helpers/smsopsUnderTest.js';

const PII = 'QZXJ-dlr-extra 447700900222';

/** Whether `grep -a` finds `text` in the database file or its WAL. */
const onDisk = (path: string, text: string) =>
  [path, `${path}-wal`].some((file) => {
    try {
      return readFileSync(file).includes(text);
    } catch {
      return false;
    }
  });

describe('delivery reports keep only the fields smsops reads', () => {
  let t: SmsopsUnderTest | undefined;
  afterEach(async () => {
    if (t) await stopCheckingSecrets(t);
    t = undefined;
  });

  it('stores the status of a report, not the rest of what Wavix (or a sender) put in its body', async () => {
    t = await startSmsopsUnderTest();
    const report = { ...webhookExample('DeliveryReport'), message_id: 'dlr-extra-1', unknown_pii: PII };
    const answer = await postDeliveryReport(t, report);
    expect(answer.status).toBe(200);
    expect(t.db.prepare("SELECT count(*) FROM delivery_reports WHERE wavix_message_id = 'dlr-extra-1'").pluck().get()).toBe(1);
    expect(onDisk(t.db.name, PII)).toBe(false);
  });

  it('drops the bodies stored by an earlier version with the upgrade', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsops-dlr-body-'));
    try {
      const earlier = join(dir, 'migrations');
      cpSync(DEFAULT_MIGRATIONS_DIR, earlier, { recursive: true });
      rmSync(join(earlier, '036_delivery_report_bodies_dropped.sql'));
      const path = join(dir, 'smsops.db');
      const old = openDatabase(path, { migrationsDir: earlier }).db;
      old
        .prepare(
          "INSERT INTO delivery_reports (wavix_message_id, status, received_at, raw_body) VALUES ('dlr-old', 'delivered', 1, ?)",
        )
        .run(Buffer.from(JSON.stringify({ message_id: 'dlr-old', unknown_pii: PII })));
      closeDatabase(old);
      expect(onDisk(path, PII)).toBe(true);

      const upgraded = openDatabase(path).db;
      expect(upgraded.prepare('SELECT status FROM delivery_reports').pluck().all()).toEqual(['delivered']);
      closeDatabase(upgraded);
      expect(onDisk(path, PII)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
