import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listBackups } from '../../src/store/backup.js';
import { adminProcess } from '../helpers/adminProcess.js';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import { runRestore } from '../helpers/runRestore.js';
import type { SmsopsProcess } from '../helpers/smsopsProcess.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';

/**
 * A backup taken by the run that ended a failed streak holds that run mid-way: its `backup_failed` alert still open
 * and the `/sms jobs run backup` that asked for it in progress. Restored, /sms alerts said backups were failing,
 * /sms audit called the run "unknown: smsops stopped before it finished", and the next good backup edited the alert's
 * Slack message to Resolved again and replied "Resolved after …" a second time.
 */
describe('a restore of the backup that ended a failed streak (real process)', () => {
  const rig = useRealProcessRig('smsops-restore-streak-');
  // Wavix is never reached by the backup job: a closed loopback port.
  const { databasePath, start, slack } = adminProcess(rig, () => ({ apiKey: 'test-wavix-key-0000', url: 'http://127.0.0.1:9' }));
  const backupDir = () => join(rig.dir, 'backups');
  const stop = async (p: SmsopsProcess) => {
    p.child.kill('SIGTERM');
    expect(await Promise.race([p.exited, sleep(30_000).then(() => 'still running')])).toEqual({ code: 0, signal: null });
  };
  const resolvedPosts = () => ({
    edits: rig.fakeSlack
      .callsTo('chat.update')
      .filter((c) => String(c.args.text).startsWith('Resolved: The database backup failed')),
    replies: rig.fakeSlack.callsTo('chat.postMessage').filter((c) => String(c.args.text).includes('Resolved after')),
  });
  /** The answer to `/sms <text>`, as the person who asked reads it. */
  const asker = () => {
    // One client for the test: each request a new id (a second client's first request repeats the first one's).
    const client = slack();
    return async (text: string) => {
      const before = rig.fakeSlack.responses.length;
      expect((await client.command(text)).status).toBe(200);
      const [answer] = (await rig.fakeSlack.waitForResponses(before + 1, 20_000)).slice(before);
      return JSON.stringify(answer?.body);
    };
  };

  it('restored, backups are not said to fail, the run that made the copy is ok, and the alert is not resolved twice', {
    timeout: 120_000,
  }, async () => {
    const ask = asker();
    // The backup folder's path taken by a file (a mount gone wrong): the first backup fails.
    writeFileSync(backupDir(), '');
    const first = await start({ BACKUP_DIR: backupDir() });
    expect(await ask('jobs run backup')).toContain('backup: failed');
    await rig.fakeSlack.waitFor('chat.postMessage', 1, 10_000);
    expect(JSON.stringify(rig.fakeSlack.callsTo('chat.postMessage'))).toContain('The database backup failed');

    rmSync(backupDir());
    expect(await ask('jobs run backup')).toContain('backup: ok');
    await waitUntil(() => resolvedPosts().replies.length === 1, 10_000, 'the alert resolved in Slack');
    expect(resolvedPosts().edits).toHaveLength(1);
    const [copy] = listBackups(backupDir());
    await stop(first);

    const restored = await runRestore(rig.dir, ['--db', databasePath(), copy ?? '']);
    expect(restored.code, restored.output).toBe(0);

    const again = await start({ BACKUP_DIR: backupDir() });
    const alerts = await ask('alerts');
    expect(alerts).not.toContain('The database backup failed');
    const audit = await ask('audit');
    expect(audit).not.toContain('smsops stopped before it finished');
    expect(audit).toContain('made the copy this database was restored from');

    expect(await ask('jobs run backup')).toContain('backup: ok');
    // The run answers once its alert is resolved and shown: a second Resolved would be in by now.
    expect(resolvedPosts().edits).toHaveLength(1);
    expect(resolvedPosts().replies).toHaveLength(1);
    expect(existsSync(backupDir()) && readdirSync(backupDir()).length).toBe(2);
    await stop(again);
  });
});
