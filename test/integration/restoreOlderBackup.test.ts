import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { listBackups } from '../../src/store/backup.js';
import { ADMIN_PROCESS, adminProcess } from '../helpers/adminProcess.js';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import { runRestore } from '../helpers/runRestore.js';
import { inboundWebhookBody, type SmsopsProcess } from '../helpers/smsopsProcess.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';

/**
 * Restoring a backup older than the database: what was acknowledged since is only in the file kept aside, and what
 * was delivered since goes to PortSIP and Slack again at the next start. Restore said neither, nor the backup's age
 * (a probe: 40 of 40 SMS sent to PortSIP a second time, 20 posted to Slack again, nothing said beforehand).
 */
describe('a restore of a backup older than the database (real process)', () => {
  const rig = useRealProcessRig('smsops-restore-older-');
  const { databasePath, start, slack } = adminProcess(rig, () => ({ apiKey: 'test-wavix-key-0000', url: 'http://127.0.0.1:9' }));
  const env = () => ({
    BACKUP_DIR: join(rig.dir, 'backups'),
    PORTSIP_WEBHOOK_URL: `${rig.sink.url}/emc/restore`,
    RELAY_RETRY_BASE_MS: '100',
    SLACK_RELAY_PACE_MS: '0',
    RELAY_STALL_ALERT_MS: '3600000',
  });
  const stop = async (p: SmsopsProcess) => {
    p.child.kill('SIGTERM');
    expect(await Promise.race([p.exited, sleep(30_000).then(() => 'still running')])).toEqual({ code: 0, signal: null });
  };
  const send = async (id: string) => {
    const res = await fetch(`${rig.base}/webhooks/wavix/inbound/${ADMIN_PROCESS.webhookSecret}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: inboundWebhookBody(id, '447400123456', `text of ${id}`),
    });
    expect(res.status).toBe(200);
  };
  const delivered = () => {
    const db = new Database(databasePath(), { readonly: true });
    try {
      return db.prepare<[], number>("SELECT count(*) FROM deliveries WHERE status = 'delivered'").pluck().get();
    } finally {
      db.close();
    }
  };
  const toPortsip = (prefix: string) =>
    rig.sink.received.filter((r) => r.body.toString('utf8').includes(`text of ${prefix}`)).length;

  it("says the backup's age, the SMS kept only aside and those delivered again, which then are", {
    timeout: 120_000,
  }, async () => {
    const first = await start(env());
    // PortSIP down and Slack refusing posts: four SMS wait in the backup.
    await rig.sink.down();
    rig.fakeSlack.rateLimit('chat.postMessage', 1, 100_000);
    for (const id of ['old-1', 'old-2', 'old-3', 'old-4']) await send(id);
    const client = slack();
    expect((await client.command('jobs run backup')).status).toBe(200);
    await waitUntil(() => listBackups(env().BACKUP_DIR).length === 1, 20_000, 'the backup');

    await rig.sink.up();
    rig.fakeSlack.reset();
    await waitUntil(() => delivered() === 8, 30_000, 'the four SMS delivered to PortSIP and Slack');
    for (const id of ['new-1', 'new-2', 'new-3']) await send(id);
    await waitUntil(() => delivered() === 14, 30_000, 'three more delivered');
    expect(toPortsip('old-')).toBe(4);
    await stop(first);

    const [backup] = listBackups(env().BACKUP_DIR);
    const restored = await runRestore(rig.dir, ['--db', databasePath(), backup ?? '']);
    expect(restored.code, restored.output).toBe(0);
    expect(restored.output).toMatch(/restore: the backup was taken \d{4}-\d\d-\d\d \d\d:\d\d UTC \(\d+ (s|min) ago\)/);
    expect(restored.output).toMatch(
      /restore: 3 inbound SMS in the current database are not in the backup: kept only in \S+\.before-restore-\S+, not relayed again/,
    );
    expect(restored.output).toContain(
      '4 SMS to PortSIP and 4 to Slack that the backup holds undelivered were delivered since: smsops delivers them again at its start',
    );

    // What it said is what happens.
    rig.fakeSlack.reset();
    const again = await start(env());
    await waitUntil(() => toPortsip('old-') === 8, 30_000, 'the four SMS sent to PortSIP again');
    await waitUntil(() => delivered() === 8, 30_000, 'the four SMS delivered to Slack again');
    expect(toPortsip('new-')).toBe(3);
    await stop(again);
  });
});
