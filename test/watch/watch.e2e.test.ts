import { PNG } from 'pngjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALERT_RULE } from '../../src/core/alertRules.js';
import { ACTION, ALERT_ACTION } from '../../src/slack/ids.js';
import {
  ADMIN,
  ALERT_CHANNEL,
  OUTSIDER,
  readable,
  runCommand,
  type SmsopsUnderTest,
  slackTraffic,
  startSmsopsUnderTest,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest();
});
afterEach(async () => {
  await t.stop();
});

/** Calls Wavix (the emulator) directly, as someone in the Wavix portal would, behind smsops' back. */
async function wavix(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${t.emulator.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${t.emulator.apiKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const alertPosts = () =>
  t.fakeSlack.callsTo('chat.postMessage').filter((c) => c.args.channel === ALERT_CHANNEL && !c.args.thread_ts);
const alerts = () => t.db.prepare('SELECT rule, subject_key, status, slack_ts FROM alerts ORDER BY id').all();
const runJob = async (name: string) => {
  const { body } = await runCommand(t, `jobs run ${name}`);
  return readable(body);
};

/**
 * 20 SMS sent, 6 of them (30 %) failed by the carrier, and what a test of the failure-rate alert they raise reads:
 * its row, its posts to the alert channel, its "Resolved after" replies, and an acknowledgement of its first post.
 */
async function thirtyPercentFailed() {
  await wavix('POST', '/_emulator/failing-destinations', { number: '+12125550107', error: 'Blocked by carrier' });
  for (let i = 0; i < 20; i++)
    await wavix('POST', '/v3/messages', {
      from: '14155550100',
      to: i < 6 ? '12125550107' : '12125550123',
      message_body: { text: `hello ${i}`, media: null },
    });
  await t.emulator.clock.advance(10_000);
  const row = () =>
    t.db.prepare("SELECT status, acknowledged_by FROM alerts WHERE rule = 'failure_rate'").all() as Array<{
      status: string;
      acknowledged_by: string | null;
    }>;
  const posts = () => alertPosts().filter((c) => readable(c.args).includes('failed in the last hour'));
  const resolvedReplies = () =>
    t.fakeSlack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts && String(c.args.text).includes('Resolved after'));
  /** OUTSIDER presses Acknowledge on the alert's first post, as in Slack; resolves once the row says so. */
  const acknowledgeTheAlert = async () => {
    const post = posts()[0];
    const blocks = (post?.args.blocks ?? []) as Array<{ type: string; elements?: Array<{ value: string }> }>;
    const actions = blocks.find((b) => b.type === 'actions');
    const pressed = await t.slack.blockAction({
      actionId: ALERT_ACTION.acknowledge,
      value: String(actions?.elements?.[0]?.value),
      userId: OUTSIDER,
      channelId: ALERT_CHANNEL,
      messageTs: String(post?.result?.ts),
    });
    expect(pressed.status).toBe(200);
    await waitUntil(() => row()[0]?.acknowledged_by === OUTSIDER, 5000, 'the acknowledgement');
  };
  return { row, posts, resolvedReplies, acknowledgeTheAlert };
}

describe('traffic watch (real app, emulator clock, fake Slack)', () => {
  it('detects the account webhook changed behind smsops’ back, alerts once, and resolves when it is put back', async () => {
    await runCommand(t, 'webhook set');
    const smsopsUrl = (t.emulator.state().profile as { sms_relay_url: string | null }).sms_relay_url;
    expect(smsopsUrl).toContain('/webhooks/wavix/inbound/');
    expect(await runJob('traffic-watch')).toContain('traffic-watch: ok');
    expect(alertPosts()).toHaveLength(0);

    await wavix('PUT', '/v1/profile', { sms_relay_url: 'https://pbx.example.com/emc/direct' });
    await runJob('traffic-watch');
    await runJob('traffic-watch');
    // One alert for the account default, not one more per number following it.
    expect(alertPosts()).toHaveLength(1);
    const postedTs = alertPosts()[0]?.result?.ts;
    expect(alerts()).toEqual([{ rule: ALERT_RULE.numberDrift, subject_key: 'account', status: 'open', slack_ts: postedTs }]);
    expect(readable(alertPosts()[0]?.args)).toContain('no longer points at smsops');

    await wavix('PUT', '/v1/profile', { sms_relay_url: smsopsUrl });
    await runJob('traffic-watch');
    expect(alerts()).toMatchObject([{ rule: ALERT_RULE.numberDrift, status: 'resolved' }]);
    // Resolved in place: the alert's own post is edited, once.
    const resolved = t.fakeSlack.callsTo('chat.update').filter((c) => String(c.args.text).startsWith('Resolved:'));
    expect(resolved.map((c) => c.args.ts)).toEqual([postedTs]);
    expect(slackTraffic(t)).not.toContain(t.emulator.apiKey);
  });

  it('alerts once when the watch cannot read Wavix run after run (a key without the profile scope), and resolves it', async () => {
    await runCommand(t, 'webhook set');
    await runJob('traffic-watch');
    // The Sender ID checks still read their endpoint: only the watch's reads fail, and drift is not judged meanwhile.
    t.emulator.injectFault({ path: '/v1/profile', status: 403, times: Number.POSITIVE_INFINITY });
    for (let i = 0; i < 4; i++) expect(await runJob('traffic-watch')).toContain('traffic-watch: failed');
    expect(await runJob('sender-id-approvals')).toContain('sender-id-approvals: ok');
    const unreachable = () => alertPosts().filter((c) => readable(c.args).includes('could not read Wavix'));
    expect(unreachable()).toHaveLength(1);
    expect(readable(unreachable()[0]?.args)).toContain('last 3 traffic-watch runs, so webhook drift');
    expect(readable(unreachable()[0]?.args)).toContain('403');
    expect(alerts()).toMatchObject([{ rule: ALERT_RULE.wavixUnreachable, subject_key: 'watch', status: 'open' }]);

    t.emulator.clearFaults();
    expect(await runJob('traffic-watch')).toContain('traffic-watch: ok');
    expect(alerts()).toMatchObject([{ rule: ALERT_RULE.wavixUnreachable, subject_key: 'watch', status: 'resolved' }]);
    expect(unreachable()).toHaveLength(1);
  });

  it('fires a failure-rate alert once, keeps it while it lasts, and resolves it when the failures stop', async () => {
    await wavix('POST', '/_emulator/failing-destinations', { number: '+12125550107', error: 'Blocked by carrier' });
    for (let i = 0; i < 25; i++) {
      await wavix('POST', '/v3/messages', {
        from: '14155550100',
        to: i < 20 ? '12125550107' : '12125550123',
        message_body: { text: `hello ${i}`, media: null },
      });
    }
    await t.emulator.clock.advance(10_000); // sent, then delivered or undelivered

    await runJob('traffic-watch');
    await runJob('traffic-watch');
    const fired = alertPosts().filter((c) => readable(c.args).includes('failed in the last hour'));
    expect(fired).toHaveLength(1);
    expect(readable(fired[0]?.args)).toContain('80 % of SMS from +1 415 555 0100 failed in the last hour (20 of 25)');
    expect(readable(fired[0]?.args)).toContain('Blocked by carrier');

    const alerts = readable((await runCommand(t, 'alerts')).body);
    expect(alerts).toContain('80 % of SMS from +1 415 555 0100');
    expect(alerts).toContain('failure_rate');

    // Clear at two runs in a row, 15 minutes apart: a rate back under its threshold once may cross it again.
    await t.emulator.clock.advance(2 * 3_600_000);
    await runJob('traffic-watch');
    const resolved = () => t.fakeSlack.callsTo('chat.update').filter((c) => String(c.args.text).startsWith('Resolved:'));
    expect(resolved()).toHaveLength(0);
    await runJob('traffic-watch');
    expect(resolved()).toHaveLength(0);
    await t.emulator.clock.advance(15 * 60_000);
    await runJob('traffic-watch');
    expect(resolved()).toHaveLength(1);
    expect(readable((await runCommand(t, 'alerts')).body)).toContain('No open alerts');
  });

  // A carrier's reason with line breaks and mrkdwn forged a ":white_check_mark: *Resolved*" line in the alert (a probe).
  it("shows the carrier's reason in a failure-rate alert on one line, its formatting and mentions inert", async () => {
    const forged = 'Rejected <!channel> & *URGENT*\n\n:white_check_mark: *Resolved* ``x``';
    await wavix('POST', '/_emulator/failing-destinations', { number: '+12125550107', error: forged });
    for (let i = 0; i < 25; i++)
      await wavix('POST', '/v3/messages', {
        from: '14155550100',
        to: '12125550107',
        message_body: { text: `hello ${i}`, media: null },
      });
    await t.emulator.clock.advance(10_000);
    await runJob('traffic-watch');
    const [fired] = alertPosts().filter((c) => readable(c.args).includes('failed in the last hour'));
    const blocks = (fired?.args.blocks ?? []) as Array<{ text?: { text: string } }>;
    const section = String(blocks[0]?.text?.text);
    for (const shown of [section, String(fired?.args.text)]) {
      expect(shown).toContain('mostly "Rejected &lt;!channel&gt; &amp; ＊URGENT＊  :white＿check＿mark: ＊Resolved＊ ｀｀x｀｀"');
      expect(shown).not.toMatch(/\n|\*Resolved\*|`|<!/);
    }
    const report = readable((await runCommand(t, 'traffic')).body);
    expect(report).toContain('• Rejected &lt;!channel&gt; &amp; ＊URGENT＊  :white＿check＿mark: ＊Resolved＊ ｀｀x｀｀: 25');
  });

  // A rate at its threshold crossed it at every run: 4 posts, 4 "Resolved" sent to the channel in 8 runs, each episode
  // acknowledged anew (a probe).
  it('keeps a failure rate hovering at its threshold one episode, acknowledged once, resolved once clear at two runs', async () => {
    const { row, posts, resolvedReplies, acknowledgeTheAlert } = await thirtyPercentFailed();

    // 30 % failed; the threshold moved across it at every run, as a rate moving across a fixed threshold would.
    for (let run = 0; run < 8; run++) {
      await runCommand(t, `alerts set failure_rate ${run % 2 === 0 ? 25 : 35}`, { userId: ADMIN });
      await runJob('traffic-watch');
      if (run === 0) await acknowledgeTheAlert();
    }
    expect(posts()).toHaveLength(1);
    expect(resolvedReplies()).toHaveLength(0);
    // The last run found it clear: once, so still open, and still acknowledged.
    expect(row()).toEqual([{ status: 'open', acknowledged_by: OUTSIDER }]);

    await t.emulator.clock.advance(2 * 3_600_000);
    await runJob('traffic-watch');
    expect(row()).toEqual([{ status: 'resolved', acknowledged_by: OUTSIDER }]);
    expect(resolvedReplies()).toHaveLength(1);
  });

  it('keeps a failure rate swinging across its threshold every 10 minutes one episode, acknowledged once', async () => {
    const { row, posts, resolvedReplies, acknowledgeTheAlert } = await thirtyPercentFailed();

    // 30 % failed; the threshold moved across it every other run (10 minutes above, 10 below), as a rate would.
    for (let run = 0; run < 12; run++) {
      if (run > 0) await t.emulator.clock.advance(5 * 60_000);
      await runCommand(t, `alerts set failure_rate ${run % 4 < 2 ? 25 : 35}`, { userId: ADMIN });
      await runJob('traffic-watch');
      if (run === 0) await acknowledgeTheAlert();
    }
    expect(posts()).toHaveLength(1);
    expect(resolvedReplies()).toHaveLength(0);
    // The last two runs found it clear, 5 minutes apart: still open, and still acknowledged.
    expect(row()).toEqual([{ status: 'open', acknowledged_by: OUTSIDER }]);

    await t.emulator.clock.advance(10 * 60_000);
    await runJob('traffic-watch');
    expect(row()).toEqual([{ status: 'resolved', acknowledged_by: OUTSIDER }]);
    expect(resolvedReplies()).toHaveLength(1);
  });

  it('judges the failure rate over exactly the last 60 minutes, not since the start of the previous hour', async () => {
    // Failures sent a minute past an hour: at 1:01 later they are out of "the last hour", though in the hour it began.
    const HOUR = 3_600_000;
    await t.emulator.clock.advance(HOUR - (t.emulator.clock.now() % HOUR) + 60_000);
    await wavix('POST', '/_emulator/failing-destinations', { number: '+12125550107', error: 'Blocked by carrier' });
    for (let i = 0; i < 25; i++) {
      await wavix('POST', '/v3/messages', {
        from: '14155550100',
        to: '12125550107',
        message_body: { text: `hello ${i}`, media: null },
      });
    }
    await t.emulator.clock.advance(10_000);
    await runJob('traffic-watch');
    expect(alerts()).toMatchObject([{ rule: 'failure_rate', status: 'open' }]);

    await t.emulator.clock.advance(61 * 60_000);
    expect(await runJob('traffic-watch')).toContain('traffic-watch: ok (no alert conditions)');
    // Resolved once clear at two runs 15 minutes apart.
    await t.emulator.clock.advance(15 * 60_000);
    await runJob('traffic-watch');
    expect(alerts()).toMatchObject([{ rule: 'failure_rate', status: 'resolved' }]);
  });

  it('reports traffic with a PNG chart, and the daily digest has the right totals', async () => {
    await wavix('POST', '/_emulator/failing-destinations', { number: '+12125550107', error: 'Blocked by carrier' });
    for (let i = 0; i < 6; i++) {
      await wavix('POST', '/v3/messages', {
        from: '14155550100',
        to: i < 2 ? '12125550107' : '12125550123',
        message_body: { text: `hi ${i}`, media: null },
      });
    }
    await t.emulator.clock.advance(10_000);
    await runJob('traffic-watch');

    t.fakeSlack.setChannelMembers('C0OPS00001', [ADMIN]);
    const report = readable((await runCommand(t, 'traffic 24h', { channelId: 'C0OPS00001' })).body);
    expect(report).toContain('6 sent · 4 delivered · 2 failed');
    expect(report).toContain('66.7 %');
    expect(report).toContain('Blocked by carrier: 2');
    expect(report).toContain('The chart is posted in <#C0OPS00001> for everyone there.');
    const upload = t.fakeSlack.uploads.at(-1);
    expect(upload).toBeDefined();
    const png = PNG.sync.read(upload?.bytes ?? Buffer.alloc(0));
    expect(png.width).toBeGreaterThan(300);

    expect(await runJob('daily-digest')).toContain('daily-digest: ok');
    const digest = alertPosts().find((c) => String(c.args.text).startsWith('Daily SMS digest'));
    expect(String(digest?.args.text)).toContain('6 sent, 2 failed, 0 inbound, delivery rate 66.7 %');
  });

  it('changes a threshold for admins only, and lists the jobs with their last run', async () => {
    const refused = readable((await runCommand(t, 'alerts set failure_rate 50', { userId: OUTSIDER })).body);
    expect(refused).toMatch(/admin/i);
    const changed = readable((await runCommand(t, 'alerts set failure_rate 50', { userId: ADMIN })).body);
    expect(changed).toContain('`failure_rate` is now *50 %*');
    expect(readable((await runCommand(t, 'alerts')).body)).toContain('`failure_rate` *50* %');
    const invalid = readable((await runCommand(t, 'alerts set failure_rate lots')).body);
    expect(invalid).toContain('takes a number from 1 to 100');

    await runJob('traffic-watch');
    const jobs = readable((await runCommand(t, 'jobs')).body);
    for (const name of ['sender-id-approvals', 'ten-dlc', 'traffic-watch', 'daily-digest']) expect(jobs).toContain(name);
    expect(jobs).toMatch(/traffic-watch[\s\S]*last run .*: ok/);
    expect(jobs).toContain('never run yet');
  });
});

describe('/sms jobs run in the audit log', () => {
  it('records a run that failed as failed, with its reason, and one that worked as ok (a failed backup read "ok")', async () => {
    await wavix('POST', '/_emulator/faults', { path: '/', status: 503, times: 1_000 });
    expect(await runJob('traffic-watch')).toContain('traffic-watch: failed');
    await wavix('DELETE', '/_emulator/faults');
    expect(await runJob('traffic-watch')).toContain('traffic-watch: ok');
    const entries = t.db
      .prepare("SELECT outcome, detail FROM audit_log WHERE action = 'jobs.run' AND target = 'traffic-watch' ORDER BY id")
      .all() as { outcome: string; detail: string | null }[];
    expect(entries.map((e) => e.outcome)).toEqual(['failed', 'ok']);
    expect(entries[0]?.detail).toMatch(/Wavix/);
    expect(readable((await runCommand(t, 'audit')).body)).toMatch(/jobs\.run[\s\S]*failed/);
  });
});

describe('Sender ID refusals (Wavix shows none in its API)', () => {
  it('records a refusal from Slack, announces it once with the reason, and raises the rejected alert', async () => {
    const created = (await wavix('POST', '/v3/messages/sender-ids', {
      sender_id: 'Acme',
      type: 'alphanumeric',
      countries: ['FR'],
      usecase: 'transactional',
      samples: ['Your Acme code is 1234'],
    })) as { id: string };
    expect(created.id).toBeDefined();
    await runJob('sender-id-approvals');
    const refused = readable((await runCommand(t, 'senderid reject Acme FR Brand not registered with the carrier')).body);
    expect(refused).toContain('Recorded: Acme refused in FR');
    expect(readable((await runCommand(t, 'senderid reject Wavix GB nope')).body)).toContain('is approved in GB');

    await runJob('sender-id-approvals');
    await runJob('sender-id-approvals');
    const announced = t.fakeSlack
      .callsTo('chat.postMessage')
      .filter((c) => c.args.channel === ALERT_CHANNEL && readable(c.args).includes('Brand not registered with the carrier'));
    // One announcement and one alert, each once, across two runs.
    expect(
      announced.map((c) => (String(c.args.text).includes('was rejected in France') ? 'alert' : 'announcement')).sort(),
    ).toEqual(['alert', 'announcement']);
    expect(readable((await runCommand(t, 'alerts')).body)).toMatch(/Acme.*FR/);
    expect(readable((await runCommand(t, 'audit')).body)).toContain('senderid.reject');
  });
});

describe('drift and intentional changes', () => {
  it('does not call it drift when an admin points a number elsewhere through smsops', async () => {
    await runCommand(t, 'webhook set +14155550100');
    await runJob('traffic-watch'); // the watch sees the number pointing at smsops
    const { body } = await runCommand(t, 'webhook set +14155550100 https://pbx.example.com:8887/emc/Wavix - US/direct');
    const confirm = body.blocks
      .flatMap((b: { elements?: Array<{ action_id: string; value: string }> }) => b.elements ?? [])
      .find((e: { action_id: string }) => e.action_id === ACTION.confirmWebhook);
    const before = t.fakeSlack.responses.length;
    await t.slack.blockAction({ actionId: confirm.action_id, value: confirm.value, userId: ADMIN });
    await t.fakeSlack.waitForResponses(before + 1);
    expect(t.emulator.state().numbers.find((n) => n.number === '14155550100')?.sms_relay_url).toMatch(
      /\/emc\/Wavix(%20| )-(%20| )US\/direct$/,
    );

    await runJob('traffic-watch');
    expect(alertPosts().filter((c) => readable(c.args).includes('+1 415 555 0100'))).toHaveLength(0);

    // The same change made behind smsops' back, on another number, is drift.
    await runCommand(t, 'webhook set +16135550123');
    await runJob('traffic-watch');
    const canadian = t.emulator.state().numbers.find((n) => n.number === '16135550123');
    await wavix('PATCH', `/v1/numbers/${canadian?.id}`, { sms_relay_url: 'https://elsewhere.example.com/hook' });
    await runJob('traffic-watch');
    const drift = alertPosts().filter((c) => readable(c.args).includes('+1 613 555 0123'));
    expect(drift).toHaveLength(1);
    expect(readable(drift[0]?.args)).toContain('its own webhook now points at');
  });

  it('alerts when the webhook is moved in the Wavix portal before any watch run saw smsops’ own webhook set', async () => {
    // Set through smsops, then moved in the portal within the watch's 5 minutes: no run ever saw it pointing at smsops.
    await runCommand(t, 'webhook set');
    await wavix('PUT', '/v1/profile', { sms_relay_url: 'https://pbx.example.com/emc/direct' });
    await runCommand(t, 'webhook set +16135550123');
    const canadian = t.emulator.state().numbers.find((n) => n.number === '16135550123');
    await wavix('PATCH', `/v1/numbers/${canadian?.id}`, { sms_relay_url: 'https://elsewhere.example.com/hook' });
    await runJob('traffic-watch');
    expect(alerts()).toMatchObject([
      { rule: ALERT_RULE.numberDrift, subject_key: 'account', status: 'open' },
      { rule: ALERT_RULE.numberDrift, subject_key: '16135550123', status: 'open' },
    ]);
    expect(readable(alertPosts()[0]?.args)).toContain('no longer points at smsops');
  });

  it('ends the drift alert when an admin asks again for a change Wavix made but smsops did not live to record', async () => {
    await runCommand(t, 'webhook set +14155550100');
    await runJob('traffic-watch');
    // smsops' own change, applied by Wavix, then smsops killed before it noted it: to the watch, drift.
    const number = t.emulator.state().numbers.find((n) => n.number === '14155550100');
    const pbx = 'https://pbx.example.com:8887/emc/Wavix%20-%20US/direct';
    await wavix('PATCH', `/v1/numbers/${number?.id}`, { sms_relay_url: pbx });
    await runJob('traffic-watch');
    expect(alerts()).toMatchObject([{ rule: ALERT_RULE.numberDrift, status: 'open' }]);

    const { body } = await runCommand(t, 'webhook set +14155550100 https://pbx.example.com:8887/emc/Wavix - US/direct');
    expect(readable(body)).toMatch(/already|nothing changed/i);
    // The watch looks again at once after a change made through smsops.
    await waitUntil(() => (alerts()[0] as { status: string }).status === 'resolved', 5000, 'the drift alert resolved');
  });

  it('alerts when a routed number leaves the Wavix account in the portal, and ends once its route is removed', async () => {
    const US = '+14155550100';
    await runCommand(t, `webhook set ${US}`);
    await runCommand(t, `route set ${US} https://pbx.example.com:8887/emc/Wavix/0d3c5a5e-2222`);
    await runJob('traffic-watch');
    await wavix('POST', '/_emulator/numbers/14155550100/release');
    await runJob('traffic-watch');
    await runJob('traffic-watch');
    expect(alerts()).toMatchObject([{ rule: ALERT_RULE.numberDrift, subject_key: '14155550100', status: 'open' }]);
    expect(alertPosts()).toHaveLength(1);
    const said = readable(alertPosts()[0]?.args);
    expect(said).toContain('+1 415 555 0100 is no longer on the Wavix account');
    expect(said).toContain(`/sms route remove ${US}`);

    await runCommand(t, `route remove ${US}`);
    await waitUntil(() => (alerts()[0] as { status: string }).status === 'resolved', 5000, 'the drift alert resolved');
    expect(alertPosts()).toHaveLength(1);
  });

  it('says many routed numbers gone at once in one alert (a key of another sub-account), not one per number', async () => {
    await runCommand(t, 'webhook set');
    const routed = ['+14155550100', '+12025550143', '+16135550123', '+447400123456'];
    for (const n of routed) await runCommand(t, `route set ${n} https://pbx.example.com:8887/emc/Wavix/0d3c5a5e-4444`);
    await runJob('traffic-watch');
    for (const n of routed) await wavix('POST', `/_emulator/numbers/${n.slice(1)}/release`);
    await runJob('traffic-watch');
    expect(alerts()).toMatchObject([{ rule: ALERT_RULE.numberDrift, subject_key: 'numbers_gone', status: 'open' }]);
    expect(alertPosts()).toHaveLength(1);
    const said = readable(alertPosts()[0]?.args);
    expect(said).toContain('4 numbers smsops routes are no longer on the Wavix account');
    expect(said).toContain('and 1 more');
    expect(said).toContain('another account');
  });

  it('raises no "gone" alert for routed numbers a short listing missed once its look-ups found the ones they checked', async () => {
    await runCommand(t, 'webhook set');
    const routed = t.emulator.state().numbers.map((n) => `+${n.number}`);
    expect(routed.length).toBeGreaterThan(5);
    for (const n of routed) await runCommand(t, `route set ${n} https://pbx.example.com:8887/emc/Wavix/0d3c5a5e-5555`);
    await runJob('traffic-watch');
    // Wavix answers the listing with one number and says that is all (an empty page, a glitch): every number is
    // still on the account, and the look-ups by digits (the first five) find each one.
    const [first] = t.emulator.state().numbers;
    t.emulator.injectFault({
      method: 'GET',
      path: '/v1/numbers',
      status: 200,
      body: { items: [first], pagination: { current_page: 1, per_page: 100, total: 1, total_pages: 1 } },
    });
    await runJob('traffic-watch');
    expect(alerts()).toEqual([]);
    expect(alertPosts()).toHaveLength(0);
  });

  it('keeps a gone number alerted through a run whose short listing left it not looked up', async () => {
    await runCommand(t, 'webhook set');
    const routed = t.emulator.state().numbers.map((n) => `+${n.number}`);
    for (const n of routed) await runCommand(t, `route set ${n} https://pbx.example.com:8887/emc/Wavix/0d3c5a5e-6666`);
    await runJob('traffic-watch');
    // Routes are read in number order: +49 30 901820 is the last, past the five look-ups of a short listing.
    await wavix('POST', '/_emulator/numbers/4930901820/release');
    await runJob('traffic-watch');
    expect(alerts()).toMatchObject([{ subject_key: '4930901820', status: 'open' }]);
    const [first] = t.emulator.state().numbers;
    t.emulator.injectFault({
      method: 'GET',
      path: '/v1/numbers',
      status: 200,
      body: { items: [first], pagination: { current_page: 1, per_page: 100, total: 1, total_pages: 1 } },
    });
    await runJob('traffic-watch');
    // Not looked at is not fixed: no "Resolved" for a number still gone.
    expect(alerts()).toMatchObject([{ subject_key: '4930901820', status: 'open' }]);
    expect(alertPosts()).toHaveLength(1);
  });

  it('keeps many gone numbers in their one alert while their routes are removed one by one, and ends it with the last', async () => {
    await runCommand(t, 'webhook set');
    const routed = ['+14155550100', '+12025550143', '+16135550123', '+447400123456', '+31201234567'];
    for (const n of routed) await runCommand(t, `route set ${n} https://pbx.example.com:8887/emc/Wavix/0d3c5a5e-7777`);
    await runJob('traffic-watch');
    for (const n of routed) await wavix('POST', `/_emulator/numbers/${n.slice(1)}/release`);
    await runJob('traffic-watch');
    expect(alertPosts()).toHaveLength(1);
    // The team cleans up, as the alert says: a route removed after another, the watch looking again after each.
    for (const n of routed.slice(0, 4)) {
      await runCommand(t, `route remove ${n}`);
      await runJob('traffic-watch');
    }
    // No new alert per number once 3 or fewer are left: the one alert goes on saying how many, then ends.
    expect(alertPosts()).toHaveLength(1);
    expect(alerts()).toMatchObject([{ subject_key: 'numbers_gone', status: 'open' }]);
    const edits = t.fakeSlack.callsTo('chat.update').map((c) => readable(c.args));
    expect(edits.at(-1)).toContain('1 number smsops routes is no longer on the Wavix account');
    await runCommand(t, `route remove ${routed[4]}`);
    await runJob('traffic-watch');
    expect(alerts()).toMatchObject([{ subject_key: 'numbers_gone', status: 'resolved' }]);
    expect(alertPosts()).toHaveLength(1);
  });

  it('does not say "Resolved" for numbers alerted one each when more go and the rest are told in one alert', async () => {
    await runCommand(t, 'webhook set');
    const routed = ['+14155550100', '+12025550143', '+16135550123', '+447400123456', '+31201234567', '+442079460000'];
    for (const n of routed) await runCommand(t, `route set ${n} https://pbx.example.com:8887/emc/Wavix/0d3c5a5e-8888`);
    await runJob('traffic-watch');
    for (const n of routed.slice(0, 2)) await wavix('POST', `/_emulator/numbers/${n.slice(1)}/release`);
    await runJob('traffic-watch');
    expect(alerts()).toMatchObject([
      { subject_key: '12025550143', status: 'open' },
      { subject_key: '14155550100', status: 'open' },
    ]);
    for (const n of routed.slice(2)) await wavix('POST', `/_emulator/numbers/${n.slice(1)}/release`);
    await runJob('traffic-watch');
    const resolved = t.fakeSlack.callsTo('chat.update').filter((c) => String(c.args.text).startsWith('Resolved:'));
    expect(resolved).toHaveLength(0);
    expect(alerts()).toMatchObject([
      { subject_key: '12025550143', status: 'open' },
      { subject_key: '14155550100', status: 'open' },
      { subject_key: 'numbers_gone', status: 'open' },
    ]);
    expect(readable(alertPosts()[2]?.args)).toContain('4 numbers smsops routes are no longer');
  });

  it('ends a drift alert as soon as its fix is made from Slack, not at the next watch run', async () => {
    const US = '+14155550100';
    await runCommand(t, `webhook set ${US}`);
    await runJob('traffic-watch');
    await wavix('PATCH', '/v1/numbers/101', { sms_relay_url: 'https://pbx.example.com:8887/emc/Wavix/0d3c5a5e-3333' });
    await runJob('traffic-watch');
    expect(alerts()).toMatchObject([{ rule: ALERT_RULE.numberDrift, subject_key: '14155550100', status: 'open' }]);

    const { body } = await runCommand(t, `webhook set ${US}`);
    const confirm = body.blocks
      .flatMap((b: { elements?: Array<{ action_id: string; value: string }> }) => b.elements ?? [])
      .find((e: { action_id: string }) => e.action_id === ACTION.confirmWebhook);
    await t.slack.blockAction({ actionId: confirm.action_id, value: confirm.value, userId: ADMIN });
    // No `/sms jobs run`: the alert's own "Resolved" comes with the fix.
    await waitUntil(() => (alerts()[0] as { status: string }).status === 'resolved', 5000, 'the drift alert resolved');
    expect(alertPosts()).toHaveLength(1);
  });

  it('names only commands that run and apply to the number, and running them puts the numbers back', async () => {
    const US = '+14155550100';
    const GB = '+447400123456';
    await runCommand(t, `webhook set ${US}`);
    await runCommand(t, `webhook set ${GB}`);
    await runJob('traffic-watch');
    // Behind smsops' back: the US number's inbound SMS off and its webhook gone, the UK one pointed at the PBX.
    await wavix('PATCH', '/v1/numbers/101', { sms_enabled: false, sms_relay_url: null });
    await wavix('PATCH', '/v1/numbers/105', { sms_relay_url: 'https://pbx.example.com:8887/emc/Wavix/0d3c5a5e-1111' });
    await runJob('traffic-watch');

    const commandsIn = (display: string) => {
      const post = alertPosts().find((c) => readable(c.args).includes(`${display}:`));
      return [...new Set([...readable(post?.args).matchAll(/`(\/sms [^`]+)`/g)].map((m) => m[1] ?? ''))];
    };
    const us = commandsIn('+1 415 555 0100');
    const gb = commandsIn('+44 7400 123456');
    // Wavix activates inbound SMS on US and Canadian numbers only, and keeps a webhook only once it is active.
    expect(us).toEqual(['/sms number list', `/sms number enable-inbound ${US}`, `/sms webhook set ${US}`, '/sms alerts']);
    expect(gb).toEqual(['/sms number list', `/sms webhook set ${GB}`, '/sms alerts']);

    for (const typed of [...us, ...gb]) {
      const { body } = await runCommand(t, typed.replace(/^\/sms /, ''));
      const said = readable(body);
      expect(said, typed).not.toMatch(/is not a phone number|is not a command|only US and Canadian|Wavix refused/i);
      const confirm = (body.blocks ?? [])
        .flatMap((b: { elements?: Array<{ action_id: string; value: string }> }) => b.elements ?? [])
        .find((e: { action_id: string }) => e.action_id === ACTION.confirmWebhook);
      if (confirm) {
        const before = t.fakeSlack.responses.length;
        await t.slack.blockAction({ actionId: confirm.action_id, value: confirm.value, userId: ADMIN });
        await t.fakeSlack.waitForResponses(before + 1);
      }
    }
    // No `/sms jobs run`: each fix has the watch look again, after a run that may have read Wavix before it.
    await waitUntil(
      () => (alerts() as Array<{ status: string }>).every((a) => a.status === 'resolved'),
      8000,
      'both drift alerts resolved',
    );
    expect(alerts()).toMatchObject([
      { rule: ALERT_RULE.numberDrift, subject_key: '14155550100', status: 'resolved' },
      { rule: ALERT_RULE.numberDrift, subject_key: '447400123456', status: 'resolved' },
    ]);
  });
});
