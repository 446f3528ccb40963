import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type FaultFs, faultFsUnavailable, mountFaultFs } from '../helpers/faultFs.js';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import { productionEnv, type SmsopsProcess, startSmsopsProcess } from '../helpers/smsopsProcess.js';
import { storeProbes } from '../helpers/storeProbes.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';

/**
 * A disk that fails every fsync with an I/O error while writes still go through (a dying disk, a network file system
 * losing its server). With DATABASE_SYNCHRONOUS=normal, the default, commits never fsync: only the WAL checkpoints
 * do. A probe of the real process on a FUSE file system failing every fsync for 15 s under 100 webhooks/s: every
 * webhook was answered 200, /healthz said ok and smsops_store_writable 1 throughout, and one "WAL checkpoint failed"
 * warning was all anyone was told, though Linux may drop the pages a failed fsync could not write.
 */

const WEBHOOK_SECRET = 'whsec_syncfail_0123456789abcdefghij';
const unavailable = faultFsUnavailable();

describe('a disk failing its fsyncs (real process, FUSE)', () => {
  const rig = useRealProcessRig('smsops-syncfail-');
  const { post, health, writable, delivered } = storeProbes(rig, WEBHOOK_SECRET);

  // Reads of the -wal failing with EIO fail the checkpoint as SQLITE_CORRUPT ("malformed"): /healthz said ok too.
  const cases = [
    { fault: { fsync_eio: true }, said: /failed to sync the database.*may not be on disk/ },
    { fault: { read_eio: '-wal' }, said: /could not read the database or its WAL.*may not be on disk/ },
  ];
  it.skipIf(unavailable !== null).each(cases)(
    `says so in /healthz, /metrics and Slack while checkpoints fail ($fault), and ends it once they pass${unavailable ? ` (skipped: ${unavailable})` : ''}`,
    { timeout: 90_000 },
    async ({ fault, said }) => {
      let fs: FaultFs | undefined;
      let smsops: SmsopsProcess | undefined;
      try {
        fs = await mountFaultFs(rig.dir);
        const faults = fs;
        smsops = rig.track(
          await startSmsopsProcess(rig.dir, {
            ...productionEnv({ port: rig.port, databasePath: join(faults.dir, 'smsops.db'), webhookSecret: WEBHOOK_SECRET }),
            SLACK_API_URL: rig.fakeSlack.url,
            SLACK_ALERT_CHANNEL: 'C0ALERTS01',
            PORTSIP_WEBHOOK_URL: `${rig.sink.url}/emc/sync-fail`,
            SLACK_RELAY_PACE_MS: '0',
            RELAY_STALL_ALERT_MS: '1000',
          }),
        );
        expect((await post('before')).status).toBe(200);
        expect((await health()).status).toBe(200);

        faults.set(fault);
        // Writes go on (commits do not sync), and each gives the checkpoint something to copy and sync.
        let n = 0;
        const failing = await waitUntil(
          async () => {
            await post(`during-${n++}`);
            const h = await health();
            return h.status === 503 ? h : null;
          },
          15_000,
          () => `/healthz stayed ok while every fsync failed\n${smsops?.logs.slice(-10).join('\n')}`,
        );
        expect(failing.body.reasons.join(' ')).toMatch(said);
        expect(await writable()).toBe('0');
        const stall = await waitUntil(
          () => rig.fakeSlack.callsTo('chat.postMessage').find((c) => said.test(String(c.args.text))),
          15_000,
          'the stall said in Slack',
        );
        // Not "acknowledged SMS are kept": on such a disk they may not be.
        expect(String(stall.args.text)).toMatch(/Check the disk now/);

        faults.set({});
        await waitUntil(
          async () => {
            await post(`after-${n++}`);
            return (await health()).status === 200 && (await writable()) === '1';
          },
          20_000,
          () => `/healthz not ok again once fsyncs passed\n${smsops?.logs.slice(-10).join('\n')}`,
        );
        // Nothing acknowledged went missing on the way.
        await waitUntil(() => delivered().includes('before') && delivered().includes(`after-${n - 1}`), 20_000, 'delivered');
      } finally {
        // smsops first: its files are on the mount.
        smsops?.kill();
        await Promise.race([smsops?.exited, sleep(5_000)]);
        await fs?.unmount();
      }
    },
  );
});
