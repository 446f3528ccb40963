import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWavixEmulator, type WavixEmulator } from '../../src/sandbox/emulator/server.js';
import { ACTION } from '../../src/slack/ids.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fakeSlack.js';
import { createSlackTestClient } from '../helpers/slackRequests.js';
import { freePort, type SmsopsProcess, startSmsopsProcess } from '../helpers/smsopsProcess.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

/**
 * SMS text is personal data: never logged, at any level. Checked on the real process (`tsx src/main.ts`) at
 * LOG_LEVEL=debug, where Bolt's Web API client would log every chat.postMessage body and its result, while an SMS is
 * relayed to PortSIP and Slack, listed by `/sms inbox` and replayed by `/sms relay replay`.
 */

const WEBHOOK_SECRET = 'whsec_test_0123456789abcdefghijkl';
const SIGNING_SECRET = 'test-signing-secret-logs-0123';
const BOT_TOKEN = 'xoxb-test-logs-0123456789';
/** Pieces of the SMS, each distinctive enough that finding it in a log means the text leaked. */
const SMS_TEXT = 'Privé 7f3a9c: meet Dr Quinlan at Rue Zéphyr 12, code 482913 ☕';
const FRAGMENTS = ['7f3a9c', 'Quinlan', 'Zéphyr', 'Z\\u00e9phyr', '482913'];

describe('personal data in the log of the real process', () => {
  let dir: string;
  let sink: WebhookSink;
  let fakeSlack: FakeSlack;
  let emulator: WavixEmulator;
  let smsops: SmsopsProcess | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-logs-'));
    sink = await startWebhookSink();
    fakeSlack = await startFakeSlack();
    emulator = await startWavixEmulator({});
  });

  afterEach(async () => {
    smsops?.kill();
    if (smsops) await Promise.race([smsops.exited, sleep(5_000)]);
    await Promise.all([sink.close(), fakeSlack.close(), emulator.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('never logs SMS text at LOG_LEVEL=debug: relay to PortSIP and Slack, /sms inbox, /sms relay replay', {
    timeout: 60_000,
  }, async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    smsops = await startSmsopsProcess(dir, {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_ALERT_CHANNEL: 'C0ALERTS01',
      // The person typing is an smsops admin: the inbox shows them the text, and they may replay.
      SLACK_ADMIN_USERS: 'U0ADMIN001',
      SLACK_API_URL: fakeSlack.url,
      WAVIX_API_KEY: emulator.apiKey,
      WAVIX_API_URL: emulator.url,
      WEBHOOK_SECRET,
      DATABASE_PATH: join(dir, 'data', 'smsops.db'),
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      PORTSIP_WEBHOOK_URL: `${sink.url}/emc/Wavix - US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90`,
      RELAY_RETRY_BASE_MS: '20',
      SLACK_RELAY_PACE_MS: '0',
    });
    const { logs } = smsops;

    const raw = JSON.stringify({
      message_id: 'pd-1',
      message_type: 'sms',
      from: '447400123456',
      to: '14155550100',
      message_body: { text: SMS_TEXT, media: null },
      received_at: '2026-11-25T10:00:00Z',
    });
    const posted = await fetch(`${base}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: raw,
    });
    expect(posted.status).toBe(200);
    await waitUntil(
      () => sink.received.length >= 1 && fakeSlack.callsTo('chat.postMessage').length >= 1,
      15_000,
      () => 'the SMS to reach PortSIP and Slack',
    );
    expect(JSON.stringify(fakeSlack.callsTo('chat.postMessage')[0]?.args)).toContain('7f3a9c');

    const slack = createSlackTestClient({
      eventsUrl: `${base}/slack/events`,
      signingSecret: SIGNING_SECRET,
      responseUrl: fakeSlack.responseUrl,
    });
    expect((await slack.command('inbox')).status).toBe(200);
    expect((await slack.command('relay replay pd-1')).status).toBe(200);
    const answers = await fakeSlack.waitForResponses(2);
    expect(JSON.stringify(answers)).toContain('7f3a9c'); // the inbox shows the text to the person who asked
    // pd-1 was delivered already: the replay asks first, then goes ahead on "Send again".
    const question = answers.find((a) => JSON.stringify(a.body).includes(ACTION.confirmReplay))?.body;
    const send = question?.blocks
      ?.flatMap((b: { elements?: Array<{ action_id?: string; value?: string }> }) => b.elements ?? [])
      .find((e: { action_id?: string }) => e.action_id === ACTION.confirmReplay);
    expect((await slack.blockAction({ actionId: ACTION.confirmReplay, value: send?.value ?? '' })).status).toBe(200);
    await waitUntil(
      () => sink.received.length >= 2 && fakeSlack.callsTo('chat.postMessage').length >= 2,
      15_000,
      () => 'the replay to reach PortSIP and Slack',
    );

    process.kill(-smsops.pid, 'SIGTERM');
    await Promise.race([smsops.exited, sleep(10_000)]);

    // Debug logging was on, with Bolt's Web API lines in it: the check below is not vacuous.
    expect(logs.some((line) => line.includes('"level":"debug"') && line.includes('http request body: ['))).toBe(true);
    expect(logs.some((line) => line.includes('"level":"debug"') && line.includes('http request result:'))).toBe(true);
    const leaks = logs.filter((line) => FRAGMENTS.some((fragment) => line.includes(fragment)));
    expect(leaks).toEqual([]);
    for (const secret of [SIGNING_SECRET, BOT_TOKEN, WEBHOOK_SECRET, emulator.apiKey])
      expect(logs.join('\n')).not.toContain(secret);
  });
});
