import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWavixEmulator, type WavixEmulator } from '../../src/sandbox/emulator/server.js';
import { ALERT_ACTION } from '../../src/slack/ids.js';
import { listBackups } from '../../src/store/backup.js';
import { closeDatabase, openDatabase } from '../../src/store/database.js';
import { ADMIN_PROCESS, adminProcess } from '../helpers/adminProcess.js';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import { runRestore } from '../helpers/runRestore.js';
import type { SmsopsProcess } from '../helpers/smsopsProcess.js';
import { readable } from '../helpers/smsopsUnderTest.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';

/**
 * Alert ids count from the restored backup's highest one, so after a restore of an older backup a new alert takes the
 * id of one posted since the backup. Pressed on the older alert's message, Acknowledge acknowledged the new alert (a
 * failure rate) and Mute rule muted the new alert's rule, audited `alerts.mute failure_rate` (a probe).
 */
describe('alert buttons on a message from before a restore (real process)', () => {
  const rig = useRealProcessRig('smsops-restored-buttons-');
  let emulator: WavixEmulator | undefined;
  beforeEach(async () => {
    emulator = await startWavixEmulator({});
  });
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });
  const { databasePath, start, slack } = adminProcess(rig, () => {
    if (!emulator) throw new Error('no emulator');
    return { apiKey: emulator.apiKey, url: emulator.url };
  });
  const MEMBER = 'U0MEMBER02';
  const stop = async (p: SmsopsProcess) => {
    p.child.kill('SIGTERM');
    expect(await Promise.race([p.exited, sleep(30_000).then(() => 'still running')])).toEqual({ code: 0, signal: null });
  };
  const rows = () => {
    const { db } = openDatabase(databasePath());
    try {
      return {
        alerts: db.prepare('SELECT id, rule, status, acknowledged_by, slack_ts FROM alerts ORDER BY id').all() as Array<{
          id: number;
          rule: string;
          acknowledged_by: string | null;
          slack_ts: string | null;
        }>,
        mutes: db.prepare('SELECT rule FROM alert_mutes').all(),
        audit: db
          .prepare("SELECT action, target, outcome FROM audit_log WHERE action LIKE 'alerts.%' AND action != 'alerts.set'")
          .all(),
      };
    } finally {
      closeDatabase(db);
    }
  };
  /** The alert's post in the channel and the value its Acknowledge button carries. */
  const posted = (words: string) => {
    const post = rig.fakeSlack.callsTo('chat.postMessage').find((c) => !c.args.thread_ts && String(c.args.text).includes(words));
    const value = (post?.args.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>)
      ?.find((b) => b.type === 'actions')
      ?.elements?.find((e) => e.action_id === ALERT_ACTION.acknowledge)?.value;
    return { ts: String(post?.result?.ts), value: String(value) };
  };

  it('refuses in words, changing nothing, and the new alert’s own buttons still act on it', { timeout: 150_000 }, async () => {
    const client = slack();
    const answerTo = async (send: () => Promise<{ status: number }>) => {
      const before = rig.fakeSlack.responses.length;
      expect((await send()).status).toBe(200);
      const [answer] = (await rig.fakeSlack.waitForResponses(before + 1, 20_000)).slice(before);
      return readable(answer?.body);
    };
    const ask = (text: string) => answerTo(() => client.command(text));
    const press = (actionId: string, value: string, userId: string, messageTs: string) =>
      answerTo(() => client.blockAction({ actionId, value, userId, channelId: 'C0TEST0001', messageTs }));

    const backupDir = join(rig.dir, 'backups');
    const first = await start({ BACKUP_DIR: backupDir });
    expect(await ask('jobs run backup')).toContain('backup: ok');
    // After the backup: the balance alert fires (a threshold above Wavix's balance) and is posted with its buttons.
    await ask('alerts set balance_usd 1000000');
    expect(await ask('jobs run traffic-watch')).toContain('traffic-watch');
    const balance = posted('The Wavix balance is');
    await stop(first);

    const [copy] = listBackups(backupDir);
    const restored = await runRestore(rig.dir, ['--db', databasePath(), copy ?? '']);
    expect(restored.code, restored.output).toBe(0);

    // Restored: the backup folder's path taken by a file, so the next backup fails and its alert takes id 1.
    const blocked = join(rig.dir, 'not-a-folder');
    writeFileSync(blocked, '');
    const again = await start({ BACKUP_DIR: blocked });
    expect(await ask('jobs run backup')).toContain('backup: failed');
    await rig.fakeSlack.waitFor('chat.postMessage', 2, 10_000);
    expect(rows().alerts).toEqual([expect.objectContaining({ id: 1, rule: 'backup_failed' })]);

    const refused = 'This message is from an alert smsops no longer holds';
    // The buttons as posted now (id and opening time), and as posted before they carried the opening time (the id alone).
    for (const value of [balance.value, '1']) {
      const acknowledged = await press(ALERT_ACTION.acknowledge, value, MEMBER, balance.ts);
      expect(acknowledged).toContain(refused);
      expect(acknowledged).toContain('nothing changed');
      expect(await press(ALERT_ACTION.mute, value, ADMIN_PROCESS.admin, balance.ts)).toContain(refused);
      expect(await press(ALERT_ACTION.snooze1h, value, MEMBER, balance.ts)).toContain(refused);
    }
    expect(rows().alerts).toEqual([expect.objectContaining({ rule: 'backup_failed', acknowledged_by: null })]);
    expect(rows().mutes).toEqual([]);
    // The refused mutes are recorded as failed against the id, never as a mute of the new alert's rule.
    expect(rows().audit).toEqual([
      { action: 'alerts.mute', target: 'alert 1', outcome: 'failed' },
      { action: 'alerts.mute', target: 'alert 1', outcome: 'failed' },
    ]);

    // The backup alert's own message: a button there carrying the id alone (posted before the opening time was added)
    // still acts on it; an acknowledgement shows on the message itself.
    const backupAlert = posted('The database backup failed');
    expect(backupAlert.ts).toBe(rows().alerts[0]?.slack_ts);
    const own = await client.blockAction({
      actionId: ALERT_ACTION.acknowledge,
      value: '1',
      userId: MEMBER,
      channelId: 'C0TEST0001',
      messageTs: backupAlert.ts,
    });
    expect(own.status).toBe(200);
    await waitUntil(() => rows().alerts[0]?.acknowledged_by === MEMBER, 20_000, 'the backup alert acknowledged');
    await stop(again);
  });
});
