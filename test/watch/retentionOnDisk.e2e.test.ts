import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listBackups } from '../../src/store/backup.js';
import {
  postInbound,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

const DAY = 86_400_000;
const MARKER = 'QZXJ-retained';
const SENDER = '447700900111';
const COUNT = 20;

/** How many of the marked texts `grep -a` would still find in a file (0 when it does not exist). */
const markersIn = (path: string) => {
  if (!existsSync(path)) return 0;
  const bytes = readFileSync(path);
  let found = 0;
  for (let i = 0; i < COUNT; i++) if (bytes.includes(`${MARKER}-${i}-`)) found += 1;
  return found;
};

let t: SmsopsUnderTest;
let sink: WebhookSink;
let backupDir: string;
beforeEach(async () => {
  sink = await startWebhookSink();
  backupDir = mkdtempSync(join(tmpdir(), 'smsops-retention-backups-'));
  t = await startSmsopsUnderTest({
    PORTSIP_WEBHOOK_URL: `${sink.url}/emc/direct`,
    SLACK_RELAY_PACE_MS: '0',
    BACKUP_DIR: backupDir,
  });
});
afterEach(async () => {
  await stopCheckingSecrets(t);
  await sink.close();
  rmSync(backupDir, { recursive: true, force: true });
});

describe('what retention deleted is gone from the disk (real app, emulator clock)', () => {
  it('leaves no deleted SMS text in the database file, its WAL or a backup taken after it', async () => {
    for (let i = 0; i < COUNT; i++) {
      const text = `${MARKER}-${i}-: the gate code for unit ${i} is ${1000 + i}`;
      expect((await postInbound(t, { message_id: `gone-${i}`, from: SENDER, text })).status).toBe(200);
    }
    const undelivered = t.db.prepare("SELECT count(*) FROM deliveries WHERE status <> 'delivered'").pluck();
    const stored = t.db.prepare('SELECT count(*) FROM inbound_messages').pluck();
    await waitUntil(() => stored.get() === COUNT && undelivered.get() === 0, 10_000, 'every SMS relayed');
    // The check can see a marker at all: each text is in the file once the WAL is copied in.
    t.db.pragma('wal_checkpoint(PASSIVE)');
    expect(markersIn(`${t.db.name}`) + markersIn(`${t.db.name}-wal`)).toBeGreaterThan(0);

    await t.emulator.clock.advance(91 * DAY);
    expect(readable((await runCommand(t, 'jobs run retention')).body)).toContain(`deleted ${COUNT} inbound_messages`);
    expect(stored.get()).toBe(0);
    // While smsops still runs: its WAL file is reused, not cut back, so the pages the texts were written in stayed in it.
    expect(markersIn(`${t.db.name}-wal`)).toBe(0);

    expect(readable((await runCommand(t, 'jobs run backup')).body)).toContain('backup: ok');
    const [backup] = listBackups(backupDir);
    expect(backup).toBeDefined();
    expect(markersIn(backup as string)).toBe(0);

    t.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(markersIn(t.db.name)).toBe(0);
  });
});
