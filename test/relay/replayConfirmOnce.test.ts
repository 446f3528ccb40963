import { describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { pressForAnswer } from '../helpers/buttonPress.js';
import { ADMIN, postInbound, readable, runCommand, type SmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { useSmsopsWithSink } from '../helpers/smsopsWithSink.js';
import { waitUntil } from '../helpers/waitUntil.js';
import type { WebhookSink } from '../helpers/webhookSink.js';

/**
 * "Send again" sends once per question: a double-click, or two admins each confirming their own copy of the question,
 * add one copy at PortSIP and one "replayed" post in Slack, and the press that came too late says so in words.
 * Through the real Bolt receiver (signed block_actions) and a local PortSIP sink.
 */

const PATH = '/emc/Wavix - US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90';
const SECOND_ADMIN = 'U0ADMIN002';

const rig = useSmsopsWithSink({
  portsipPath: PATH,
  env: { SLACK_RELAY_PACE_MS: '0', SLACK_ADMIN_USERS: `${ADMIN},${SECOND_ADMIN}` },
});

async function start(): Promise<{ smsops: SmsopsUnderTest; sink: WebhookSink }> {
  const { t: smsops, sink } = await rig.start();
  return { smsops, sink };
}

const copiesOf = (sink: WebhookSink, id: string) =>
  sink.received.filter((r) => (r.json() as { message_id: string }).message_id === id).length;

const replayedPosts = (smsops: SmsopsUnderTest) =>
  smsops.fakeSlack.callsTo('chat.postMessage').filter((c) => readable(c.args).includes(':repeat: replayed')).length;

const deliveredEverywhere = (smsops: SmsopsUnderTest) =>
  smsops.db.prepare("SELECT count(*) FROM deliveries WHERE status = 'delivered' AND delivered_at IS NOT NULL").pluck().get() ===
    2 && smsops.db.prepare("SELECT count(*) FROM deliveries WHERE status <> 'delivered'").pluck().get() === 0
    ? true
    : undefined;

/** An SMS delivered to PortSIP and Slack. */
async function deliveredSms(smsops: SmsopsUnderTest, sink: WebhookSink, id: string): Promise<void> {
  expect((await postInbound(smsops, { message_id: id })).status).toBe(200);
  await waitUntil(() => deliveredEverywhere(smsops), 5000, 'delivered to PortSIP and Slack');
  expect(copiesOf(sink, id)).toBe(1);
}

/** `/sms relay replay <id>` as `userId`: the question's "Send again" value. */
async function ask(smsops: SmsopsUnderTest, id: string, userId = ADMIN): Promise<string> {
  const question = (await runCommand(smsops, `relay replay ${id}`, { userId })).body;
  expect(readable(question)).toContain('was delivered already to 2 destinations');
  const send = question.blocks
    .flatMap((b: { elements?: Array<{ action_id: string; value: string }> }) => b.elements ?? [])
    .find((e: { action_id: string }) => e.action_id === ACTION.confirmReplay);
  return send.value;
}

/** Presses "Send again" (its own signature, action_ts and response_url) and returns what the presser reads. */
const press = (smsops: SmsopsUnderTest, value: string, userId = ADMIN) =>
  pressForAnswer(smsops, ACTION.confirmReplay, value, userId, 5000);

describe('"Send again" on a delivered message', () => {
  it('pressed twice, sends once: the second press says it was sent again since, by you, and to run the command again', async () => {
    const { smsops, sink } = await start();
    await deliveredSms(smsops, sink, 'twice-1');
    const send = await ask(smsops, 'twice-1');

    expect(await press(smsops, send)).toContain('Message twice-1 queued again to 2 destinations');
    await waitUntil(() => (copiesOf(sink, 'twice-1') === 2 ? deliveredEverywhere(smsops) : undefined), 5000, 'replayed');

    const second = await press(smsops, send);
    expect(second).toContain('was already sent again since you were asked');
    expect(second).toContain('by you');
    expect(second).toContain('/sms relay replay twice-1');
    expect(second).not.toContain('queued again');
    // Whatever the second press would have queued is in the database by its answer: nothing is owed.
    expect(deliveredEverywhere(smsops)).toBe(true);
    expect(copiesOf(sink, 'twice-1')).toBe(2);
    expect(replayedPosts(smsops)).toBe(1);
    const outcomes = smsops.db.prepare("SELECT outcome FROM audit_log WHERE action = 'relay.replay' ORDER BY id").pluck().all();
    expect(outcomes).toEqual(['ok', 'failed']);
  });

  it('pressed twice at once, queues once and the other press says why (not "queued again to 0 destinations")', async () => {
    const { smsops, sink } = await start();
    await deliveredSms(smsops, sink, 'twice-2');
    const send = await ask(smsops, 'twice-2');

    const answers = await Promise.all([press(smsops, send), press(smsops, send)]);
    expect(answers.filter((a) => a.includes('queued again to 2 destinations'))).toHaveLength(1);
    expect(answers.filter((a) => a.includes('was already sent again since you were asked'))).toHaveLength(1);
    expect(answers.join('\n')).not.toContain('0 destinations');
    await waitUntil(() => (copiesOf(sink, 'twice-2') === 2 ? deliveredEverywhere(smsops) : undefined), 5000, 'replayed');
    expect(replayedPosts(smsops)).toBe(1);
  });

  it('confirmed by two admins on their own questions, sends once and names who sent it to the second', async () => {
    const { smsops, sink } = await start();
    await deliveredSms(smsops, sink, 'two-admins');
    const mine = await ask(smsops, 'two-admins', ADMIN);
    const theirs = await ask(smsops, 'two-admins', SECOND_ADMIN);

    expect(await press(smsops, mine, ADMIN)).toContain('queued again to 2 destinations');
    await waitUntil(() => (copiesOf(sink, 'two-admins') === 2 ? deliveredEverywhere(smsops) : undefined), 5000, 'replayed');
    const late = await press(smsops, theirs, SECOND_ADMIN);
    expect(late).toContain('was already sent again since you were asked');
    expect(late).toContain(`by <@${ADMIN}>`);
    expect(deliveredEverywhere(smsops)).toBe(true);
    expect(copiesOf(sink, 'two-admins')).toBe(2);

    // A fresh question sends it once more.
    expect(await press(smsops, await ask(smsops, 'two-admins', SECOND_ADMIN), SECOND_ADMIN)).toContain('queued again');
    await waitUntil(() => (copiesOf(sink, 'two-admins') === 3 ? deliveredEverywhere(smsops) : undefined), 5000, 'again');
  });

  it('a button posted before the upgrade (no fingerprint) sends nothing and says to ask again', async () => {
    const { smsops, sink } = await start();
    await deliveredSms(smsops, sink, 'old-button');
    const answer = await press(smsops, JSON.stringify({ target: 'old-button' }));
    expect(answer).toContain('earlier smsops version');
    expect(answer).toContain('nothing was sent');
    expect(answer).toContain('/sms relay replay old-button');
    expect(deliveredEverywhere(smsops)).toBe(true);
    expect(smsops.db.prepare('SELECT count(*) FROM deliveries WHERE replayed_at IS NOT NULL').pluck().get()).toBe(0);
    expect(copiesOf(sink, 'old-button')).toBe(1);
  });

  it('a question left standing past 15 minutes sends nothing and says to ask again; one of 14 minutes still sends', async () => {
    const { smsops, sink } = await start();
    await deliveredSms(smsops, sink, 'stale-1');
    const askedEarlier = (value: string, minutes: number) => {
      const v = JSON.parse(value) as { asked: number };
      return JSON.stringify({ ...v, asked: v.asked - minutes * 60_000 });
    };
    const send = await ask(smsops, 'stale-1');

    const stale = await press(smsops, askedEarlier(send, 16));
    expect(stale).toContain('asked more than 15 minutes ago');
    expect(stale).toContain('nothing was sent');
    expect(stale).toContain('/sms relay replay stale-1');
    expect(smsops.db.prepare('SELECT count(*) FROM deliveries WHERE replayed_at IS NOT NULL').pluck().get()).toBe(0);
    // A button carrying what it showed but not when (older than the field) is taken as expired too.
    const { asked: _asked, ...undated } = JSON.parse(send) as Record<string, unknown>;
    expect(await press(smsops, JSON.stringify(undated))).toContain('asked more than 15 minutes ago');
    // A time ahead of smsops' clock is not one smsops wrote: it would never expire.
    expect(await press(smsops, askedEarlier(send, -365 * 24 * 60))).toContain('nothing was sent');
    expect(smsops.db.prepare('SELECT count(*) FROM deliveries WHERE replayed_at IS NOT NULL').pluck().get()).toBe(0);

    expect(await press(smsops, askedEarlier(send, 14))).toContain('Message stale-1 queued again to 2 destinations');
    await waitUntil(() => (copiesOf(sink, 'stale-1') === 2 ? deliveredEverywhere(smsops) : undefined), 5000, 'replayed');
  });

  it('says a delivery being sent right now is left to finish, instead of counting it silently', async () => {
    const { smsops, sink } = await start();
    sink.delay(4000);
    expect((await postInbound(smsops, { message_id: 'busy-1' })).status).toBe(200);
    await waitUntil(
      () =>
        sink.received.length === 1 &&
        smsops.db.prepare("SELECT count(*) FROM deliveries WHERE status = 'delivered'").pluck().get() === 1
          ? true
          : undefined,
      5000,
      'Slack delivered, PortSIP in flight',
    );
    const question = (await runCommand(smsops, 'relay replay busy-1')).body;
    expect(readable(question)).toContain('was delivered already to 1 destination.');
    const send = question.blocks
      .flatMap((b: { elements?: Array<{ action_id: string; value: string }> }) => b.elements ?? [])
      .find((e: { action_id: string }) => e.action_id === ACTION.confirmReplay).value;
    const answer = await press(smsops, send);
    expect(answer).toContain('Message busy-1 queued again to 1 destination.');
    expect(answer).toContain('1 delivery of it is being sent right now (in flight): not started twice');
    sink.delay(0);
  });
});
