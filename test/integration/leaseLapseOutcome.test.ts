import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../helpers/fakeSlack.js';
import { freePort, inboundWebhookBody, productionEnv, type SmsopsProcess, startSmsopsProcess } from '../helpers/smsopsProcess.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

/**
 * Another process holds the write lock long enough for smsops' instance lease to run out (its renewals fail), while
 * PortSIP is answering SMS already sent. The lease comes back to the same process once the lock goes: nobody else took
 * the database, so the outcomes are still smsops' to write. A probe saw all three sent to PortSIP a second time.
 */

const WEBHOOK_SECRET = 'whsec_test_0123456789abcdefghijkl';

let dir: string | undefined;
let smsops: SmsopsProcess | undefined;
let sink: WebhookSink | undefined;
let fakeSlack: FakeSlack | undefined;

afterEach(async () => {
  smsops?.kill();
  if (smsops) await Promise.race([smsops.exited, sleep(5_000)]);
  await Promise.all([sink?.close(), fakeSlack?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
  smsops = sink = fakeSlack = dir = undefined;
});

describe('an instance lease that runs out and comes back to the same process', () => {
  it('writes the outcomes PortSIP answered meanwhile, and sends nothing twice', { timeout: 90_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-lease-lapse-'));
    const databasePath = join(dir, 'smsops.db');
    const port = await freePort();
    sink = await startWebhookSink();
    fakeSlack = await startFakeSlack();
    smsops = await startSmsopsProcess(dir, {
      ...productionEnv({ port, databasePath, webhookSecret: WEBHOOK_SECRET }),
      SLACK_API_URL: fakeSlack.url,
      PORTSIP_WEBHOOK_URL: `${sink.url}/emc/x`,
      SLACK_RELAY_PACE_MS: '0',
      INSTANCE_LEASE_MS: '3000',
      RELAY_LEASE_MS: '8000',
      PORTSIP_DEADLINE_MS: '6000',
    });
    sink.delay(4_000); // PortSIP answers while the lock holds the lease out
    for (let i = 0; i < 3; i++) {
      const answer = await fetch(`http://127.0.0.1:${port}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: inboundWebhookBody(`lapse-${i}`, `4474001234${i}0`, `m ${i}`),
      });
      expect(answer.status).toBe(200);
    }
    await waitUntil(() => (sink?.received.length ?? 0) >= 3, 10_000, 'the three SMS under way at PortSIP');
    const other = new Database(databasePath);
    other.exec('BEGIN IMMEDIATE');
    await sleep(8_000);
    other.exec('ROLLBACK');
    other.close();
    sink.delay(0);
    // Past the relay lease (8 s) and a sweep: a delivery whose outcome was dropped has been sent again by now.
    await waitUntil(
      () => smsops?.logs.some((line) => line.includes('instance lease renewed again')) ?? false,
      15_000,
      'the lease renewed',
    );
    await sleep(12_000);
    const ids = sink.received.map((r) => (r.json() as { message_id: string }).message_id);
    expect(ids.sort()).toEqual(['lapse-0', 'lapse-1', 'lapse-2']);
    const check = new Database(databasePath, { readonly: true });
    const rows = check
      .prepare("SELECT status, count(*) AS n FROM deliveries WHERE destination_kind = 'portsip' GROUP BY status")
      .all();
    check.close();
    expect(rows).toEqual([{ status: 'delivered', n: 3 }]);
  });
});
