import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tenDlcWebhookUrls } from '../../src/jobs/tenDlcWebhookUrls.js';
import { startWavixEmulator, type WavixEmulator } from '../../src/sandbox/emulator/server.js';
import { ADMIN_PROCESS, adminProcess } from '../helpers/adminProcess.js';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import type { SlackTestClient } from '../helpers/slackRequests.js';
import { readable, runCommand } from '../helpers/smsopsUnderTest.js';

/**
 * A restart with a new WEBHOOK_SECRET while Wavix answered 503 on its 10DLC subscriptions: one warning at start, then
 * the subscriptions kept the old URL for the life of the process (Wavix's BrandStatusChanged got 404), and neither a
 * ten-dlc run nor `/sms doctor` fixed or said it.
 */

const OLD_SECRET = 'whsec_before_restart_0123456789ab';

describe('10DLC status webhooks Wavix refused at start (real process)', () => {
  const rig = useRealProcessRig('smsops-10dlc-subscriptions-');
  let emulator: WavixEmulator;
  // One signed client for the test: a second one would sign an identical command alike, which smsops refuses as a replay.
  let signed: SlackTestClient;

  beforeEach(async () => {
    emulator = await startWavixEmulator({});
    signed = slack();
  });
  afterEach(async () => {
    await emulator.close();
  });

  const { start, slack } = adminProcess(rig, () => ({ apiKey: emulator.apiKey, url: emulator.url }));
  const client = () => ({ slack: signed, fakeSlack: rig.fakeSlack });
  const doctorReport = async () => {
    const before = rig.fakeSlack.responses.length;
    await runCommand(client(), 'doctor', { userId: ADMIN_PROCESS.admin });
    // "Checking…", then the report in its place.
    const responses = await rig.fakeSlack.waitForResponses(before + 2, 30_000);
    return readable(responses[before + 1]?.body);
  };

  it('are set at the new URL by the next ten-dlc run, and doctor names them until then', { timeout: 90_000 }, async () => {
    for (const [category, url] of Object.entries(tenDlcWebhookUrls(rig.base, OLD_SECRET)))
      emulator.state().subscriptions.push({ subscription_category: category, url });
    emulator.injectFault({ path: '/v3/10dlc/subscriptions', status: 503, times: 100 });
    const smsops = await start({ PUBLIC_BASE_URL: rig.base });
    await smsops.waitForLine(/10DLC status webhooks not set/);
    emulator.clearFaults();

    const missing = await doctorReport();
    expect(missing).toContain('10DLC status webhooks');
    expect(missing).toContain('Wavix does not post brand, campaign and number status changes to smsops: brand goes to `');
    expect(missing).toContain('its last attempt failed: Wavix is unavailable right now (503)');
    expect(missing).toContain('`/sms jobs run ten-dlc` does it now');
    expect(missing).not.toContain(OLD_SECRET);

    const run = readable((await runCommand(client(), 'jobs run ten-dlc', { userId: ADMIN_PROCESS.admin })).body);
    expect(run).toContain('status webhooks pointed at smsops (brand, campaign, number)');
    expect(emulator.state().subscriptions.map((s) => s.url)).toEqual(
      Object.values(tenDlcWebhookUrls(rig.base, ADMIN_PROCESS.webhookSecret)),
    );

    const change = await fetch(`${emulator.url}/_emulator/10dlc/brands/BM20QP9/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'SUSPENDED' }),
    });
    expect(change.status).toBe(200);
    expect(emulator.state().webhookAttempts.at(-1)).toMatchObject({ event: 'BrandStatusChanged', status: 200 });
    expect(await doctorReport()).toContain('Wavix posts brand, campaign and number status changes to smsops.');
  });
});
