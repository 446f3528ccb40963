import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase } from '../../src/store/database.js';
import { markDatabaseMode } from '../../src/store/databaseMode.js';
import { EARLIER_CHECKSUMS } from '../../src/store/earlierChecksums.js';
import { createInboundRepository } from '../../src/store/repositories/inbound.js';
import { migrationsWithEarlier } from '../helpers/earlierMigrations.js';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import { inboundWebhookBody, productionEnv, spawnSmsops, startSmsopsProcess } from '../helpers/smsopsProcess.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * Upgrading onto a database an earlier release migrated, on the real process: one that ran migration 029 as 6b0d4ea
 * shipped it (its comment was reworded since) starts and relays; one whose migration really differs is refused with
 * exit 2 (systemd does not restart it) in words saying what to do, and the refused start leaves the lease free.
 */

const WEBHOOK_SECRET = 'whsec_test_0123456789abcdefghijkl';
const FILE_029 = '029_traffic_triggers_without_temp_tables.sql';
const PORTSIP_PATH = '/emc/upgrade';

describe('a database an earlier release migrated (real process)', () => {
  const rig = useRealProcessRig('smsops-upgrade-');
  const dbPath = () => join(rig.dir, 'smsops.db');
  const env = () => ({
    ...productionEnv({ port: rig.port, databasePath: dbPath(), webhookSecret: WEBHOOK_SECRET }),
    SLACK_API_URL: rig.fakeSlack.url,
    PORTSIP_WEBHOOK_URL: `${rig.sink.url}${PORTSIP_PATH}`,
  });
  const atSink = () => rig.sink.received.map((r) => (r.json() as { message_id: string }).message_id);

  it('starts on one migrated by 6b0d4ea and relays the SMS it had acknowledged and the next one', {
    timeout: 60_000,
  }, async () => {
    const [shippedAt6b0d4ea] = EARLIER_CHECKSUMS[FILE_029] ?? [];
    if (!shippedAt6b0d4ea) throw new Error(`no earlier checksum of ${FILE_029}`);
    // The database as 6b0d4ea left it: its 029, its mode mark, and an SMS acknowledged to Wavix, not yet relayed.
    const { db } = openDatabase(dbPath(), {
      migrationsDir: migrationsWithEarlier(join(rig.dir, 'migrations-6b0d4ea'), FILE_029, shippedAt6b0d4ea),
    });
    markDatabaseMode(db, 'production');
    createInboundRepository(db).insertWithDeliveries(
      {
        wavixMessageId: 'before-upgrade',
        fromNumber: '447400123401',
        toNumber: '14155550100',
        messageType: 'sms',
        text: 'stored by 6b0d4ea',
        media: null,
        receivedAtText: '2026-11-25T10:00:00Z',
        receivedAt: null,
        contentType: 'application/json',
        rawBody: Buffer.from(inboundWebhookBody('before-upgrade', '447400123401', 'stored by 6b0d4ea')),
      },
      [{ kind: 'portsip', destination: `${rig.sink.url}${PORTSIP_PATH}` }],
    );
    expect(db.prepare('SELECT checksum FROM schema_migrations WHERE version = 29').pluck().get()).toBe(shippedAt6b0d4ea);
    closeDatabase(db);

    rig.track(await startSmsopsProcess(rig.dir, env()));
    await waitUntil(
      () => atSink().includes('before-upgrade'),
      20_000,
      () => `the SMS acknowledged before the upgrade at PortSIP (${atSink().join(', ') || 'nothing'})`,
    );
    const response = await fetch(`${rig.base}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: inboundWebhookBody('after-upgrade', '447400123402', 'stored after'),
    });
    expect(response.status).toBe(200);
    await waitUntil(
      () => atSink().includes('after-upgrade'),
      20_000,
      () => `the SMS acknowledged after the upgrade at PortSIP (${atSink().join(', ')})`,
    );
  });

  it('refuses one whose 029 is not a version it knows with exit 2, saying what to do, and leaves the lease free', {
    timeout: 60_000,
  }, async () => {
    const { db } = openDatabase(dbPath());
    markDatabaseMode(db, 'production');
    db.prepare('UPDATE schema_migrations SET checksum = ? WHERE version = 29').run('0'.repeat(64));
    closeDatabase(db);

    const refused = rig.track(spawnSmsops({ cwd: rig.dir, env: env() }));
    expect(await refused.exited).toEqual({ code: 2, signal: null });
    const said = refused.logs.join('\n');
    expect(said).toContain(`${FILE_029} was changed after it was applied to this database (checksum differs)`);
    expect(said).toContain('Start the smsops version that migrated it, or put the file back as that version shipped it');

    const after = new Database(dbPath(), { readonly: true });
    try {
      expect(after.prepare('SELECT count(*) FROM instance_lease').pluck().get(), 'lease rows left by the refused start').toBe(0);
    } finally {
      after.close();
    }
  });
});
