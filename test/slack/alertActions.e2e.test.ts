import { afterEach, describe, expect, it } from 'vitest';
import { ALERT_ACTION } from '../../src/slack/ids.js';
import {
  ADMIN,
  ALERT_CHANNEL,
  OUTSIDER,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
  WEBHOOK_SECRET,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

/**
 * Acting on an alert from its message: signed button presses to the real Bolt receiver, the real relay failing against
 * a local PortSIP stand-in, the traffic watch run by hand on the emulator's clock, and the fake Slack API.
 */

const UUID = 'a558d635-66e0-4c64-9d3b-2f5c1e7a8b90';
let t: SmsopsUnderTest | undefined;
let pbx: WebhookSink | undefined;

afterEach(async () => {
  if (t) {
    await stopCheckingSecrets(t);
    t = undefined;
  }
  await pbx?.close();
  pbx = undefined;
});

const the = () => {
  if (!t) throw new Error('smsops not started');
  return t;
};

// biome-ignore lint/suspicious/noExplicitAny: Slack calls are asserted structurally
type Call = { args: any; result?: any };
const isBacklogAlert = (c: Call) => String(c.args.text).includes('inbound SMS waiting for PortSIP');
/** Top-level posts of the relay backlog alert in the alert channel (not thread replies, not relayed SMS). */
const alertPosts = (): Call[] =>
  the()
    .fakeSlack.callsTo('chat.postMessage')
    .filter((c) => c.args.channel === ALERT_CHANNEL && !c.args.thread_ts && isBacklogAlert(c));
const alertRow = () =>
  the().db.prepare("SELECT * FROM alerts WHERE rule = 'relay_backlog' ORDER BY id DESC LIMIT 1").get() as {
    id: number;
    status: string;
    slack_ts: string | null;
    acknowledged_by: string | null;
    acknowledged_at: number | null;
  };
const audit = (action: string) =>
  the().db.prepare('SELECT actor, outcome, detail FROM audit_log WHERE action = ? ORDER BY id').all(action) as Array<{
    actor: string;
    outcome: string;
  }>;
// biome-ignore lint/suspicious/noExplicitAny: Slack blocks are asserted structurally
const actionIds = (message: any): string[] =>
  (message.blocks ?? [])
    .filter((b: { type: string }) => b.type === 'actions')
    .flatMap((b: { elements: Array<{ action_id: string }> }) => b.elements.map((e) => e.action_id));

const traffic = async () => {
  const text = readable((await runCommand(the(), 'jobs run traffic-watch')).body);
  expect(text).toContain('traffic-watch');
};

/**
 * A PortSIP that answers 503 to an inbound SMS for longer than the backlog threshold (10 min): the traffic watch
 * raises `relay_backlog`, posted in the alert channel with its buttons.
 */
async function backlogAlert(
  routeUrl = (base: string) => `${base}/emc/Wavix - US/${UUID}`,
  answer: [number, string] = [503, 'Service Unavailable'],
  env: Record<string, string> = {},
): Promise<{ id: number; ts: string }> {
  pbx = await startWebhookSink();
  pbx.respondWith(...answer);
  // A long backoff: PortSIP is tried again minutes apart on the emulator's clock.
  t = await startSmsopsUnderTest({ RELAY_RETRY_BASE_MS: '600000', SLACK_RELAY_PACE_MS: '0', ...env });
  const smsops = t;
  await runCommand(smsops, `route set default ${routeUrl(pbx.url)}`, { userId: ADMIN });
  const response = await fetch(`${smsops.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      message_id: `alert-${Date.now()}`,
      message_type: 'sms',
      from: '447400123456',
      to: '14155550100',
      message_body: { text: 'hello', media: null },
      received_at: '2026-11-25T10:00:00.000Z',
    }),
  });
  expect(response.status).toBe(200);
  await waitUntil(() => (pbx?.received.length ?? 0) >= 1, 5000, 'the first attempt at PortSIP');
  await smsops.emulator.clock.advance(11 * 60_000);
  await traffic();
  expect(alertPosts()).toHaveLength(1);
  const row = alertRow();
  expect(row.status).toBe('open');
  return { id: row.id, ts: String(row.slack_ts) };
}

/** Presses a button on the alert's message as `userId`. */
async function press(actionId: string, alert: { id: number; ts: string }, userId = OUTSIDER) {
  const response = await the().slack.blockAction({
    actionId,
    value: String(alert.id),
    userId,
    channelId: ALERT_CHANNEL,
    messageTs: alert.ts,
  });
  expect(response.status).toBe(200);
}

/** Presses a button and returns what the person is answered (the next response_url post). */
async function pressForAnswer(actionId: string, alert: { id: number; ts: string }, userId = OUTSIDER): Promise<string> {
  const before = the().fakeSlack.responses.length;
  await press(actionId, alert, userId);
  const all = await the().fakeSlack.waitForResponses(before + 1);
  return readable(all[before]?.body);
}

const updatesOf = (ts: string): Call[] =>
  the()
    .fakeSlack.callsTo('chat.update')
    .filter((c) => c.args.ts === ts);

describe('guests and other organisations in the alert channel', () => {
  const GUEST = 'U0GUEST001';
  const PARTNER = 'U0CONNECT1';
  const CONTRACTOR = 'U0GUEST002';
  /** As Slack answers users.info: a guest is restricted; a Slack Connect member has their own organisation's team_id. */
  const seedPeople = () => {
    the().fakeSlack.seedUser(GUEST, { guest: 'single-channel' });
    the().fakeSlack.seedUser(PARTNER, { external: true });
    the().fakeSlack.seedUser(CONTRACTOR, { guest: true });
  };

  it('cannot snooze or acknowledge the team’s alert: refused to them only, audited, the alert unchanged', async () => {
    const alert = await backlogAlert();
    seedPeople();
    const partnerTold = await pressForAnswer(ALERT_ACTION.snooze24h, alert, PARTNER);
    expect(partnerTold).toContain('Only full members of this Slack workspace can acknowledge or snooze smsops alerts');
    expect(partnerTold).toContain('SLACK_ALERT_USERS');
    const guestTold = await pressForAnswer(ALERT_ACTION.acknowledge, alert, GUEST);
    expect(guestTold).toContain('guests and people from other organisations (Slack Connect) cannot');
    expect(the().db.prepare('SELECT * FROM alert_snoozes').all()).toEqual([]);
    expect(alertRow()).toMatchObject({ acknowledged_by: null, status: 'open' });
    expect(updatesOf(alert.ts)).toEqual([]);
    expect(audit('alerts.snooze')).toEqual([expect.objectContaining({ actor: PARTNER, outcome: 'refused' })]);
    expect(audit('alerts.acknowledge')).toEqual([expect.objectContaining({ actor: GUEST, outcome: 'refused' })]);
    // A full member still can.
    await press(ALERT_ACTION.acknowledge, alert, OUTSIDER);
    await waitUntil(() => alertRow().acknowledged_by ?? undefined, 5000, 'the member’s acknowledgement');
    expect(alertRow().acknowledged_by).toBe(OUTSIDER);
  });

  it('a guest named in SLACK_ALERT_USERS may snooze', async () => {
    const alert = await backlogAlert(undefined, undefined, { SLACK_ALERT_USERS: CONTRACTOR });
    seedPeople();
    await press(ALERT_ACTION.snooze1h, alert, CONTRACTOR);
    await waitUntil(() => the().db.prepare('SELECT snoozed_by FROM alert_snoozes').get(), 5000, 'the snooze');
    expect(audit('alerts.snooze')).toEqual([expect.objectContaining({ actor: CONTRACTOR, outcome: 'ok' })]);
  });
});

describe('acting on an alert from its message', () => {
  it('offers the buttons that fit a relay backlog alert, and says where the error is', async () => {
    await backlogAlert();
    const post = alertPosts()[0];
    expect(actionIds(post?.args)).toEqual([
      ALERT_ACTION.acknowledge,
      ALERT_ACTION.snooze1h,
      ALERT_ACTION.snooze24h,
      ALERT_ACTION.showFailing,
      ALERT_ACTION.retryNow,
      ALERT_ACTION.openDoctor,
      ALERT_ACTION.mute,
    ]);
    expect(readable(post?.args)).toContain("`/sms relay status` shows each destination's last error in words");
    const status = readable((await runCommand(the(), 'relay status', { userId: OUTSIDER })).body);
    expect(status).toContain('Last error:* PortSIP answered HTTP 503: PortSIP failed on its side');
  });

  it('acknowledge: records who and when, shows it on the alert, and the alert still resolves by itself', async () => {
    const alert = await backlogAlert();
    await press(ALERT_ACTION.acknowledge, alert, OUTSIDER);
    await waitUntil(() => updatesOf(alert.ts).length >= 1, 5000, 'the alert edited in place');
    const edited = updatesOf(alert.ts)[0];
    expect(readable(edited?.args)).toContain(`Acknowledged by <@${OUTSIDER}> at <!date^`);
    expect(actionIds(edited?.args)).not.toContain(ALERT_ACTION.acknowledge);
    expect(alertRow()).toMatchObject({ acknowledged_by: OUTSIDER, status: 'open' });
    expect(alertRow().acknowledged_at).toBeGreaterThan(0);
    expect(audit('alerts.acknowledge')).toEqual([expect.objectContaining({ actor: OUTSIDER, outcome: 'ok' })]);

    // The next evaluation while it lasts neither posts it again nor forgets the acknowledgement.
    await traffic();
    expect(alertPosts()).toHaveLength(1);
    expect(alertRow().acknowledged_by).toBe(OUTSIDER);

    // PortSIP recovers: an admin's "Retry now" gets the message through, and the watch resolves the alert.
    pbx?.respondWith(200);
    expect(await pressForAnswer(ALERT_ACTION.retryNow, alert, ADMIN)).toContain('1 delivery');
    await waitUntil(
      () => the().db.prepare("SELECT 1 FROM deliveries WHERE destination_kind = 'portsip' AND status = 'delivered'").get(),
      5000,
      'delivered to PortSIP',
    );
    // Kept open while a flapping PortSIP could fail again: resolved once clear for 10 minutes.
    await traffic();
    expect(alertRow().status).toBe('open');
    await the().emulator.clock.advance(10 * 60_000);
    await traffic();
    expect(alertRow().status).toBe('resolved');
    const resolved = updatesOf(alert.ts).at(-1);
    expect(String(resolved?.args.text)).toMatch(/^Resolved: /);
    expect(readable(resolved?.args)).toContain(`Acknowledged by <@${OUTSIDER}>`);
  });

  it('acknowledged by two at once: the second presser is told whose acknowledgement stands', async () => {
    const alert = await backlogAlert();
    await press(ALERT_ACTION.acknowledge, alert, OUTSIDER);
    await waitUntil(() => alertRow().acknowledged_by ?? undefined, 5000, 'the first acknowledgement');
    const told = await pressForAnswer(ALERT_ACTION.acknowledge, alert, ADMIN);
    expect(told).toContain(`<@${OUTSIDER}> acknowledged this alert at <!date^`);
    expect(told).toContain('it stays theirs');
    expect(alertRow().acknowledged_by).toBe(OUTSIDER);
    expect(audit('alerts.acknowledge')).toEqual([expect.objectContaining({ actor: OUTSIDER })]);
  });

  it('acknowledged as it resolves: the edits of its message go out in turn, so it ends shown resolved', async () => {
    const alert = await backlogAlert();
    // Slack is slow to answer the Acknowledge's edit (a first try failing and tried again would be as late).
    let held = false;
    const release = the().fakeSlack.hang('chat.update', (c) => {
      if (held || c.args.ts !== alert.ts) return false;
      held = true;
      return true;
    });
    await press(ALERT_ACTION.acknowledge, alert, OUTSIDER);
    await waitUntil(() => updatesOf(alert.ts).length === 1 || undefined, 5000, 'the acknowledgement edit sent');
    await runCommand(the(), 'alerts set backlog_minutes off', { userId: ADMIN });
    const run = traffic();
    await waitUntil(() => alertRow().status === 'resolved' || undefined, 5000, 'resolved');
    // The end's edit waits for the edit before it: sent at once, Slack could apply the older one last.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(updatesOf(alert.ts)).toHaveLength(1);
    release();
    await run;
    await waitUntil(() => updatesOf(alert.ts).length === 2 || undefined, 5000, 'the end edited in after it');
    const [acknowledged, resolved] = updatesOf(alert.ts);
    expect(readable(acknowledged?.args)).toContain(`Acknowledged by <@${OUTSIDER}>`);
    expect(String(resolved?.args.text)).toMatch(/^Resolved: /);
    expect(actionIds(resolved?.args)).toEqual([]);
  });

  it('two people snooze at once: the press made on the message before the other snooze was shown changes nothing', async () => {
    const alert = await backlogAlert();
    const buttonValueOn = (message: unknown, actionId: string): string =>
      // biome-ignore lint/suspicious/noExplicitAny: Slack blocks are asserted structurally
      (message as any).blocks
        .flatMap((b: { elements?: Array<{ action_id: string; value: string }> }) => b.elements ?? [])
        .find((e: { action_id: string }) => e.action_id === actionId).value;
    const posted = alertPosts()[0]?.args;
    const pressValue = async (actionId: string, value: string, userId: string) => {
      const before = the().fakeSlack.responses.length;
      const response = await the().slack.blockAction({ actionId, value, userId, channelId: ALERT_CHANNEL, messageTs: alert.ts });
      expect(response.status).toBe(200);
      return before;
    };
    const snoozed = () =>
      the().db.prepare('SELECT until, snoozed_by AS "by" FROM alert_snoozes').get() as { until: number; by: string };
    // Alice snoozes for the weekend; Bob, on the message as it was before her edit reached him, presses "Snooze 1h".
    await pressValue(ALERT_ACTION.snooze24h, buttonValueOn(posted, ALERT_ACTION.snooze24h), OUTSIDER);
    await waitUntil(() => updatesOf(alert.ts).length >= 1 || undefined, 5000, 'her snooze shown');
    const hers = snoozed();
    expect(hers.by).toBe(OUTSIDER);
    const before = await pressValue(ALERT_ACTION.snooze1h, buttonValueOn(posted, ALERT_ACTION.snooze1h), ADMIN);
    const told = readable((await the().fakeSlack.waitForResponses(before + 1))[before]?.body);
    expect(told).toContain(`<@${OUTSIDER}> snoozed this alert until`);
    expect(told).toContain('your Snooze changed nothing');
    expect(snoozed()).toEqual(hers);
    expect(audit('alerts.snooze')).toEqual([expect.objectContaining({ actor: OUTSIDER, outcome: 'ok' })]);
    // Pressed again on the message as it shows her snooze, it is his choice: applied.
    const redrawn = updatesOf(alert.ts).at(-1)?.args;
    expect(readable(redrawn)).toContain(`Snoozed by <@${OUTSIDER}>`);
    await pressValue(ALERT_ACTION.snooze1h, buttonValueOn(redrawn, ALERT_ACTION.snooze1h), ADMIN);
    await waitUntil(() => (snoozed().by === ADMIN ? true : undefined), 5000, 'his snooze applied');
    expect(snoozed().until).toBeLessThan(hers.until);
  });

  it('a snooze pressed on the wrong alert is ended from its message: shown again at once, and posted anew while it fires', async () => {
    const alert = await backlogAlert();
    await press(ALERT_ACTION.snooze24h, alert, OUTSIDER);
    await waitUntil(() => updatesOf(alert.ts).length >= 1 || undefined, 5000, 'the snooze shown');
    const snoozedMessage = updatesOf(alert.ts).at(-1)?.args;
    expect(actionIds(snoozedMessage)).toContain(ALERT_ACTION.endSnooze);
    // Before a snooze there is nothing to end: the button is not offered.
    expect(actionIds(alertPosts()[0]?.args)).not.toContain(ALERT_ACTION.endSnooze);

    const shown = updatesOf(alert.ts).length;
    await press(ALERT_ACTION.endSnooze, alert, ADMIN);
    await waitUntil(() => updatesOf(alert.ts).length > shown || undefined, 5000, 'the alert shown unsnoozed');
    const awake = updatesOf(alert.ts).at(-1)?.args;
    expect(readable(awake)).not.toContain('Snoozed by');
    expect(actionIds(awake)).not.toContain(ALERT_ACTION.endSnooze);
    expect(audit('alerts.unsnooze')).toEqual([expect.objectContaining({ actor: ADMIN, outcome: 'ok' })]);
    // Still firing: the next evaluation posts it again at the bottom of the channel, as at a snooze's end.
    await traffic();
    await waitUntil(() => (alertPosts().length >= 2 ? true : undefined), 5000, 'posted again');
    // Pressed again on the old message (the alert lives on in its new post): nothing more, said so.
    expect(await pressForAnswer(ALERT_ACTION.endSnooze, alert, ADMIN)).toContain('nothing changed');
    expect(audit('alerts.unsnooze')).toHaveLength(1);
  });

  it('snooze 1h: nothing is posted before it ends, not even a new episode; at its end, still firing, it is posted again', async () => {
    const alert = await backlogAlert();
    await press(ALERT_ACTION.snooze1h, alert, OUTSIDER);
    await waitUntil(() => updatesOf(alert.ts).length >= 1, 5000, 'the alert edited in place');
    expect(readable(updatesOf(alert.ts)[0]?.args)).toContain(`Snoozed by <@${OUTSIDER}> until <!date^`);
    expect(audit('alerts.snooze')).toEqual([expect.objectContaining({ actor: OUTSIDER, outcome: 'ok' })]);

    // Within the hour the alert ends and fires again (the rule switched off and on): a new episode, which would be a new post.
    await the().emulator.clock.advance(20 * 60_000);
    await runCommand(the(), 'alerts set backlog_minutes off', { userId: ADMIN });
    await traffic();
    expect(alertRow().status).toBe('resolved');
    // Resolved quietly: the thread reply is not sent to the channel.
    const resolvedReply = the()
      .fakeSlack.callsTo('chat.postMessage')
      .find((c) => c.args.thread_ts === alert.ts);
    expect(String(resolvedReply?.args.reply_broadcast)).toBe('false');
    await runCommand(the(), 'alerts set backlog_minutes 10', { userId: ADMIN });
    await traffic();
    expect(alertRow().status).toBe('open');
    await the().emulator.clock.advance(30 * 60_000);
    await traffic();
    expect(alertPosts()).toHaveLength(1);
    expect(alertRow().slack_ts).toBeNull();

    // The hour is over and the backlog is still there: posted again, saying why.
    await the().emulator.clock.advance(11 * 60_000);
    await traffic();
    expect(alertPosts()).toHaveLength(2);
    expect(readable(alertPosts()[1]?.args)).toContain('Its snooze ended and it still fires');
    expect(alertRow().slack_ts).toBe(alertPosts()[1]?.result?.ts);
  });

  it('retry and mute are for admins: a member is refused in words and nothing changes', async () => {
    const alert = await backlogAlert();
    const retry = await pressForAnswer(ALERT_ACTION.retryNow, alert, OUTSIDER);
    expect(retry).toContain('Only the smsops admins (SLACK_ADMIN_USERS)');
    const mute = await pressForAnswer(ALERT_ACTION.mute, alert, OUTSIDER);
    expect(mute).toContain('Only the smsops admins (SLACK_ADMIN_USERS)');
    expect(the().db.prepare('SELECT COUNT(*) AS n FROM alert_mutes').get()).toEqual({ n: 0 });
    expect(audit('alerts.retry')).toEqual([expect.objectContaining({ actor: OUTSIDER, outcome: 'refused' })]);
    expect(audit('alerts.mute')).toEqual([expect.objectContaining({ actor: OUTSIDER, outcome: 'refused' })]);
  });

  it("/sms audit shows an alert's PortSIP route masked: its user and password are read by no one", async () => {
    const withCredentials = (base: string) =>
      `${base.replace('http://', 'http://pbxadmin:Hunter2Secret@')}/emc/Wavix - US/${UUID}`;
    const alert = await backlogAlert(withCredentials, [404, 'no']);
    // Anyone in the alert channel acknowledges; "Retry now" is refused, and recorded all the same.
    await press(ALERT_ACTION.acknowledge, alert, OUTSIDER);
    await waitUntil(() => audit('alerts.acknowledge').length === 1, 5000, 'the acknowledgement recorded');
    await pressForAnswer(ALERT_ACTION.retryNow, alert, OUTSIDER);
    await press(ALERT_ACTION.snooze1h, alert, OUTSIDER);
    await waitUntil(() => audit('alerts.snooze').length === 1, 5000, 'the snooze recorded');

    const stored = the().db.prepare("SELECT target FROM audit_log WHERE action LIKE 'alerts.%'").all() as Array<{
      target: string;
    }>;
    expect(stored).toHaveLength(3);
    for (const { target } of stored) {
      expect(target).toMatch(/^relay_backlog portsip:http:\/\/…@127\.0\.0\.1:\d+\/emc\/Wavix - US\/a558…$/);
    }
    // An entry an earlier version wrote with the URL whole is masked where it is shown.
    the()
      .db.prepare(
        "INSERT INTO audit_log (at, actor, action, target, params, outcome) VALUES (?, ?, 'alerts.acknowledge', ?, '{}', 'ok')",
      )
      .run(Date.now(), OUTSIDER, `relay_backlog portsip:${withCredentials('http://127.0.0.1:9')}`);

    const shown = readable((await runCommand(the(), 'audit', { userId: 'U0THIRD003' })).body);
    expect(shown).toContain('`alerts.retry` `relay_backlog portsip:http://…@127.0.0.1:');
    expect(shown).toContain('`relay_backlog portsip:http://…@127.0.0.1:9/emc/Wavix - US/a558…`');
    expect(shown).not.toContain('pbxadmin');
    expect(shown).not.toContain('Hunter2Secret');
    expect(shown).not.toContain(UUID);
  });

  it('retry on an alert that is not about relay deliveries (or is gone): a member is refused as an admin check, audited', async () => {
    t = await startSmsopsUnderTest();
    const now = Date.now();
    const { lastInsertRowid } = t.db
      .prepare(
        "INSERT INTO alerts (rule, subject_key, status, summary, opened_at, updated_at, slack_channel, slack_ts) VALUES ('delivery_failure_rate', 'account', 'open', 'failures', ?, ?, ?, '1700000000.000100')",
      )
      .run(now, now, ALERT_CHANNEL);
    const other = { id: Number(lastInsertRowid), ts: '1700000000.000100' };
    for (const alert of [other, { id: 999_999, ts: other.ts }]) {
      expect(await pressForAnswer(ALERT_ACTION.retryNow, alert, OUTSIDER)).toContain(
        'Only the smsops admins (SLACK_ADMIN_USERS)',
      );
    }
    expect(await pressForAnswer(ALERT_ACTION.retryNow, other, ADMIN)).toContain('This alert is not about relay deliveries');
    expect(audit('alerts.retry')).toEqual([
      expect.objectContaining({ actor: OUTSIDER, outcome: 'refused' }),
      expect.objectContaining({ actor: OUTSIDER, outcome: 'refused' }),
      expect.objectContaining({ actor: ADMIN, outcome: 'failed' }),
    ]);
  });

  it('mute of an alert that is gone: a member is refused as an admin check, audited; an admin is told it is gone', async () => {
    t = await startSmsopsUnderTest();
    const gone = { id: 999_999, ts: '1700000000.000100' };
    expect(await pressForAnswer(ALERT_ACTION.mute, gone, OUTSIDER)).toContain('Only the smsops admins (SLACK_ADMIN_USERS)');
    expect(await pressForAnswer(ALERT_ACTION.mute, gone, ADMIN)).toContain('smsops has no alert 999999 any more');
    expect(audit('alerts.mute')).toEqual([
      expect.objectContaining({ actor: OUTSIDER, outcome: 'refused' }),
      expect.objectContaining({ actor: ADMIN, outcome: 'failed' }),
    ]);
  });

  it('retry now re-queues the failing deliveries at once and answers with the count', async () => {
    const alert = await backlogAlert();
    const attempts = pbx?.received.length ?? 0;
    const answer = await pressForAnswer(ALERT_ACTION.retryNow, alert, ADMIN);
    expect(answer).toContain('1 delivery to PortSIP');
    expect(answer).toContain('queued for an immediate retry');
    await waitUntil(() => (pbx?.received.length ?? 0) > attempts, 5000, 'PortSIP tried again at once');
    expect(audit('alerts.retry')).toEqual([expect.objectContaining({ actor: ADMIN, outcome: 'ok' })]);
  });

  it('mute: an admin mutes the rule, it is listed in /sms alerts with Unmute, and nothing of it is posted until unmuted', async () => {
    const alert = await backlogAlert();
    expect(await pressForAnswer(ALERT_ACTION.mute, alert, ADMIN)).toContain('`relay_backlog` is muted');
    expect(audit('alerts.mute')).toEqual([expect.objectContaining({ actor: ADMIN, outcome: 'ok' })]);
    await waitUntil(() => updatesOf(alert.ts).length >= 1, 5000, 'the alert edited in place');
    expect(readable(updatesOf(alert.ts).at(-1)?.args)).toContain(`Rule muted by <@${ADMIN}>`);

    // A new episode while muted is recorded, not posted.
    await runCommand(the(), 'alerts set backlog_minutes off', { userId: ADMIN });
    await traffic();
    await runCommand(the(), 'alerts set backlog_minutes 10', { userId: ADMIN });
    await traffic();
    expect(alertRow()).toMatchObject({ status: 'open', slack_ts: null });
    expect(alertPosts()).toHaveLength(1);

    // biome-ignore lint/suspicious/noExplicitAny: Slack blocks are asserted structurally
    const overview: any = (await runCommand(the(), 'alerts', { userId: OUTSIDER })).body;
    expect(readable(overview)).toContain(`\`relay_backlog\` muted by <@${ADMIN}>`);
    const unmute = overview.blocks.find(
      (b: { accessory?: { action_id: string } }) => b.accessory?.action_id === ALERT_ACTION.unmute,
    );
    expect(unmute?.accessory.value).toBe('relay_backlog');

    const unmuteAs = async (userId: string) => {
      const before = the().fakeSlack.responses.length;
      await the().slack.blockAction({ actionId: ALERT_ACTION.unmute, value: 'relay_backlog', userId, isEphemeral: true });
      return readable((await the().fakeSlack.waitForResponses(before + 1))[before]?.body);
    };
    expect(await unmuteAs(OUTSIDER)).toContain('Only the smsops admins');
    expect(await unmuteAs(ADMIN)).toContain('`relay_backlog` is unmuted');
    expect(the().db.prepare('SELECT COUNT(*) AS n FROM alert_mutes').get()).toEqual({ n: 0 });
    // The open alert that was kept quiet is posted now.
    await waitUntil(() => alertPosts().length === 2, 5000, 'the quiet alert posted after unmute');
    expect(audit('alerts.unmute').map((a) => a.outcome)).toEqual(['refused', 'ok']);
  });

  it('open doctor answers the presser alone: the report never replaces the alert, whose buttons stay for everyone', async () => {
    const alert = await backlogAlert(undefined, [503, 'PBX-INTERNAL-BODY-7Q7Q']);
    const before = the().fakeSlack.responses.length;
    await press(ALERT_ACTION.openDoctor, alert, ADMIN);
    await waitUntil(
      () =>
        the()
          .fakeSlack.responses.slice(before)
          .some((r) => readable(r.body).includes('SMS doctor:')),
      10_000,
      'the doctor report',
    );
    const answers = the().fakeSlack.responses.slice(before);
    expect(answers).toHaveLength(2);
    expect(readable(answers[0]?.body)).toContain('Checking the SMS setup');
    // Each a new message to the admin only; replace_original on a press would replace the alert (the pressed message).
    for (const answer of answers) expect(answer.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(readable(answers[1]?.body)).toContain('PBX-INTERNAL-BODY-7Q7Q');
    expect(updatesOf(alert.ts)).toEqual([]);
  });

  it('show failing deliveries lists them with their error in words; open doctor runs the doctor for the presser', async () => {
    const alert = await backlogAlert();
    const failing = await pressForAnswer(ALERT_ACTION.showFailing, alert, OUTSIDER);
    expect(failing).toContain('Failing deliveries to PortSIP');
    expect(failing).toContain('1 × PortSIP answered HTTP 503: PortSIP failed on its side');
    expect(failing).toContain('to +1 415 555 0100');
    // A member sees no excerpt of what PortSIP answered (a read-back channel for whoever set the route).
    expect(failing).not.toContain('Service Unavailable');
    expect(failing).not.toContain(UUID);
    const asAdmin = await pressForAnswer(ALERT_ACTION.showFailing, alert, ADMIN);
    expect(asAdmin).toContain('Service Unavailable');

    const before = the().fakeSlack.responses.length;
    await press(ALERT_ACTION.openDoctor, alert, OUTSIDER);
    await waitUntil(
      () =>
        the()
          .fakeSlack.responses.slice(before)
          .some((r) => readable(r.body).includes('SMS doctor')),
      10_000,
      'the doctor report',
    );
  });
});
