import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { ADMIN, OUTSIDER, readable, runCommand, type SmsopsUnderTest, WEBHOOK_SECRET } from '../helpers/smsopsUnderTest.js';
import { useSmsopsWithSinks } from '../helpers/smsopsWithSink.js';
import { waitUntil } from '../helpers/waitUntil.js';
import type { WebhookSink } from '../helpers/webhookSink.js';

/**
 * "A wrong route must be fixable": a mistyped route, fixed with `/sms route set`, gets its queued messages through;
 * replays go to the route in force with a fresh retry window; `#name` never ends up inside a PortSIP URL.
 * Everything through the real Bolt receiver, the real relay and local PortSIP sinks.
 */

const UUID = 'a558d635-66e0-4c64-9d3b-2f5c1e7a8b90';
const WRONG_UUID = 'ffff0000-1111-2222-3333-444455556666';
const PATH = `/emc/Wavix - US/${UUID}`;
const SENT_PATH = `/emc/Wavix%20-%20US/${UUID}`;

const rig = useSmsopsWithSinks();
const sink = rig.sink;

let counter = 0;
const inbound = (text: string, overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    message_id: `rf-${++counter}-${Date.now()}`,
    message_type: 'sms',
    from: '447400123456',
    to: '14155550100',
    message_body: { text, media: null },
    received_at: '2026-11-25T10:00:00.000Z',
    ...overrides,
  });

async function post(smsops: SmsopsUnderTest, raw: string): Promise<void> {
  const response = await fetch(`${smsops.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: raw,
  });
  expect(response.status).toBe(200);
}

const texts = (s: WebhookSink) => s.received.map((r) => (r.json() as { message_body: { text: string } }).message_body.text);

// biome-ignore lint/suspicious/noExplicitAny: Slack message bodies are asserted structurally
const buttonsOf = (body: any): Array<{ action_id: string; value: string }> =>
  body.blocks.filter((b: { type: string }) => b.type === 'actions').flatMap((b: { elements: unknown[] }) => b.elements);

const lastAudit = (smsops: SmsopsUnderTest, action: string) =>
  smsops.db.prepare('SELECT params, outcome FROM audit_log WHERE action = ? ORDER BY id DESC LIMIT 1').get(action) as {
    params: string;
    outcome: string;
  };

describe('a wrong route, fixed', () => {
  it('moves the messages queued for the wrong URL to the fixed route and delivers them within seconds, in order', async () => {
    const wrong = await sink();
    const right = await sink();
    wrong.respondWith(404);
    // A failed attempt waits at least 5 s before the next one: delivery within that time is the route change's doing.
    const smsops = await rig.start({ RELAY_RETRY_BASE_MS: '20000', SLACK_RELAY_PACE_MS: '0' });
    await runCommand(smsops, `route set +1 415 555 0100 ${wrong.url}/emc/Wavix - US/${WRONG_UUID}`);
    for (const text of ['one', 'two', 'three']) await post(smsops, inbound(text));
    await waitUntil(
      () =>
        smsops.db
          .prepare("SELECT 1 FROM deliveries WHERE destination_kind = 'portsip' AND attempts >= 1 AND last_status_code = 404")
          .get(),
      5000,
      'the first attempt failing at the wrong URL',
    );

    const reply = readable((await runCommand(smsops, `route set +1 415 555 0100 ${right.url}${PATH}`)).body);
    expect(reply).toContain('3 queued deliveries (pending or dead) moved to this route and sent now');
    expect(reply).not.toContain(UUID);
    await post(smsops, inbound('four'));

    await waitUntil(() => right.received.length >= 4, 4000, 'all four at the fixed URL');
    expect(texts(right)).toEqual(['one', 'two', 'three', 'four']);
    expect(right.received.every((r) => r.path === SENT_PATH)).toBe(true);
    const wrongAttempts = wrong.received.length;
    expect(texts(wrong).every((x) => x === 'one')).toBe(true);
    expect(JSON.parse(lastAudit(smsops, 'route.set').params)).toMatchObject({ movedDeliveries: 3 });

    // Removing the number's route moves nothing delivered; the wrong URL is never tried again.
    expect(readable((await runCommand(smsops, 'route remove +1 415 555 0100')).body)).toContain('Route removed');
    expect(JSON.parse(lastAudit(smsops, 'route.remove').params)).toMatchObject({ movedDeliveries: 0 });
    expect(wrong.received).toHaveLength(wrongAttempts);
  });

  it('sends the messages waiting behind a slow wrong URL to the fixed route, and those under way there too once the wrong one took them', async () => {
    const wrong = await sink();
    const right = await sink();
    // A slow PBX: once the first attempt ends, the relay sends the next and claims the other conversations ahead.
    wrong.delay(1500);
    const smsops = await rig.start({ RELAY_CONCURRENCY: '1', SLACK_RELAY_PACE_MS: '0' });
    await runCommand(smsops, `route set +1 415 555 0100 ${wrong.url}/emc/Wavix - US/${WRONG_UUID}`);
    const words = ['one', 'two', 'three', 'four', 'five'];
    for (const [i, text] of words.entries()) await post(smsops, inbound(text, { from: `44740012345${i}` }));
    await waitUntil(() => wrong.received.length === 2, 5000, 'the second attempt under way at the wrong URL');
    const leased = smsops.db
      .prepare("SELECT count(*) AS n FROM deliveries WHERE destination_kind = 'portsip' AND status = 'in_flight'")
      .get() as { n: number };
    expect(leased.n).toBeGreaterThan(1);

    await runCommand(smsops, `route set +1 415 555 0100 ${right.url}${PATH}`);
    // "two" was under way at the wrong URL when the route changed: the wrong PBX took it, the right one must get it too.
    await waitUntil(() => right.received.length >= 4, 8000, 'the three waiting and the one under way at the fixed URL');
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect(texts(wrong)).toEqual(['one', 'two']);
    expect(texts(right).sort()).toEqual(['five', 'four', 'three', 'two']);
    // Recorded as delivered where it was delivered last: the fixed route.
    const two = smsops.db
      .prepare(
        "SELECT d.status, d.destination FROM deliveries d JOIN inbound_messages m ON m.id = d.inbound_message_id WHERE m.text = 'two' AND d.destination_kind = 'portsip'",
      )
      .get() as { status: string; destination: string };
    expect(two).toEqual({ status: 'delivered', destination: `${right.url}${PATH}` });
  });

  it('a route changed and changed back while its attempt is out sends the SMS to that PBX once, and none to the other', async () => {
    const right = await sink();
    const other = await sink();
    // A slow PBX: the attempt is out while two admins change the route away and back.
    right.delay(1500);
    const smsops = await rig.start({ SLACK_RELAY_PACE_MS: '0' });
    await runCommand(smsops, `route set +1 415 555 0100 ${right.url}${PATH}`);
    await post(smsops, inbound('once', { message_id: 'undo-1' }));
    await waitUntil(() => right.received.length === 1, 5000, 'the attempt under way at the right PBX');

    await runCommand(smsops, `route set +1 415 555 0100 ${other.url}/emc/Wavix - US/${WRONG_UUID}`);
    await runCommand(smsops, `route set +1 415 555 0100 ${right.url}${PATH}`);
    const portsip = () =>
      smsops.db
        .prepare(
          "SELECT status, attempts, destination, last_error AS lastError FROM deliveries WHERE destination_kind = 'portsip'",
        )
        .get() as { status: string; attempts: number; destination: string; lastError: string | null };
    await waitUntil(() => (portsip().attempts >= 1 ? true : undefined), 5000, 'the attempt’s outcome recorded');
    // The right PBX's 2xx was for the route in force: delivered, not due there again ("the old destination took it").
    expect(portsip()).toEqual({ status: 'delivered', attempts: 1, destination: `${right.url}${PATH}`, lastError: null });
    // Time for a second attempt (answered after 1.5 s) to reach either PBX, had one been started.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(right.received.map((r) => (r.json() as { message_id: string }).message_id)).toEqual(['undo-1']);
    expect(other.received).toHaveLength(0);
  });

  it('a `default` change moves only numbers without their own route; removing a route falls back to default', async () => {
    const wrong = await sink();
    const own = await sink();
    const fixed = await sink();
    wrong.respondWith(503);
    own.respondWith(503);
    const smsops = await rig.start({ RELAY_RETRY_BASE_MS: '20000', SLACK_RELAY_PACE_MS: '0' });
    await runCommand(smsops, `route set default ${wrong.url}/emc/Wavix - US/${WRONG_UUID}`);
    await runCommand(smsops, `route set +1 202 555 0143 ${own.url}${PATH}`);
    await post(smsops, inbound('to the default', { to: '14155550100' }));
    await post(smsops, inbound('to its own route', { to: '12025550143' }));
    await waitUntil(() => wrong.received.length >= 1 && own.received.length >= 1, 5000, 'both failed once');

    const reply = readable((await runCommand(smsops, `route set default ${fixed.url}${PATH}`)).body);
    expect(reply).toContain('1 queued delivery (pending or dead) moved');
    await waitUntil(() => fixed.received.length >= 1, 4000, 'the default number’s message at the fixed URL');
    expect(texts(fixed)).toEqual(['to the default']);

    // The number with its own route stays there until that route goes: then it follows `default`.
    expect(readable((await runCommand(smsops, 'route remove +1 202 555 0143')).body)).toContain('1 queued delivery');
    await waitUntil(() => fixed.received.length >= 2, 4000, 'the other message at the fixed URL');
    expect(texts(fixed)).toEqual(['to the default', 'to its own route']);
  });
});

describe('dead letters at a wrong URL', () => {
  it('revives them at the fixed route with a fresh window, and ends the wrong URL’s dead-letter alert', async () => {
    const wrong = await sink();
    const right = await sink();
    wrong.respondWith(404);
    const smsops = await rig.start({
      PORTSIP_WEBHOOK_URL: `${wrong.url}/emc/Wavix - US/${WRONG_UUID}`,
      RELAY_DEAD_AFTER_HOURS: '0.0002',
      RELAY_RETRY_BASE_MS: '20',
      SLACK_RELAY_PACE_MS: '0',
    });
    await post(smsops, inbound('dead at the wrong URL'));
    await waitUntil(() => smsops.db.prepare("SELECT 1 FROM deliveries WHERE status = 'dead'").get(), 8000, 'dead');
    await waitUntil(
      () =>
        smsops.db.prepare("SELECT 1 FROM alerts WHERE rule = 'relay_dead' AND status = 'open' AND slack_ts IS NOT NULL").get(),
      5000,
      'the dead-letter alert',
    );

    const reply = readable((await runCommand(smsops, `route set default ${right.url}${PATH}`)).body);
    expect(reply).toContain('1 queued delivery (pending or dead) moved');
    await waitUntil(() => right.received.length >= 1, 4000, 'delivered at the fixed URL');
    expect(texts(right)).toEqual(['dead at the wrong URL']);
    await waitUntil(
      () => smsops.db.prepare("SELECT 1 FROM alerts WHERE rule = 'relay_dead' AND status = 'resolved'").get(),
      5000,
      'the alert resolved',
    );
  });
});

describe('a wrong channel, fixed', () => {
  it('moves the Slack posts queued for a channel Slack refuses to the channel the route names now', async () => {
    const smsops = await rig.start({ RELAY_RETRY_BASE_MS: '20000', SLACK_RELAY_PACE_MS: '0' });
    smsops.fakeSlack.seedChannels([{ id: 'C0RIGHT001', name: 'sms-inbox' }]);
    smsops.fakeSlack.handle('chat.postMessage', ({ args }) =>
      args.channel === 'C0WRONG001'
        ? { ok: false, error: 'channel_not_found' }
        : { channel: args.channel, ts: `1700000001.${String(Date.now() % 1_000_000).padStart(6, '0')}` },
    );
    await runCommand(smsops, 'route set +1 415 555 0100 <#C0WRONG001|gone>');
    await post(smsops, inbound('lost in the wrong channel'));
    await waitUntil(
      () =>
        smsops.db
          .prepare("SELECT 1 FROM deliveries WHERE destination_kind = 'slack' AND last_error = 'Slack: channel_not_found'")
          .get(),
      5000,
      'a failed post',
    );
    const reply = readable((await runCommand(smsops, 'route set +1 415 555 0100 #sms-inbox')).body);
    expect(reply).toContain('1 queued delivery (pending or dead) moved');
    const posts = await waitUntil(
      () => {
        const found = smsops.fakeSlack
          .callsTo('chat.postMessage')
          .filter((c) => c.args.channel === 'C0RIGHT001' && readable(c.args).includes('lost in the wrong channel'));
        return found.length > 0 ? found : undefined;
      },
      5000,
      'the post in the right channel',
    );
    expect(posts).toHaveLength(1);
  });
});

describe('route set with a #channel', () => {
  it('reads `#name` as a channel (looked up page by page), sets it, and never puts it into the URL PortSIP gets', async () => {
    const pbx = await sink();
    const smsops = await rig.start({ SLACK_RELAY_PACE_MS: '0' });
    smsops.fakeSlack.seedChannels(
      [
        { id: 'C0GENERAL1', name: 'general' },
        { id: 'C0RANDOM01', name: 'random' },
        { id: 'C0SUPPORT1', name: 'support' },
        { id: 'G0PRIVATE1', name: 'sms-inbox', is_private: true },
      ],
      { pageSize: 2 },
    );
    const url = `${pbx.url}${PATH}`;
    const reply = readable((await runCommand(smsops, `route set +12025550143 ${url} #sms-inbox`)).body);
    expect(reply).toContain('Route saved');
    expect(reply).toContain('<#G0PRIVATE1>');
    expect(reply).not.toContain(UUID);
    expect(smsops.fakeSlack.callsTo('conversations.list').length).toBeGreaterThanOrEqual(2);
    expect(smsops.db.prepare('SELECT portsip_url, slack_channel FROM routes').all()).toEqual([
      { portsip_url: url, slack_channel: 'G0PRIVATE1' },
    ]);

    await post(smsops, inbound('hello', { to: '12025550143' }));
    await waitUntil(() => pbx.received.length >= 1, 5000, 'PortSIP');
    expect(pbx.received[0]?.path).toBe(SENT_PATH);
    const posts = await smsops.fakeSlack.waitFor('chat.postMessage');
    expect(posts.some((c) => c.args.channel === 'G0PRIVATE1' && readable(c.args).includes('hello'))).toBe(true);
  });

  it('refuses a #name no channel has, a # inside the URL and a trailing encoded space, saying why, and stores nothing', async () => {
    const pbx = await sink();
    const smsops = await rig.start();
    smsops.fakeSlack.seedChannels([{ id: 'C0GENERAL1', name: 'general' }]);
    const url = `${pbx.url}${PATH}`;
    const unknown = readable((await runCommand(smsops, `route set default ${url} #sms-inbox`)).body);
    expect(unknown).toContain('no channel named #sms-inbox');
    expect(unknown).toContain('Pick the channel from Slack’s list');
    const fragment = readable((await runCommand(smsops, `route set default ${url}#sms-inbox`)).body);
    expect(fragment).toContain('contains `#`');
    const trailing = readable((await runCommand(smsops, `route set default ${url}%20`)).body);
    expect(trailing).toContain('ends with a space');
    const extra = readable((await runCommand(smsops, `route set default ${url} sms-inbox please`)).body);
    expect(extra).toContain('After the URL only a channel may follow');
    for (const text of [unknown, fragment, trailing]) expect(text).not.toContain(UUID);
    expect(smsops.db.prepare('SELECT count(*) AS n FROM routes').get()).toEqual({ n: 0 });
  });
});

describe('replays', () => {
  it('gives a replayed dead delivery a fresh retry window: more than one attempt, then delivered', async () => {
    const pbx = await sink();
    pbx.respondWith(500);
    // Dead after about 2.9 s of failures; an idle worker looks for due retries about once a second.
    const smsops = await rig.start({
      PORTSIP_WEBHOOK_URL: `${pbx.url}${PATH}`,
      RELAY_DEAD_AFTER_HOURS: '0.0008',
      RELAY_RETRY_BASE_MS: '20',
      SLACK_RELAY_PACE_MS: '0',
    });
    await post(smsops, inbound('dies once'));
    await waitUntil(() => smsops.db.prepare("SELECT 1 FROM deliveries WHERE status = 'dead'").get(), 8000, 'dead');
    const before = pbx.received.length;

    expect(readable((await runCommand(smsops, 'relay replay dead')).body)).toContain('1 dead delivery queued again');
    // Before the fresh window, a replayed dead delivery got exactly one attempt and was dead again.
    await waitUntil(() => pbx.received.length >= before + 2, 2500, 'more than one attempt after the replay');
    expect(smsops.db.prepare("SELECT status FROM deliveries WHERE destination_kind = 'portsip'").pluck().get()).not.toBe('dead');
    pbx.respondWith(200);
    await waitUntil(
      () => smsops.db.prepare("SELECT 1 FROM deliveries WHERE destination_kind = 'portsip' AND status = 'delivered'").get(),
      5000,
      'delivered',
    );
    expect(JSON.parse(lastAudit(smsops, 'relay.replay').params)).toMatchObject({ replayed: 1 });
  });

  it('replays a message whose PortSIP delivery is dead without asking, with a fresh window, and leaves its Slack post alone', async () => {
    const pbx = await sink();
    pbx.respondWith(500);
    const smsops = await rig.start({
      PORTSIP_WEBHOOK_URL: `${pbx.url}${PATH}`,
      RELAY_DEAD_AFTER_HOURS: '0.0008',
      RELAY_RETRY_BASE_MS: '20',
      SLACK_RELAY_PACE_MS: '0',
    });
    await post(smsops, inbound('owed', { message_id: 'owed-1' }));
    await waitUntil(
      () =>
        smsops.db
          .prepare(
            "SELECT 1 FROM deliveries p JOIN deliveries s ON s.inbound_message_id = p.inbound_message_id WHERE p.destination_kind = 'portsip' AND p.status = 'dead' AND s.destination_kind = 'slack' AND s.status = 'delivered'",
          )
          .get(),
      8000,
      'PortSIP dead, Slack posted',
    );
    pbx.respondWith(200);
    const postsOfIt = () => smsops.fakeSlack.callsTo('chat.postMessage').filter((c) => readable(c.args).includes('owed')).length;
    const postsBefore = postsOfIt();
    expect(postsBefore).toBe(1);
    const answer = readable((await runCommand(smsops, 'relay replay owed-1')).body);
    expect(answer).not.toContain('delivered already');
    expect(answer).toContain('queued again to 1 destination');
    await waitUntil(
      () => smsops.db.prepare("SELECT 1 FROM deliveries WHERE destination_kind = 'portsip' AND status = 'delivered'").get(),
      5000,
      'PortSIP at the current route',
    );
    expect(pbx.received.at(-1)?.json()).toMatchObject({ message_id: 'owed-1' });
    // The Slack post that went out is not posted again.
    await smsops.fakeSlack.waitFor('chat.update');
    expect(postsOfIt()).toBe(postsBefore);
  });

  it('asks before replaying a delivered message, sends it to the route in force now, and marks the Slack post', async () => {
    const old = await sink();
    const current = await sink();
    const smsops = await rig.start({ PORTSIP_WEBHOOK_URL: `${old.url}${PATH}`, SLACK_RELAY_PACE_MS: '0' });
    await post(smsops, inbound('once', { message_id: 'replay-me' }));
    await waitUntil(
      () =>
        smsops.db.prepare("SELECT count(*) AS n FROM deliveries WHERE status = 'delivered'").pluck().get() === 2
          ? true
          : undefined,
      5000,
      'both delivered',
    );
    await runCommand(smsops, `route set default ${current.url}${PATH}`);

    // A non-admin is refused before any question.
    expect(readable((await runCommand(smsops, 'relay replay replay-me', { userId: OUTSIDER })).body)).toContain(
      'Only the smsops admins',
    );
    const question = (await runCommand(smsops, 'relay replay replay-me')).body;
    expect(readable(question)).toContain('was delivered already to 2 destinations');
    const buttons = buttonsOf(question);
    const send = buttons.find((b) => b.action_id === ACTION.confirmReplay);
    expect(buttons.map((b) => b.action_id)).toContain(ACTION.cancelReplay);
    // Nothing is sent while the question is open.
    expect(smsops.db.prepare("SELECT count(*) AS n FROM deliveries WHERE status = 'delivered'").pluck().get()).toBe(2);

    let before = smsops.fakeSlack.responses.length;
    await smsops.slack.blockAction({ actionId: ACTION.cancelReplay, value: 'cancel', userId: ADMIN });
    expect(readable((await smsops.fakeSlack.waitForResponses(before + 1))[before]?.body)).toContain('nothing was sent again');

    const postsBefore = smsops.fakeSlack.callsTo('chat.postMessage').length;
    before = smsops.fakeSlack.responses.length;
    await smsops.slack.blockAction({
      actionId: ACTION.confirmReplay,
      value: send?.value ?? '',
      userId: ADMIN,
      isEphemeral: true,
    });
    const done = (await smsops.fakeSlack.waitForResponses(before + 1))[before]?.body;
    expect(done.replace_original).toBe(true);
    expect(readable(done)).toContain('Message replay-me queued again to 2 destinations (1 to the route in force now)');

    await waitUntil(() => current.received.length >= 1, 5000, 'the current route');
    expect(current.received[0]?.json()).toMatchObject({ message_id: 'replay-me' });
    expect(old.received).toHaveLength(1);
    const posts = await smsops.fakeSlack.waitFor('chat.postMessage', postsBefore + 1);
    expect(readable(posts.at(-1)?.args)).toContain(':repeat: replayed');
    expect(readable(posts[0]?.args)).not.toContain('replayed');
  });
});

describe('/sms relay status', () => {
  it('shows the failing deliveries per destination with their last error, escaped and masked, and how to fix them', async () => {
    const pbx = await sink();
    const url = `${pbx.url}${PATH}`;
    pbx.respondWith(404, `<!channel> no configuration at ${url.replaceAll(' ', '%20')}`);
    const smsops = await rig.start({ PORTSIP_WEBHOOK_URL: url, RELAY_RETRY_BASE_MS: '20000' });
    await post(smsops, inbound('stuck', { message_id: 'stuck-1' }));
    await waitUntil(
      () => smsops.db.prepare("SELECT 1 FROM deliveries WHERE destination_kind = 'portsip' AND last_status_code = 404").get(),
      5000,
      'a failed attempt',
    );
    const status = readable((await runCommand(smsops, 'relay status')).body);
    expect(status).toMatch(/PortSIP `http:\/\/127\.0\.0\.1:\d+\/emc\/Wavix - US\/a558…`: 1 pending/);
    expect(status).toContain('`stuck-1` to +1 415 555 0100: 1 attempt');
    expect(status).toContain('HTTP 404: &lt;!channel&gt; no configuration at http://127.0.0.1:');
    expect(status).toContain('/emc/Wavix - US/a558…');
    expect(status).not.toContain(UUID);
    expect(status).toContain('/sms route set');
    expect(status).toContain('/sms relay replay dead');
  });
});

describe('a change while another process holds the database', () => {
  it('answers that the database is locked and to try again, not "an internal error"; works once it is free', async () => {
    const pbx = await sink();
    const smsops = await rig.start({ SLACK_RELAY_PACE_MS: '0' });
    const shell = new Database(smsops.db.name);
    shell.exec('BEGIN IMMEDIATE');
    try {
      for (const command of [`route set default ${pbx.url}${PATH}`, 'relay replay dead']) {
        const answer = readable((await runCommand(smsops, command)).body);
        expect(answer, command).toContain('locked by another process');
        expect(answer, command).toContain('try again');
        expect(answer, command).not.toContain('internal error');
      }
    } finally {
      shell.exec('ROLLBACK');
      shell.close();
    }
    expect(readable((await runCommand(smsops, `route set default ${pbx.url}${PATH}`)).body)).toContain('Route saved');
  });
});
