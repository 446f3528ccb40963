import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { deliveryReport } from '../../src/sandbox/emulator/routes/messages.js';
import type { WavixMessage } from '../../src/sandbox/emulator/state.js';
import { ACTION } from '../../src/slack/ids.js';
import { REPLY_THREAD, relayedThread, replyInThread } from '../helpers/replyThreads.js';
import {
  ADMIN,
  ALERT_CHANNEL,
  PUBLIC_BASE_URL,
  postInbound,
  readable,
  runCommand,
  type SmsopsUnderTest,
  slackTraffic,
  startSmsopsUnderTest,
  WEBHOOK_SECRET,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';
import { wavixRecords } from '../helpers/wavixRecords.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

/**
 * Rotating WEBHOOK_SECRET: the test rig's secret is the old one, Wavix's URLs hold it, and smsops restarts with a new
 * one. With the old one in WEBHOOK_SECRET_PREVIOUS nothing Wavix posts there is lost; without it, as before, 404.
 */
const OLD = WEBHOOK_SECRET;
const NEW = 'whsec_rotated_9876543210zyxwvutsrq';
const ROTATING = { WEBHOOK_SECRET: NEW, WEBHOOK_SECRET_PREVIOUS: OLD };
const url = (kind: 'inbound' | 'dlr', secret: string) => `${PUBLIC_BASE_URL}/webhooks/wavix/${kind}/${secret}`;

let t: SmsopsUnderTest | undefined;
let pbx: WebhookSink | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await t?.stop();
  t = undefined;
  await pbx?.close();
  pbx = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const post = (s: SmsopsUnderTest, path: string, body: unknown) =>
  fetch(`${s.smsops.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const metricsText = async (s: SmsopsUnderTest) => (await fetch(`${s.smsops.url}/metrics`)).text();

/** Everything a secret could reach: the log, Slack, /metrics, /healthz and the audit log. */
async function everywhere(s: SmsopsUnderTest): Promise<string> {
  const health = await (await fetch(`${s.smsops.url}/healthz`)).text();
  const audit = JSON.stringify(s.db.prepare('SELECT * FROM audit_log').all());
  return [s.logs.join('\n'), slackTraffic(s), await metricsText(s), health, audit].join('\n');
}

const previousSecretWarnings = (s: SmsopsUnderTest) =>
  s.logs.filter((line) => line.includes('Wavix still posts to smsops’ URL with its previous webhook secret'));

describe('a webhook secret rotation with WEBHOOK_SECRET_PREVIOUS', () => {
  it('stores and relays once an SMS Wavix posts to the old URL (a retry of it a duplicate), counts it, warns once, never prints a secret', async () => {
    pbx = await startWebhookSink();
    t = await startSmsopsUnderTest({ ...ROTATING, SLACK_RELAY_PACE_MS: '0', PORTSIP_WEBHOOK_URL: `${pbx.url}/emc/wavix` });
    const s = t;

    const first = await postInbound(s, { message_id: 'rot-1', text: 'sent to the old URL' });
    expect(first.status).toBe(200);
    // Wavix retrying the same SMS: a duplicate, not a second message.
    expect((await postInbound(s, { message_id: 'rot-1', text: 'sent to the old URL' })).status).toBe(200);
    expect((await postInbound(s, { message_id: 'rot-2' })).status).toBe(200);
    // The new URL works, and any other secret is still refused as if the path did not exist.
    expect(
      (await post(s, `/webhooks/wavix/inbound/${NEW}`, { message_id: 'rot-3', from: '447400123456', to: '14155550100' })).status,
    ).toBe(200);
    expect((await post(s, '/webhooks/wavix/inbound/whsec_someone_else_0123456789abcd', {})).status).toBe(404);
    // The 10DLC status webhooks take it too: a body that is no status is refused for its body (400), not its URL.
    expect((await post(s, `/webhooks/wavix/10dlc/brand/${OLD}`, {})).status).toBe(400);

    expect(s.db.prepare('SELECT wavix_message_id FROM inbound_messages ORDER BY wavix_message_id').pluck().all()).toEqual([
      'rot-1',
      'rot-2',
      'rot-3',
    ]);
    await waitUntil(() => (pbx?.received.length ?? 0) >= 3, 8_000, 'the three SMS relayed to PortSIP');
    const relayed = pbx.received.map((r) => (r.json() as { message_id: string }).message_id).sort();
    expect(relayed).toEqual(['rot-1', 'rot-2', 'rot-3']);

    const metrics = await metricsText(s);
    expect(metrics).toMatch(/^smsops_webhooks_previous_secret_total\{route="inbound"\} 3$/m);
    expect(metrics).toMatch(/^smsops_webhooks_previous_secret_total\{route="10dlc\/brand"\} 1$/m);
    expect(metrics).toMatch(/^smsops_webhooks_total\{route="inbound",outcome="wrong_secret"\} 1$/m);
    // At most once a minute per route: one line for the three inbound SMS, one for the 10DLC one.
    const warnings = previousSecretWarnings(s);
    expect(warnings).toHaveLength(2);
    const forRoute = (route: string) => warnings.find((line) => line.includes(`"route":"${route}"`)) ?? '';
    expect(forRoute('inbound')).toContain('/sms webhook set default');
    expect(forRoute('inbound')).toContain('WEBHOOK_SECRET_PREVIOUS #1');
    // `/sms webhook set` does not move Wavix's 10DLC subscriptions: the ten-dlc run does.
    expect(forRoute('10dlc/brand')).toContain('/sms jobs run ten-dlc');
    expect(forRoute('10dlc/brand')).not.toContain('/sms webhook set default');
    // Said at start too; these lines never needed the logger's masking, the last line of defence.
    const startLine = s.logs.filter((line) => line.includes('webhook URLs with a previous secret are still taken'));
    expect(startLine).toHaveLength(1);
    expect([...warnings, ...startLine].join('\n')).not.toContain('[REDACTED]');
    const seen = await everywhere(s);
    expect(seen).not.toContain(OLD);
    expect(seen).not.toContain(NEW);
  });

  it('with the old secret in WEBHOOK_SECRET_PREVIOUS_DLR, its holder can no longer post SMS or STOPs; delivery reports still come', async () => {
    t = await startSmsopsUnderTest({ WEBHOOK_SECRET: NEW, WEBHOOK_SECRET_PREVIOUS_DLR: OLD });
    const s = t;
    // Whoever kept the leaked secret: a forged STOP for a customer, an SMS, a 10DLC status.
    const stop = {
      message_id: 'forged-stop',
      from: '447400123456',
      to: '14155550100',
      message_body: { text: 'STOP', media: null },
    };
    expect((await post(s, `/webhooks/wavix/inbound/${OLD}`, stop)).status).toBe(404);
    expect((await post(s, `/webhooks/wavix/10dlc/brand/${OLD}`, {})).status).toBe(404);
    expect(s.db.prepare('SELECT count(*) FROM opt_outs').pluck().get()).toBe(0);
    expect(s.db.prepare('SELECT count(*) FROM inbound_messages').pluck().get()).toBe(0);
    // A reply's callback URL from before the rotation still delivers its report, counted and named by its variable.
    const report = {
      message_id: 'old-callback-1',
      status: 'delivered',
      from: '14155550100',
      to: '447400123456',
      segments_count: 1,
    };
    expect((await post(s, `/webhooks/wavix/dlr/${OLD}`, report)).status).toBe(200);
    expect(s.db.prepare('SELECT count(*) FROM delivery_reports').pluck().get()).toBe(1);
    expect(await metricsText(s)).toMatch(/^smsops_webhooks_previous_secret_total\{route="dlr"\} 1$/m);
    expect(previousSecretWarnings(s).join('\n')).toContain('WEBHOOK_SECRET_PREVIOUS_DLR #1');
    expect(await everywhere(s)).not.toContain(OLD);
  });

  it('with the old secret in WEBHOOK_SECRET_PREVIOUS_DLR, an SMS posted to its DLR URL is not taken as an SMS either', async () => {
    t = await startSmsopsUnderTest({ WEBHOOK_SECRET: NEW, WEBHOOK_SECRET_PREVIOUS_DLR: OLD });
    const s = t;
    // The leaked secret's holder posts the forged STOP to the DLR URL, which smsops takes an SMS at (crossed webhooks).
    const stop = {
      message_id: 'forged-stop-at-dlr',
      from: '447400123456',
      to: '14155550100',
      message_body: { text: 'STOP', media: null },
      received_at: new Date().toISOString(),
    };
    const answer = await post(s, `/webhooks/wavix/dlr/${OLD}`, stop);
    expect(answer.status).toBe(400);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(s.db.prepare('SELECT count(*) FROM opt_outs').pluck().get()).toBe(0);
    expect(s.db.prepare('SELECT count(*) FROM inbound_messages').pluck().get()).toBe(0);
    // Under the current secret, an SMS at the DLR URL is still taken as the SMS it is.
    expect((await post(s, `/webhooks/wavix/dlr/${NEW}`, { ...stop, message_id: 'real-at-dlr' })).status).toBe(200);
  });

  it('a delivery report for a reply sent before the restart, posted to its old callback URL, moves the reply on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsops-rotation-'));
    dirs.push(dir);
    const env = { DATABASE_PATH: join(dir, 'smsops.db'), SLACK_INBOX_CHANNEL: REPLY_THREAD.inbox, SLACK_RELAY_PACE_MS: '0' };
    t = await startSmsopsUnderTest(env);
    t.fakeSlack.setChannelMembers(REPLY_THREAD.inbox, [ADMIN, REPLY_THREAD.replier]);
    const threadTs = await relayedThread(t, 'rot-reply');
    await replyInThread(t, threadTs, '1800000700.000001', 'Your parcel left today', 'EvRotation1');
    const outbound = () => t?.emulator.state().messages.filter((m) => m.direction === 'outbound') ?? [];
    await waitUntil(
      () => outbound().length === 1 && t?.db.prepare('SELECT status FROM conversation_replies').pluck().get() === 'accepted',
      10_000,
      'the reply sent',
    );
    const [sms] = outbound();
    expect(t.emulator.state().messageExtras.get(sms?.message_id ?? '')?.callbackUrl).toBe(url('dlr', OLD));
    await t.stop();
    t = undefined;

    t = await startSmsopsUnderTest({ ...env, ...ROTATING });
    const report = deliveryReport({ ...(sms as WavixMessage), status: 'delivered', delivered_at: new Date().toISOString() });
    // Wavix's record of it (this emulator is new): smsops confirms a reply's first final status there.
    wavixRecords(t, { message_id: sms?.message_id as string, status: 'delivered', tag: sms?.tag ?? null });
    const answer = await post(t, `/webhooks/wavix/dlr/${OLD}`, report);
    expect(answer.status).toBe(200);
    await waitUntil(
      () => t?.db.prepare('SELECT status FROM conversation_replies').pluck().get() === 'delivered',
      10_000,
      () => `the reply delivered, got ${t?.db.prepare('SELECT status FROM conversation_replies').pluck().get()}`,
    );
    expect(await metricsText(t)).toMatch(/^smsops_webhooks_previous_secret_total\{route="dlr"\} 1$/m);
    // Nothing to move for a reply sent before: its callback URL is fixed, and its reports end by themselves.
    const [warning = ''] = previousSecretWarnings(t);
    expect(warning).toContain('"route":"dlr"');
    expect(warning).toContain('nothing to move');
    expect(warning).not.toContain('/sms webhook set');
  });

  it('`/sms webhook set` and the watch name smsops’ URL with its previous secret, and Replace moves it to the current one', async () => {
    t = await startSmsopsUnderTest(ROTATING);
    const s = t;
    // What the watch saw working before: smsops' current URL on the account default and on one number.
    await runCommand(s, 'webhook set');
    await runCommand(s, 'webhook set +14155550100');
    expect(readable((await runCommand(s, 'jobs run traffic-watch')).body)).toContain('traffic-watch: ok');
    // Then Wavix holds the old URLs again (as it does after a restart with the new secret).
    const profile = s.emulator.state().profile as { sms_relay_url: string | null; dlr_relay_url: string | null };
    profile.sms_relay_url = url('inbound', OLD);
    profile.dlr_relay_url = url('dlr', OLD);
    const number = s.emulator.state().numbers.find((n) => n.number === '14155550100');
    if (number) number.sms_relay_url = url('inbound', OLD);

    await runCommand(s, 'jobs run traffic-watch');
    const alerts = s.fakeSlack
      .callsTo('chat.postMessage')
      .filter((c) => c.args.channel === ALERT_CHANNEL && !c.args.thread_ts)
      .map((c) => readable(c.args));
    const account = alerts.find((a) => a.includes('account default'));
    expect(account).toContain('is smsops’ URL with its previous webhook secret');
    expect(account).toContain('`/sms webhook set default` moves it to the current one');
    expect(account).not.toContain('no longer points at smsops');
    const own = alerts.find((a) => a.includes('+1 415 555 0100'));
    expect(own).toContain('its own webhook is smsops’ URL with its previous webhook secret');
    expect(own).not.toContain('now points at');
    expect(readable((await runCommand(s, 'number list')).body)).toContain('smsops’ previous webhook secret');

    const { body } = await runCommand(s, 'webhook set default');
    const question = readable(body);
    expect(question).toContain('It points at smsops’ URL with its previous webhook secret');
    expect(question).not.toContain('somewhere else');
    expect(question).not.toContain('keep it as a route');
    const replace = body.blocks
      .filter((b: { type: string }) => b.type === 'actions')
      .flatMap((b: { elements: Array<{ action_id: string; value: string }> }) => b.elements)
      .find((b: { action_id: string }) => b.action_id === ACTION.confirmWebhook);
    const before = s.fakeSlack.responses.length;
    await s.slack.blockAction({ actionId: ACTION.confirmWebhook, value: replace.value, userId: ADMIN });
    await s.fakeSlack.waitForResponses(before + 1);
    expect(profile).toMatchObject({ sms_relay_url: url('inbound', NEW), dlr_relay_url: url('dlr', NEW) });
    const seen = await everywhere(s);
    expect(seen).not.toContain(OLD);
    expect(seen).not.toContain(NEW);
  });
});

describe('a changed webhook secret without WEBHOOK_SECRET_PREVIOUS', () => {
  it('refuses the old URL 404 as before, storing nothing, and says nothing of a previous secret', async () => {
    t = await startSmsopsUnderTest({ WEBHOOK_SECRET: NEW });
    expect((await postInbound(t, { message_id: 'lost-1' })).status).toBe(404);
    expect(t.db.prepare('SELECT count(*) FROM inbound_messages').pluck().get()).toBe(0);
    expect(await metricsText(t)).toMatch(/^smsops_webhooks_total\{route="inbound",outcome="wrong_secret"\} 1$/m);
    expect(previousSecretWarnings(t)).toEqual([]);
  });

  it('refuses at start a WEBHOOK_SECRET_PREVIOUS that repeats WEBHOOK_SECRET or holds an entry that is no secret, naming neither', () => {
    const base = {
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 'signing',
      SLACK_ALERT_CHANNEL: ALERT_CHANNEL,
      WAVIX_API_KEY: 'wavix-key-0123',
    };
    const problems = (env: Record<string, string>) => {
      const parsed = parseConfig({ ...base, ...env });
      return parsed.ok ? 'accepted' : parsed.error.message;
    };
    const repeated = problems({ WEBHOOK_SECRET: NEW, WEBHOOK_SECRET_PREVIOUS: `${OLD}, ${NEW}` });
    expect(repeated).toContain('WEBHOOK_SECRET_PREVIOUS holds WEBHOOK_SECRET itself');
    const short = problems({ WEBHOOK_SECRET_PREVIOUS: `${OLD},short` });
    expect(short).toContain('WEBHOOK_SECRET_PREVIOUS entry 2 must be at least 24 characters');
    expect(`${repeated}\n${short}`).not.toContain(OLD);
    expect(`${repeated}\n${short}`).not.toContain(NEW);
    const accepted = parseConfig({ ...base, WEBHOOK_SECRET: NEW, WEBHOOK_SECRET_PREVIOUS: ` ${OLD} ,` });
    expect(accepted.ok && accepted.value.previousWebhookSecrets).toEqual([OLD]);
  });

  it('refuses at start a secret in both WEBHOOK_SECRET_PREVIOUS and WEBHOOK_SECRET_PREVIOUS_DLR, where it would still post SMS', () => {
    const parsed = parseConfig({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 'signing',
      SLACK_ALERT_CHANNEL: ALERT_CHANNEL,
      WAVIX_API_KEY: 'wavix-key-0123',
      WEBHOOK_SECRET: NEW,
      WEBHOOK_SECRET_PREVIOUS: OLD,
      WEBHOOK_SECRET_PREVIOUS_DLR: ` ${OLD} `,
    });
    const said = parsed.ok ? 'accepted' : parsed.error.message;
    expect(said).toContain('WEBHOOK_SECRET_PREVIOUS_DLR entry 1 is in WEBHOOK_SECRET_PREVIOUS too');
    expect(said).not.toContain(OLD);
  });
});
