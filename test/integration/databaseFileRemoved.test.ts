import { copyFileSync, existsSync, readlinkSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import { restoreArgs } from '../helpers/runRestore.js';
import { type SmsopsProcess, spawnSmsops } from '../helpers/smsopsProcess.js';
import { startStoreTestSmsops, stopWithSigterm, storeProbes } from '../helpers/storeProbes.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * The database file taken away under a running smsops (deleted, its folder moved): SQLite goes on writing to the
 * file it holds open, so without a check every webhook was acknowledged into a file no restart would open again,
 * while /healthz said "ok". Checked on the real process (`tsx src/main.ts`), the file removed from outside.
 */

const WEBHOOK_SECRET = 'whsec_dbfile_0123456789abcdefghijk';
const PORTSIP_PATH = '/emc/db-file';
const NEW_DATABASE = /a new, empty database was created/;
const _root = join(import.meta.dirname, '..', '..');
/** `src/restore.ts` as an operator runs it (`node dist/restore.js` in production). */

describe('the database file removed while smsops runs (real process)', () => {
  const rig = useRealProcessRig('smsops-dbfile-');
  let dbPath: string;

  const start = () =>
    startStoreTestSmsops(rig, { databasePath: dbPath, webhookSecret: WEBHOOK_SECRET, portsipPath: PORTSIP_PATH });
  const stop = stopWithSigterm;

  const { post, health, writable, delivered, failingHealth } = storeProbes(rig, WEBHOOK_SECRET);

  beforeEach(() => {
    dbPath = join(rig.dir, 'data', 'smsops.db');
  });

  it('deleted: /healthz 503 with the reason, webhooks 503 with Retry-After, store not writable, alert in Slack, the open file named and rescued from', {
    timeout: 120_000,
  }, async () => {
    const smsops = await start();
    expect((await post('gone-a')).status).toBe(200);
    await waitUntil(
      () => delivered().includes('gone-a'),
      10_000,
      () => 'gone-a not delivered',
    );
    expect((await health()).status).toBe(200);

    rmSync(dbPath);

    const failing = await failingHealth();
    expect(failing.body.status).toBe('failing');
    expect(failing.body.reasons.join(' ')).toContain('the database file (DATABASE_PATH) was removed or moved');
    expect(failing.body.db).toContain('not writable');
    // The reason leaves the machine (/healthz, the 503 body): the variable is named, never the path.
    expect(JSON.stringify(failing.body)).not.toContain(rig.dir);

    const refused = await post('gone-b');
    expect(refused.status).toBe(503);
    expect(refused.retryAfter).toBe('5');
    expect(refused.json.error).toContain('was removed or moved');
    expect(await writable()).toBe('0');

    // Said in the alert channel through relay_stalled (RELAY_STALL_ALERT_MS is 1 s here).
    await waitUntil(
      () =>
        rig.fakeSlack
          .callsTo('chat.postMessage')
          .some((c) => String(c.args.text).includes('relay is stalled') && String(c.args.text).includes('was removed or moved')),
      15_000,
      () =>
        `no relay_stalled alert naming the file: ${JSON.stringify(rig.fakeSlack.callsTo('chat.postMessage').map((c) => c.args.text))}`,
    );

    // The error line names where the open file can still be read, and that descriptor is the deleted file.
    const line = await smsops.waitForLine(/the database file was removed or replaced/, 5_000);
    const openFileAt = /"openFileAt":"(\/proc\/\d+\/fd\/\d+)"/.exec(line)?.[1];
    expect(openFileAt, line).toBeDefined();
    expect(readlinkSync(openFileAt as string)).toBe(`${dbPath} (deleted)`);
    // smsops copied its WAL into that file when it saw the file go: a copy of it holds what was acknowledged before,
    // and not the webhook refused after.
    expect(line).toContain('"walCopied":"all"');
    const rescued = join(rig.dir, 'rescued.db');
    copyFileSync(openFileAt as string, rescued);
    const copy = new Database(rescued, { readonly: true });
    try {
      const ids = copy.prepare('SELECT wavix_message_id FROM inbound_messages').pluck().all();
      expect(ids).toContain('gone-a');
      expect(ids).not.toContain('gone-b');
    } finally {
      copy.close();
    }

    // The README's rescue: restore the copy to the path while smsops still runs (restore checks it), then restart.
    // Meanwhile the file at the path is another one than smsops writes to: still refused.
    const restored = spawnSmsops({ cwd: rig.dir, env: {}, nodeArgs: restoreArgs('--db', dbPath, rescued) });
    expect((await restored.exited).code, restored.logs.join('\n')).toBe(0);
    await waitUntil(
      async () => (await health()).body.reasons.join(' ').includes('was replaced by another file'),
      8_000,
      'the restored file at the path was taken for the open one',
    );
    expect((await post('gone-c')).status).toBe(503);
    expect(smsops.hasExited()).toBe(false);
    await stop(smsops);

    const after = await start();
    expect(after.logs.some((l) => NEW_DATABASE.test(l))).toBe(false);
    expect((await health()).status).toBe(200);
    // Wavix sends the refused webhooks again: stored now, beside the message rescued.
    for (const id of ['gone-b', 'gone-c']) expect((await post(id)).status).toBe(200);
    const duplicate = await post('gone-a');
    expect(duplicate.status).toBe(200);
    expect(duplicate.json).toMatchObject({ duplicate: true });
  });

  it('folder moved: the same refusal, and back at its path (renamed back) smsops takes webhooks again by itself', {
    timeout: 90_000,
  }, async () => {
    const smsops = await start();
    expect((await post('moved-a')).status).toBe(200);
    const folder = join(rig.dir, 'data');
    const elsewhere = join(rig.dir, 'data-moved');
    renameSync(folder, elsewhere);

    const failing = await failingHealth();
    expect(failing.body.reasons.join(' ')).toContain('the database file (DATABASE_PATH) was removed or moved');
    const refused = await post('moved-b');
    expect(refused.status).toBe(503);
    expect(refused.retryAfter).toBe('5');
    expect(await writable()).toBe('0');
    const line = await smsops.waitForLine(/the database file was removed or replaced/, 5_000);
    const openFileAt = /"openFileAt":"(\/proc\/\d+\/fd\/\d+)"/.exec(line)?.[1];
    expect(readlinkSync(openFileAt as string)).toBe(join(elsewhere, 'smsops.db'));
    expect(existsSync(dbPath)).toBe(false);

    renameSync(elsewhere, folder);
    let last: unknown;
    await waitUntil(
      async () => {
        const h = await health();
        last = h;
        return h.status === 200;
      },
      8_000,
      () => `/healthz did not come back: ${JSON.stringify(last)}`,
    );
    expect(await writable()).toBe('1');
    // Wavix sends the refused webhook again: stored now, in the file at the path, and relayed.
    expect((await post('moved-b')).status).toBe(200);
    await waitUntil(
      () => ['moved-a', 'moved-b'].every((id) => delivered().includes(id)),
      10_000,
      () => `delivered: ${delivered().join(', ')}`,
    );
    await smsops.waitForLine(/the database file is back at its path/, 5_000);
    await stop(smsops);
    const reader = new Database(dbPath, { readonly: true });
    try {
      expect(reader.prepare('SELECT wavix_message_id FROM inbound_messages ORDER BY id').pluck().all()).toEqual([
        'moved-a',
        'moved-b',
      ]);
    } finally {
      reader.close();
    }
  });

  it('a start that makes a new database says so as a warning: the first one, and a restart after the file was lost, not a restart on it', {
    timeout: 90_000,
  }, async () => {
    const newDatabaseLines = (p: SmsopsProcess) => p.logs.filter((line) => NEW_DATABASE.test(line));
    const first = await start();
    expect(newDatabaseLines(first)).toHaveLength(1);
    expect((await post('kept-a')).status).toBe(200);
    await stop(first);

    const restarted = await start();
    expect(newDatabaseLines(restarted)).toEqual([]);
    await stop(restarted);

    rmSync(dbPath);
    const afterLoss = await start();
    const [warning] = newDatabaseLines(afterLoss);
    expect(warning).toContain('"level":"warn"');
    expect(warning).toContain(dbPath);
    expect(warning).toContain('if smsops ran before, its database is elsewhere or lost');
  });
});
