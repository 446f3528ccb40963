import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import { inboundWebhookBody, productionEnv, type SmsopsProcess, startSmsopsProcess } from '../helpers/smsopsProcess.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';

/**
 * Stopping the real process (`node --import tsx src/main.ts`) on a signal when something it waits for never ends: a
 * Slack that takes a relayed SMS's post and never answers, a webhook whose body never finishes. It used to log
 * "stopped" and stay alive (a second SIGTERM or Ctrl-C did nothing), and the late Slack answer was then recorded into
 * the closed database ("The database connection is not open").
 */

const WEBHOOK_SECRET = 'whsec_test_0123456789abcdefghijkl';
const INBOX = 'C0STOP0001';

const exitWithin = (p: SmsopsProcess, ms: number) => Promise.race([p.exited, sleep(ms).then(() => 'still running' as const)]);

describe('stopping on SIGTERM / SIGINT (real process)', () => {
  const rig = useRealProcessRig('smsops-stop-signals-');
  const dbPath = () => join(rig.dir, 'smsops.db');

  const start = async (extra: Record<string, string> = {}) =>
    rig.track(
      await startSmsopsProcess(rig.dir, {
        ...productionEnv({ port: rig.port, databasePath: dbPath(), webhookSecret: WEBHOOK_SECRET }),
        SLACK_API_URL: rig.fakeSlack.url,
        SLACK_INBOX_CHANNEL: INBOX,
        SLACK_RELAY_PACE_MS: '0',
        PORTSIP_WEBHOOK_URL: `${rig.sink.url}/emc/stop`,
        LOG_FORMAT: 'json',
        ...extra,
      }),
    );

  const slackDelivery = () => {
    const db = new Database(dbPath(), { readonly: true });
    try {
      return db
        .prepare("SELECT status, attempts, last_error AS lastError FROM deliveries WHERE destination_kind = 'slack'")
        .get() as { status: string; attempts: number; lastError: string | null } | undefined;
    } finally {
      db.close();
    }
  };

  it('cuts a Slack post that is never answered, records it as not delivered, exits 0, and posts it after the restart', {
    timeout: 90_000,
  }, async () => {
    const first = await start();
    const release = rig.fakeSlack.hang('chat.postMessage');
    const response = await fetch(`${rig.base}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: inboundWebhookBody('stop-hung-1', '447400123456', 'posted after the restart'),
    });
    expect(response.status).toBe(200);
    await waitUntil(() => rig.fakeSlack.callsTo('chat.postMessage').length > 0, 10_000, 'the post out to Slack');

    first.child.kill('SIGTERM');
    // Slack still holds the call (released only below): the process must not wait for its answer.
    const exit = await exitWithin(first, 30_000);
    expect(exit, first.logs.slice(-20).join('\n')).toEqual({ code: 0, signal: null });
    const afterStopping = first.logs.slice(first.logs.findIndex((l) => l.includes('"msg":"stopping"')));
    expect(afterStopping.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
    expect(afterStopping.filter((l) => l.includes('"level":"error"'))).toEqual([]);
    // What /sms relay status shows: not delivered, for this reason, and due again.
    expect(slackDelivery()).toMatchObject({ status: 'pending', attempts: 1, lastError: 'smsops stopped before Slack answered' });

    release();
    await start();
    await waitUntil(() => slackDelivery()?.status === 'delivered', 20_000, 'posted after the restart');
  });

  it('cuts an alert-channel post Slack never answers (the daily digest), without waiting for its retries, and exits 0', {
    timeout: 90_000,
  }, async () => {
    // The digest every second: its post goes through the watch's client, which retries (3 times, backing off).
    const p = await start({ DIGEST_CRON: '* * * * * *' });
    const release = rig.fakeSlack.hang('chat.postMessage');
    try {
      await waitUntil(
        () => rig.fakeSlack.callsTo('chat.postMessage').some((c) => c.args.channel === 'C0TEST0001'),
        20_000,
        'the digest post out to Slack',
      );
      p.child.kill('SIGTERM');
      // Before, the stop waited for the call's 30 s timeout, then for each retry's.
      const exit = await exitWithin(p, 10_000);
      expect(exit, p.logs.slice(-20).join('\n')).toEqual({ code: 0, signal: null });
      expect(p.logs.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
    } finally {
      release();
    }
  });

  it("ends a job's alert waiting out Slack's Retry-After at SIGTERM, and exits 0 well within a supervisor's 30 s", {
    timeout: 90_000,
  }, async () => {
    // The backup job every second, into a BACKUP_DIR that is a file: each run fails and raises the backup alert.
    const notAFolder = join(rig.dir, 'not-a-folder');
    writeFileSync(notAFolder, '');
    rig.fakeSlack.rateLimit('chat.postMessage', 3600, 1_000);
    const p = await start({ BACKUP_DIR: notAFolder, BACKUP_CRON: '* * * * * *' });
    await waitUntil(
      () => rig.fakeSlack.callsTo('chat.postMessage').some((c) => c.rateLimited && c.args.channel === 'C0TEST0001'),
      20_000,
      'the alert rate-limited by Slack',
    );
    // The client now waits the Retry-After (capped at a minute): before, a plain timer no stop could end.
    await sleep(500);
    p.child.kill('SIGTERM');
    const exit = await exitWithin(p, 20_000);
    expect(exit, p.logs.slice(-20).join('\n')).toEqual({ code: 0, signal: null });
    expect(p.logs.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
  });

  it('exits at once, with code 1 and a line saying so, on a second SIGTERM while the stop waits', {
    timeout: 60_000,
  }, async () => {
    // A request in progress holds the HTTP shutdown for its grace period: a minute here.
    const p = await start({ HTTP_SHUTDOWN_GRACE_MS: '60000', HTTP_REQUEST_TIMEOUT_MS: '120000' });
    const socket = connect(rig.port, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      `POST /webhooks/wavix/inbound/${WEBHOOK_SECRET} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"message`,
    );
    try {
      await sleep(300);
      p.child.kill('SIGTERM');
      await p.waitForLine(/"msg":"stopping"/, 10_000);
      await sleep(600); // a repeat within half a second is the same signal, passed on by npm
      p.child.kill('SIGTERM');
      const exit = await exitWithin(p, 20_000);
      expect(exit, p.logs.slice(-20).join('\n')).toEqual({ code: 1, signal: null });
      expect(p.logs.some((l) => l.includes('second SIGTERM while stopping: exiting now'))).toBe(true);
    } finally {
      socket.destroy();
    }
  });
});
