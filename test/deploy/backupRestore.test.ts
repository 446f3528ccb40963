import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { listBackups } from '../../src/store/backup.js';
import {
  freePort,
  inboundWebhookBody,
  productionEnv,
  type SmsopsProcess,
  spawnSmsops,
  startSmsopsProcess,
} from '../helpers/smsopsProcess.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';

const root = join(import.meta.dirname, '..', '..');
const SECRET = 'backup-test-secret-0123456789abcdef';
const restoreArgs = (file: string) => [
  '--import',
  pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href,
  join(root, 'src/restore.ts'),
  file,
];

/** `smsops-20261126T033000123Z.db` → when that backup started (epoch ms). */
const startedAt = (file: string) => {
  const m = /smsops-(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)(\d{3})Z\.db$/.exec(file);
  if (!m) throw new Error(`not a backup name: ${file}`);
  const [y, mo, d, h, mi, s, ms] = m.slice(1).map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s, ms);
};
const messageIds = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return new Set(
      (db.prepare('SELECT wavix_message_id AS id FROM inbound_messages').all() as { id: string }[]).map((r) => r.id),
    );
  } finally {
    db.close();
  }
};

/** A real smsops taking a backup every second while 1,000 webhooks arrive; then a backup restored into a stopped one. */
describe('backups and restore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smsops-backup-'));
  const started: SmsopsProcess[] = [];
  afterAll(() => {
    for (const p of started) p.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a backup taken during a burst holds every message acknowledged before it began', { timeout: 180_000 }, async () => {
    const databasePath = join(dir, 'data/smsops.db');
    const backupDir = join(dir, 'backups');
    const port = await freePort();
    const env = {
      ...productionEnv({ port, databasePath, webhookSecret: SECRET }),
      BACKUP_DIR: backupDir,
      BACKUP_CRON: '* * * * * *',
      BACKUP_KEEP: '1000',
    };
    const app = await startSmsopsProcess(dir, env);
    started.push(app);

    // 1,000 messages in 20 waves of 50, 100 ms apart: the burst lasts longer than the one-second backup schedule.
    const ackedAt = new Map<string, number>();
    const burstStart = Date.now();
    for (let wave = 0; wave < 20; wave += 1) {
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const id = `burst-${wave}-${i}`;
          const res = await fetch(`http://127.0.0.1:${port}/webhooks/wavix/inbound/${SECRET}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: inboundWebhookBody(id, '447400123456', `message ${id}`),
          });
          if (res.status === 200) ackedAt.set(id, Date.now());
          await res.arrayBuffer();
        }),
      );
      await sleep(100);
    }
    const burstEnd = Date.now();
    expect(ackedAt.size).toBe(1000);
    await waitUntil(
      () => listBackups(backupDir).some((f) => startedAt(f) > burstEnd),
      20_000,
      () => `a backup after the burst; logs:\n${app.logs.slice(-10).join('\n')}`,
    );

    const backups = listBackups(backupDir);
    const during = backups.filter((f) => startedAt(f) > burstStart && startedAt(f) < burstEnd);
    expect(during.length).toBeGreaterThan(0);
    for (const file of backups) {
      const held = messageIds(file);
      const missing = [...ackedAt].filter(([id, at]) => at < startedAt(file) && !held.has(id)).map(([id]) => id);
      expect(missing, file).toEqual([]);
    }
    const midBurst = during.find((f) => messageIds(f).size < 1000) ?? '';
    expect(midBurst, 'a backup that began before the last message').not.toBe('');

    // Refused while smsops runs, naming it; nothing is touched.
    const refused = spawnSmsops({ cwd: dir, env: { DATABASE_PATH: databasePath }, nodeArgs: restoreArgs(midBurst) });
    expect((await refused.exited).code).toBe(1);
    expect(refused.logs.join('\n')).toContain(
      `restore refused: another smsops runs on this database: host ${hostname()}, pid ${app.pid}`,
    );
    expect(readdirSync(join(dir, 'data')).some((f) => f.includes('before-restore'))).toBe(false);

    app.child.kill('SIGTERM');
    expect((await app.exited).code).toBe(0);

    const restore = spawnSmsops({ cwd: dir, env: { DATABASE_PATH: databasePath }, nodeArgs: restoreArgs(midBurst) });
    expect((await restore.exited).code, restore.logs.join('\n')).toBe(0);
    const aside = readdirSync(join(dir, 'data')).find((f) => f.startsWith('smsops.db.before-restore-'));
    expect(aside).toBeDefined();
    expect(messageIds(join(dir, 'data', aside ?? '')).size).toBe(1000);
    const restored = messageIds(databasePath);
    expect(restored).toEqual(messageIds(midBurst));
    expect([...ackedAt].filter(([id, at]) => at < startedAt(midBurst) && !restored.has(id))).toEqual([]);
    expect(existsSync(`${databasePath}-wal`)).toBe(false);
    // The copy held its own backup run as running, which the next start would record as failed: it is that backup.
    const copy = new Database(databasePath, { readonly: true });
    const ownRun = copy.prepare("SELECT outcome, summary FROM job_runs WHERE job = 'backup' ORDER BY id DESC LIMIT 1").get();
    const stillRunning = copy.prepare("SELECT count(*) AS n FROM job_runs WHERE job = 'backup' AND outcome = 'running'").get();
    copy.close();
    expect(ownRun).toEqual({ outcome: 'ok', summary: 'the copy this database was restored from' });
    expect(stillRunning).toEqual({ n: 0 });

    // The restored database starts (its copied lease row was cleared) and serves.
    const again = await startSmsopsProcess(dir, { ...env, BACKUP_DIR: '' });
    started.push(again);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });
});
