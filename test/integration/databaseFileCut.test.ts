import { statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import { startStoreTestSmsops, storeProbes } from '../helpers/storeProbes.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * The database file cut short under a running smsops (`truncate -s 0 smsops.db`, `> smsops.db`, a half-copied file
 * written over it in place): the same inode, so the removed-file watch saw nothing, SQLite answered from its cache
 * and WAL, and every webhook was acknowledged with /healthz "ok" until a restart found no database at all. Checked on
 * the real process (`tsx src/main.ts`), the file cut from outside.
 */

const WEBHOOK_SECRET = 'whsec_dbcut_0123456789abcdefghijklm';
const CUT_LINE = /the database file was cut short/;

describe('the database file cut short while smsops runs (real process)', () => {
  const rig = useRealProcessRig('smsops-dbcut-');
  let dbPath: string;

  const start = () =>
    startStoreTestSmsops(rig, { databasePath: dbPath, webhookSecret: WEBHOOK_SECRET, portsipPath: '/emc/db-cut' });

  const { post, health, writable, delivered, failingHealth } = storeProbes(rig, WEBHOOK_SECRET);

  /** One webhook stored and relayed, and the file it went into. */
  const startWithOneMessage = async (id: string) => {
    const smsops = await start();
    expect((await post(id)).status).toBe(200);
    await waitUntil(
      () => delivered().includes(id),
      10_000,
      () => `${id} not delivered`,
    );
    expect((await health()).status).toBe(200);
    return smsops;
  };

  beforeEach(() => {
    dbPath = join(rig.dir, 'data', 'smsops.db');
  });

  it('cut to nothing: /healthz 503 with the reason, webhooks 503 with Retry-After, store not writable, the error line, an alert saying to restore', {
    timeout: 90_000,
  }, async () => {
    const smsops = await startWithOneMessage('cut-a');

    truncateSync(dbPath, 0);

    const failing = await failingHealth();
    expect(failing.body.status).toBe('failing');
    expect(failing.body.reasons.join(' ')).toContain('the database file (DATABASE_PATH) was cut short');
    expect(failing.body.db).toContain('not writable');
    expect(JSON.stringify(failing.body)).not.toContain(rig.dir);

    // Not acknowledged into a file a restart cannot read: Wavix sends it again later.
    const refused = await post('cut-b');
    expect(refused.status).toBe(503);
    expect(refused.retryAfter).toBe('5');
    expect(refused.json.error).toContain('was cut short');
    expect(await writable()).toBe('0');

    const line = await smsops.waitForLine(CUT_LINE, 5_000);
    expect(line).toContain('"level":"error"');
    expect(line).toContain('--replace-damaged');
    // Not the removed-file advice: there is no whole file held open to copy.
    expect(smsops.logs.some((l) => l.includes('the database file was removed or replaced'))).toBe(false);

    await waitUntil(
      () =>
        rig.fakeSlack
          .callsTo('chat.postMessage')
          .some(
            (c) => String(c.args.text).includes('relay is stalled') && String(c.args.text).includes('restore the newest backup'),
          ),
      15_000,
      () =>
        `no relay_stalled alert saying to restore: ${JSON.stringify(rig.fakeSlack.callsTo('chat.postMessage').map((c) => c.args.text))}`,
    );
    // Refused for as long as it runs, whatever the checkpoints write into the file meanwhile.
    expect((await post('cut-c')).status).toBe(503);
  });

  it('cut to half, its header still there: seen by the WAL checkpointer, refused the same way, said with the sizes', {
    timeout: 90_000,
  }, async () => {
    const smsops = await startWithOneMessage('half-a');
    // The schema copied from the WAL into the file by the checkpointer (its first copy comes 0.5 s after the start).
    await waitUntil(
      () => statSync(dbPath).size > 64 * 1024 && statSync(dbPath).size,
      10_000,
      () => `the database file stayed at ${statSync(dbPath).size} bytes`,
    );
    // Quiet first (the Slack post and its edit written and copied in): a copy under way while the file is cut writes
    // its pages into the cut file and grows it back, which no look at the file can tell from a copy of new pages (the
    // README says so). That race is the product's; this test is about the cut the checkpointer can see.
    await waitUntil(
      () => rig.fakeSlack.callsTo('chat.postMessage').length > 0,
      10_000,
      () => 'the SMS posted to Slack',
    );
    let quietSince = Date.now();
    let lastSize = statSync(dbPath).size;
    await waitUntil(
      () => {
        const size = statSync(dbPath).size;
        if (size !== lastSize) [lastSize, quietSince] = [size, Date.now()];
        return Date.now() - quietSince > 2_000;
      },
      20_000,
      () => 'the database file still growing',
    );

    // Half and a little more: the header and first pages still there, but not a whole number of pages.
    const cutTo = Math.floor(lastSize / 2) + 100;
    truncateSync(dbPath, cutTo);

    const failing = await failingHealth();
    expect(failing.body.reasons.join(' ')).toContain('was cut short');
    expect((await post('half-b')).status).toBe(503);
    const line = await smsops.waitForLine(CUT_LINE, 5_000);
    const [, bytes, pageSize] = /"bytes":(\d+),"pageSize":(\d+)/.exec(line) ?? [];
    expect(Number(bytes)).toBe(cutTo);
    expect(Number(pageSize)).toBe(4_096);
  });

  it('a flood of webhooks, with the checkpoints copying it into the file all along, raises no false alarm', {
    timeout: 120_000,
  }, async () => {
    const smsops = await start();
    const statuses = new Map<number, number>();
    const healthSeen: string[] = [];
    const sizes = new Set<number>();
    const until = Date.now() + 8_000;
    const sender = async (n: number) => {
      for (let i = 0; Date.now() < until; i++) {
        const { status } = await post(`flood-${n}-${i}`);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    const watcher = async () => {
      while (Date.now() < until) {
        const h = await health();
        if (h.status !== 200) healthSeen.push(JSON.stringify(h.body));
        sizes.add(statSync(dbPath).size);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    await Promise.all([...[1, 2, 3, 4, 5, 6].map(sender), watcher()]);

    // The checkpoints ran during it: the file grew copy by copy, not only at the end.
    expect(sizes.size).toBeGreaterThan(3);
    expect(healthSeen).toEqual([]);
    expect([...statuses.keys()]).toEqual([200]);
    expect(smsops.logs.filter((l) => CUT_LINE.test(l) || l.includes('was cut short'))).toEqual([]);
  });
});
