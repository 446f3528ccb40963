import { renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import { startStoreTestSmsops, stopWithSigterm, storeProbes } from '../helpers/storeProbes.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';

/**
 * The database's -wal taken away under a running smsops: SQLite goes on writing to the WAL it holds open, so without a
 * check /healthz said "ok" and webhooks were acknowledged into a file only a checkpoint or a clean stop saves (a probe:
 * 70 accepted in 5 s). Checked on the real process (`tsx src/main.ts`), the -wal removed from outside under load.
 */

const WEBHOOK_SECRET = 'whsec_walfile_0123456789abcdefghijk';
const WAL_WORDS = "the database's -wal file (DATABASE_PATH-wal) was removed or moved while smsops had it open";

describe("the database's -wal removed while smsops runs (real process)", () => {
  const rig = useRealProcessRig('smsops-walfile-');
  let dbPath: string;

  const start = () =>
    startStoreTestSmsops(rig, { databasePath: dbPath, webhookSecret: WEBHOOK_SECRET, portsipPath: '/emc/wal-file' });
  const stop = stopWithSigterm;
  const { post, health } = storeProbes(rig, WEBHOOK_SECRET);

  /** Webhooks one after another until stopped: what smsops answered 200, and every status it gave. */
  const load = (prefix: string) => {
    const accepted: string[] = [];
    const statuses: number[] = [];
    let running = true;
    const done = (async () => {
      for (let i = 0; running; i++) {
        const id = `${prefix}-${i}`;
        // A connection reset (smsops stopped by a failing test) counts as no answer, not as a test error.
        const status = await post(id).then(
          (r) => r.status,
          () => 0,
        );
        statuses.push(status);
        if (status === 200) accepted.push(id);
        await sleep(20);
      }
    })();
    return {
      accepted,
      statuses,
      stop: async () => {
        running = false;
        await done;
      },
    };
  };

  beforeEach(() => {
    dbPath = join(rig.dir, 'data', 'smsops.db');
  });

  it('removed under load: /healthz 503 with the words within ~2 s, webhooks 503, and a clean stop keeps every SMS acknowledged', {
    timeout: 120_000,
  }, async () => {
    const smsops = await start();
    const traffic = load('wal');
    await waitUntil(() => traffic.accepted.length >= 10, 10_000, 'no webhook accepted');
    expect((await health()).status).toBe(200);

    rmSync(`${dbPath}-wal`);
    const removedAt = Date.now();
    let last: unknown;
    const failing = await waitUntil(
      async () => {
        const h = await health();
        last = h;
        return h.status === 503 ? h : null;
      },
      5_000,
      () => `/healthz stayed ${JSON.stringify(last)}`,
    );
    expect(Date.now() - removedAt).toBeLessThan(2_500);
    expect(failing.body.reasons.join(' ')).toContain(WAL_WORDS);
    expect(failing.body.reasons.join(' ')).toContain('Stop smsops cleanly (SIGTERM');
    expect(JSON.stringify(failing.body)).not.toContain(rig.dir);

    await waitUntil(
      () => traffic.statuses.slice(-3).every((s) => s === 503) && traffic.statuses.length > 3,
      5_000,
      () => `webhooks still answered ${traffic.statuses.slice(-5).join(', ')}`,
    );
    const refused = await post('wal-refused');
    expect(refused.status).toBe(503);
    expect(refused.retryAfter).toBe('5');
    expect(refused.json.error).toContain("the database's -wal file");
    await traffic.stop();
    await smsops.waitForLine(/the database's -wal file was removed or replaced/, 5_000);
    // Said in the alert channel through relay_stalled (RELAY_STALL_ALERT_MS is 1 s here), with what to do.
    await waitUntil(
      () =>
        rig.fakeSlack
          .callsTo('chat.postMessage')
          .some((c) => String(c.args.text).includes('-wal file') && String(c.args.text).includes('stop it cleanly (SIGTERM')),
      15_000,
      () =>
        `no relay_stalled alert naming the -wal: ${JSON.stringify(rig.fakeSlack.callsTo('chat.postMessage').map((c) => c.args.text))}`,
    );

    // What SQLite still held in the removed WAL reaches the database file at the clean stop.
    await stop(smsops);
    const reader = new Database(dbPath, { readonly: true });
    try {
      const stored = new Set(reader.prepare('SELECT wavix_message_id FROM inbound_messages').pluck().all());
      expect(traffic.accepted.filter((id) => !stored.has(id))).toEqual([]);
      expect(stored.has('wal-refused')).toBe(false);
    } finally {
      reader.close();
    }

    await start();
    expect((await health()).status).toBe(200);
    expect((await post('wal-after')).status).toBe(200);
  });

  it('moved away and back: refused meanwhile, then accepted again by itself', { timeout: 90_000 }, async () => {
    const smsops = await start();
    expect((await post('back-a')).status).toBe(200);
    renameSync(`${dbPath}-wal`, `${dbPath}-wal.aside`);
    await waitUntil(async () => (await health()).status === 503, 5_000, '/healthz stayed 200');
    expect((await post('back-b')).status).toBe(503);
    renameSync(`${dbPath}-wal.aside`, `${dbPath}-wal`);
    await waitUntil(async () => (await health()).status === 200, 5_000, '/healthz did not come back');
    expect((await post('back-b')).status).toBe(200);
    await smsops.waitForLine(/the database's -wal file is back at its path/, 5_000);
  });

  it('no false alarm over a normal run: checkpoints, WAL restarts, a TRUNCATE checkpoint from outside, idle and load', {
    timeout: 90_000,
  }, async () => {
    await start();
    const seen: number[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        seen.push((await health()).status);
        await sleep(150);
      }
    })();
    const first = load('normal-a');
    await sleep(3_000);
    await first.stop();
    const walBefore = statSync(`${dbPath}-wal`).ino;
    // Another connection empties the WAL (truncated to 0 bytes: SQLite keeps the same file), then idle, then load.
    const outside = new Database(dbPath);
    try {
      outside.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      outside.close();
    }
    expect(statSync(`${dbPath}-wal`).size).toBe(0);
    expect(statSync(`${dbPath}-wal`).ino).toBe(walBefore);
    await sleep(2_500);
    const second = load('normal-b');
    await sleep(3_000);
    await second.stop();
    await sleep(1_500);
    watching = false;
    await watcher;
    expect(seen.length).toBeGreaterThan(20);
    expect(seen.filter((s) => s !== 200)).toEqual([]);
    expect([...first.statuses, ...second.statuses].filter((s) => s !== 200)).toEqual([]);
  });
});
