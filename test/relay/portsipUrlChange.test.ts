import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
  WEBHOOK_SECRET,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';
import { type WebhookSink, webhookSinks } from '../helpers/webhookSink.js';

/**
 * PORTSIP_WEBHOOK_URL wrong, fixed in the environment, smsops restarted: the SMS queued for the old URL go to the
 * route in force now (they retried the old URL until dead), and the start-up line names the default that decides.
 */

const OLD_UUID = '0d3c1111-eeee-3333-4444-555566667777';
const NEW_UUID = '0d3c9999-eeee-3333-4444-555566667777';

let t: SmsopsUnderTest | undefined;
const sinks = webhookSinks();
let dir: string | undefined;
afterEach(async () => {
  if (t) await stopCheckingSecrets(t);
  t = undefined;
  await sinks.closeAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const sink = sinks.start;

async function post(smsops: SmsopsUnderTest, messageId: string, to = '14155550154'): Promise<void> {
  const response = await fetch(`${smsops.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      message_id: messageId,
      message_type: 'sms',
      from: '447400800004',
      to,
      message_body: { text: messageId, media: null },
      received_at: '2026-11-25T10:00:00.000Z',
    }),
  });
  expect(response.status).toBe(200);
}

const ids = (s: WebhookSink) => s.received.map((r) => (r.json() as { message_id: string }).message_id);

/** Stops the running smsops (checking secrets) and starts it again on the same database with `env`. */
async function restart(databasePath: string, env: Record<string, string>): Promise<SmsopsUnderTest> {
  if (t) await stopCheckingSecrets(t);
  t = await startSmsopsUnderTest({ DATABASE_PATH: databasePath, SLACK_RELAY_PACE_MS: '0', ...env });
  return t;
}

describe('PORTSIP_WEBHOOK_URL fixed in the environment', () => {
  it('sends what was queued for the old URL to the new one after the restart, logged and audited masked', async () => {
    const wrong = await sink();
    const right = await sink();
    wrong.respondWith(404);
    dir = mkdtempSync(join(tmpdir(), 'smsops-env-url-'));
    const databasePath = join(dir, 'smsops.db');
    const oldUrl = `${wrong.url}/emc/envwrong/${OLD_UUID}`;
    // A failed attempt waits 20 s or more: delivery within seconds of the restart is the move's doing.
    let smsops = await restart(databasePath, { PORTSIP_WEBHOOK_URL: oldUrl, RELAY_RETRY_BASE_MS: '20000' });
    await post(smsops, 'env-1');
    await post(smsops, 'env-2');
    await waitUntil(() => (wrong.received.length >= 1 ? true : undefined), 5000, 'a failed attempt at the old URL');

    smsops = await restart(databasePath, {
      PORTSIP_WEBHOOK_URL: `${right.url}/emc/envright/${NEW_UUID}`,
      RELAY_RETRY_BASE_MS: '20000',
    });
    await waitUntil(() => (right.received.length >= 2 ? true : undefined), 5000, 'both at the new URL');
    expect(ids(right)).toEqual(['env-1', 'env-2']);
    const wrongAttempts = wrong.received.length;

    const moved = smsops.logs.map((l) => JSON.parse(l)).find((l) => l.msg.startsWith('PORTSIP_WEBHOOK_URL changed'));
    expect(moved).toMatchObject({ level: 'info', moved: 2, from: `${wrong.url}/emc/envwrong/0d3c…` });
    const audit = smsops.db
      .prepare("SELECT actor, action, target, params, outcome FROM audit_log WHERE actor = 'configuration'")
      .all() as Array<{ actor: string; action: string; target: string; params: string; outcome: string }>;
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'route.set', target: 'PORTSIP_WEBHOOK_URL', outcome: 'ok' });
    expect(JSON.parse(audit[0]?.params ?? '{}')).toEqual({
      from: `${wrong.url}/emc/envwrong/0d3c…`,
      to: `${right.url}/emc/envright/0d3c…`,
      movedDeliveries: 2,
    });
    expect(JSON.stringify([smsops.logs, audit])).not.toContain(OLD_UUID);

    // A restart with the same URL moves nothing and records nothing more; the old URL is never tried again.
    smsops = await restart(databasePath, { PORTSIP_WEBHOOK_URL: `${right.url}/emc/envright/${NEW_UUID}` });
    await post(smsops, 'env-3');
    await waitUntil(() => (right.received.length >= 3 ? true : undefined), 5000, 'the next SMS at the new URL');
    expect(smsops.db.prepare("SELECT count(*) AS n FROM audit_log WHERE actor = 'configuration'").get()).toEqual({ n: 1 });
    expect(wrong.received).toHaveLength(wrongAttempts);
  });

  it('keeps the stored `default` route deciding, and the start-up line names it as the default', async () => {
    const wrong = await sink();
    const route = await sink();
    const envRight = await sink();
    wrong.respondWith(503);
    dir = mkdtempSync(join(tmpdir(), 'smsops-env-url-'));
    const databasePath = join(dir, 'smsops.db');
    let smsops = await restart(databasePath, {
      PORTSIP_WEBHOOK_URL: `${wrong.url}/emc/envwrong/${OLD_UUID}`,
      RELAY_RETRY_BASE_MS: '20000',
    });
    await post(smsops, 'def-1');
    await waitUntil(() => (wrong.received.length >= 1 ? true : undefined), 5000, 'a failed attempt at the old URL');
    // The delivery is left waiting for the old URL, as one queued before a `default` route would be after a stop.
    smsops.db
      .prepare(
        'INSERT INTO routes (number, portsip_url, slack_channel, created_by, created_at, updated_at) VALUES (?, ?, NULL, ?, ?, ?)',
      )
      .run('default', `${route.url}/emc/route/${NEW_UUID}`, 'U0ADMIN001', Date.now(), Date.now());
    await runCommand(smsops, `route set +1 202 555 0143 ${route.url}/emc/own/${NEW_UUID}`);

    smsops = await restart(databasePath, {
      PORTSIP_WEBHOOK_URL: `${envRight.url}/emc/envright/${NEW_UUID}`,
      RELAY_RETRY_BASE_MS: '20000',
    });
    expect(smsops.smsops.summary.map((line) => line.msg)).toContain(
      `relaying inbound SMS to PortSIP: 1 PortSIP route, default ${route.url}/emc/route/0d3c… (the \`default\` route; PORTSIP_WEBHOOK_URL is not used while it exists)`,
    );
    await waitUntil(() => (route.received.length >= 1 ? true : undefined), 5000, 'at the `default` route');
    expect(ids(route)).toEqual(['def-1']);
    expect(envRight.received).toHaveLength(0);
    expect(readable((await runCommand(smsops, 'audit')).body)).toContain('PORTSIP_WEBHOOK_URL');
  });
});
