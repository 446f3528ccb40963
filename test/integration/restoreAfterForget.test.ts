import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { listBackups } from '../../src/store/backup.js';
import { ADMIN_PROCESS, adminProcess } from '../helpers/adminProcess.js';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import { runRestore } from '../helpers/runRestore.js';
import { inboundWebhookBody, type SmsopsProcess } from '../helpers/smsopsProcess.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';

/**
 * `/sms forget` then a restore of a backup taken before it: the backup holds the customer's SMS, so they come back,
 * and one the backup holds undelivered is sent to PortSIP and posted to Slack again at the start. Restore said
 * nothing of the erasure it undid, and the audit keeps the number masked, so nobody knew whom to forget again (a probe).
 */
describe('a restore of a backup taken before /sms forget (real process)', () => {
  const rig = useRealProcessRig('smsops-restore-forget-');
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
  const send = async (id: string, from: string) => {
    const res = await fetch(`${rig.base}/webhooks/wavix/inbound/${ADMIN_PROCESS.webhookSecret}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: inboundWebhookBody(id, from, `text of ${id}`),
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

  it('says which erasures the backup undoes, and when', { timeout: 120_000 }, async () => {
    const first = await start(env());
    await rig.sink.down();
    rig.fakeSlack.rateLimit('chat.postMessage', 1, 100_000);
    await send('forgotten-1', '447400123456');
    await send('kept-1', '447700900222');
    const client = slack();
    expect((await client.command('jobs run backup')).status).toBe(200);
    await waitUntil(() => listBackups(env().BACKUP_DIR).length === 1, 20_000, 'the backup');

    await rig.sink.up();
    rig.fakeSlack.reset();
    await waitUntil(() => delivered() === 4, 30_000, 'both SMS delivered to PortSIP and Slack');
    expect(toPortsip('forgotten-')).toBe(1);

    expect((await client.command('forget +44 7400 123456')).status).toBe(200);
    const question = await waitUntil(
      () => rig.fakeSlack.responses.find((r) => JSON.stringify(r.body).includes(ACTION.confirmForget))?.body,
      10_000,
      'the forget question',
    );
    const remove = question.blocks
      ?.flatMap((b: { elements?: Array<{ action_id?: string; value?: string }> }) => b.elements ?? [])
      .find((e: { action_id?: string }) => e.action_id === ACTION.confirmForget);
    expect((await client.blockAction({ actionId: ACTION.confirmForget, value: remove?.value ?? '' })).status).toBe(200);
    await waitUntil(
      () => rig.fakeSlack.responses.some((r) => JSON.stringify(r.body).includes('Removed what smsops held about')),
      20_000,
      'the removal answered',
    );
    expect(delivered()).toBe(2);
    await stop(first);

    const [backup] = listBackups(env().BACKUP_DIR);
    const restored = await runRestore(rig.dir, ['--db', databasePath(), backup ?? '']);
    expect(restored.code, restored.output).toBe(0);
    expect(restored.output).toMatch(
      /restore: 1 customer removal \(`\/sms forget`\) ran after this backup was taken: •••3456 \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\)\. The backup holds 1 SMS from that number, back with it, 1 of them undelivered there: smsops sends it to PortSIP and posts it to Slack again at its start\. Run `\/sms forget` with each number again/,
    );
    // The other customer's SMS is not counted as the removed one's.
    expect(restored.output).not.toContain('2 SMS from');

    // What it said is what happens.
    rig.fakeSlack.reset();
    const again = await start(env());
    await waitUntil(() => toPortsip('forgotten-') === 2, 30_000, "the removed customer's SMS sent to PortSIP again");
    await stop(again);
  });
});
