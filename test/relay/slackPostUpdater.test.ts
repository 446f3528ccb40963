import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveriesRepository } from '../../src/core/ports/deliveries.js';
import { createLogger } from '../../src/log.js';
import { createSlackPace } from '../../src/slack/notifier/slackPace.js';
import { createSlackRelaySender } from '../../src/slack/notifier/slackPost.js';
import { type SlackPostUpdater, startSlackPostUpdater } from '../../src/slack/notifier/slackPostUpdater.js';
import { createDeliveriesRepository } from '../../src/store/repositories/deliveries.js';
import { createInboundRepository } from '../../src/store/repositories/inbound.js';
import { createSlackPostsRepository } from '../../src/store/repositories/slackPosts.js';
import { createSlackThreadsRepository } from '../../src/store/repositories/slackThreads.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fakeSlack.js';
import { readable } from '../helpers/smsopsUnderTest.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';

let tmp: TempDb;
let fake: FakeSlack;
let updater: SlackPostUpdater | undefined;

beforeEach(async () => {
  tmp = createTempDb();
  fake = await startFakeSlack();
});
afterEach(async () => {
  await updater?.stop();
  updater = undefined;
  tmp.cleanup();
  await fake.close();
});

/** The sender and the updater as the relay wires them, on a real SQLite file and the fake Slack; the clock is real. */
function setup(now: () => number = Date.now, logLines?: string[], onError?: (error: unknown) => void) {
  const { db } = tmp;
  const inbound = createInboundRepository(db);
  const deliveries: DeliveriesRepository = createDeliveriesRepository(db);
  const posts = createSlackPostsRepository(db, now);
  const client = new webApi.WebClient('xoxb-test-token', {
    slackApiUrl: fake.url,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
  });
  const pace = createSlackPace(0);
  const started = startSlackPostUpdater({
    client,
    posts,
    deliveries,
    inbound,
    pace,
    retry: { baseDelayMs: 40, maxDelayMs: 200 },
    logger: logLines ? createLogger({ level: 'info', sink: (line) => logLines.push(line) }) : createLogger({ level: 'silent' }),
    idleMs: 50,
    now,
    ...(onError ? { onError } : {}),
    // The longest wait of each backoff step, not a random one under it: a test reads the waits.
    random: () => 0.999,
  });
  updater = started;
  const sender = createSlackRelaySender({
    client,
    threads: createSlackThreadsRepository(db),
    posts,
    portsipState: started.portsipState,
    pace,
    onStale: started.wake,
  });
  let n = 0;
  /** `from`: the customer, whose SMS to one number make one conversation (a new one each by default). */
  const store = (text: string, from?: string) => {
    const i = n++;
    const { id } = inbound.insertWithDeliveries(
      {
        wavixMessageId: `w-${i}`,
        fromNumber: from ?? `4474001${10_000 + i}`,
        toNumber: '14155550100',
        messageType: 'sms',
        text,
        media: null,
        receivedAtText: '2026-11-25T12:00:00Z',
        receivedAt: Date.now(),
        contentType: 'application/json',
        rawBody: Buffer.from('{}'),
      },
      [
        { kind: 'slack', destination: 'C0INBOX' },
        { kind: 'portsip', destination: 'http://pbx.invalid/x' },
      ],
    );
    const [slack, portsip] = ['slack', 'portsip'].map((k) => deliveries.forMessage(id).find((d) => d.destinationKind === k));
    const message = inbound.get(id);
    if (!slack || !portsip || !message) throw new Error('not stored');
    return { item: { delivery: slack, message }, portsip };
  };
  return { sender, store, deliveries, updater: started, db };
}

const updates = () => fake.callsTo('chat.update');

describe('the updater of delivery states in Slack posts', () => {
  it('turns several state changes of one post into one update showing the latest', async () => {
    const { sender, store, deliveries, updater } = setup();
    const { item, portsip } = store('hello');
    await sender.send([item]);
    expect(readable(fake.callsTo('chat.postMessage')[0]?.args.blocks)).toContain('PortSIP sending…');
    // Three outcomes in a row, as the PortSIP worker records them, before the updater gets a turn.
    deliveries.markFailed(portsip.id, { statusCode: 503, error: 'HTTP 503', nextAttemptAt: Date.now() + 1000 });
    updater.changed(portsip);
    deliveries.markFailed(portsip.id, { statusCode: 502, error: 'HTTP 502', nextAttemptAt: Date.now() + 2000 });
    updater.changed(portsip);
    deliveries.markDelivered(portsip.id, 200);
    updater.changed(portsip);
    const [update] = await waitUntil(() => (updates().length > 0 ? updates() : false), 5000, 'the update');
    expect(readable(update?.args.blocks)).toMatch(/PortSIP ✓ <!date/);
    expect(update?.args.ts).toBe(fake.callsTo('chat.postMessage')[0]?.result?.ts);
    // Nothing else is waiting: no second update comes.
    await waitUntil(() => tmp.db.prepare('SELECT 1 FROM slack_posts WHERE dirty = 0').get(), 5000, 'the post marked clean');
    expect(updates()).toHaveLength(1);
  });

  it("says an SMS held behind its conversation's retrying head is waiting, not sending, until it is sent itself", async () => {
    const { sender, store, deliveries, updater } = setup();
    const head = store('first', '447400555666');
    const behind = store('second', '447400555666');
    const other = store('another customer');
    await sender.send([head.item]);
    deliveries.markFailed(head.portsip.id, { statusCode: 500, error: 'HTTP 500', nextAttemptAt: Date.now() + 60_000 });
    await sender.send([behind.item]);
    await sender.send([other.item]);
    const posts = fake.callsTo('chat.postMessage').map((c) => readable(c.args.blocks));
    expect(posts[0]).toContain('PortSIP sending…');
    expect(posts[1]).toContain('PortSIP waiting behind an earlier SMS of this conversation (retrying)');
    expect(posts[1]).not.toContain('sending');
    // Another conversation is not held by it.
    expect(posts[2]).toContain('PortSIP sending…');
    deliveries.markDelivered(head.portsip.id, 200);
    deliveries.markDelivered(behind.portsip.id, 200);
    updater.changed(behind.portsip);
    const update = await waitUntil(
      () => updates().find((c) => c.args.ts === fake.callsTo('chat.postMessage')[1]?.result?.ts),
      5000,
      'the update of the second post',
    );
    expect(readable(update.args.blocks)).toMatch(/PortSIP ✓ <!date/);
  });

  it('retries an update Slack fails, while new SMS are still posted', async () => {
    const { sender, store, deliveries, updater, db } = setup();
    const first = store('first');
    await sender.send([first.item]);
    fake.failNext('chat.update', 'internal_error');
    fake.failNext('chat.update', 'internal_error');
    deliveries.markDelivered(first.portsip.id, 200);
    updater.changed(first.portsip);
    await waitUntil(() => updates().some((c) => c.error === 'internal_error'), 5000, 'a failed update');
    const second = store('second');
    expect(await sender.send([second.item])).toEqual([{ delivered: true, statusCode: 200 }]);
    const ok = await waitUntil(() => updates().find((c) => !c.error), 5000, 'the update that got through');
    expect(readable(ok.args.blocks)).toContain('PortSIP ✓');
    expect(updates().filter((c) => c.error)).toHaveLength(2);
    // The fake records a call before smsops has read its answer: wait for the record of the success.
    const row = await waitUntil(
      () => db.prepare('SELECT dirty, last_update_error FROM slack_posts WHERE id = 1 AND dirty = 0').get(),
      5000,
      'the post marked clean',
    );
    expect(row).toEqual({ dirty: 0, last_update_error: null });
  });

  it("keeps editing other posts while one post's row cannot be written, backs off from that one, and counts it", async () => {
    const errors: unknown[] = [];
    const { sender, store, deliveries, updater, db } = setup(Date.now, undefined, (error) => errors.push(error));
    const stuck = store('first');
    const other = store('second');
    await sender.send([stuck.item]);
    await sender.send([other.item]);
    // A fault in this post's row alone (a damaged page, a trigger): every write of it fails, its failure too; marking
    // it for an update (dirty + 1) still works, as the relay's outcome commits do.
    db.exec(`CREATE TRIGGER stuck_post BEFORE UPDATE ON slack_posts WHEN OLD.id = 1 AND NEW.dirty <= OLD.dirty
      BEGIN SELECT RAISE(ABORT, 'row fault'); END`);
    deliveries.markDelivered(stuck.portsip.id, 200);
    updater.changed(stuck.portsip);
    await sleep(100);
    deliveries.markDelivered(other.portsip.id, 200);
    updater.changed(other.portsip);
    // Before: the loop took the stuck post first every 50 ms, forever; no other post was ever edited.
    await waitUntil(
      () => db.prepare('SELECT 1 FROM slack_posts WHERE id = 2 AND dirty = 0').get(),
      3000,
      "the other post's edit",
    );
    await sleep(1000);
    const stuckTs = fake.callsTo('chat.postMessage')[0]?.result?.ts;
    // The stuck post's edit is tried again with a growing wait up to the retry's longest (200 ms here), not every
    // turn (before: every 50 ms).
    const tries = updates().filter((c) => c.args.ts === stuckTs);
    const gaps = tries.slice(1).map((c, i) => c.at - (tries[i]?.at ?? 0));
    expect(gaps.at(-1)).toBeGreaterThanOrEqual(150);
    // Counted for /metrics, once a try (the fake records a call before smsops has read its answer and failed to write
    // it: the last try's count may come a moment later).
    await waitUntil(() => errors.length >= tries.length, 2_000, 'every try counted');
  });

  it('after the wall clock went back, a failed update waits its own backoff, not the step as well', async () => {
    let ahead = 10 * 60_000;
    const clock = () => Date.now() + ahead;
    const { sender, store, deliveries, updater, db } = setup(clock);
    const { item, portsip } = store('before the step');
    await sender.send([item]);
    // An update that failed while the clock was 10 minutes ahead, retried 3 s later by that clock.
    deliveries.markDelivered(portsip.id, 200);
    db.prepare('UPDATE slack_posts SET dirty = 1, update_attempts = 1, next_update_at = ?').run(clock() + 3_000);
    updater.wake();
    ahead = 0; // NTP steps the clock back to the right time
    const ok = await waitUntil(() => updates().find((c) => !c.error), 8_000, 'the update after the step back');
    expect(readable(ok.args.blocks)).toContain('PortSIP ✓');
  });

  it('at start, an edit waiting longer than any wait the updater sets (a clock that was ahead) is due', async () => {
    const { sender, store, deliveries, updater, db } = setup();
    const { item, portsip } = store('posted');
    await sender.send([item]);
    await updater.stop();
    deliveries.markDelivered(portsip.id, 200);
    db.prepare('UPDATE slack_posts SET dirty = 1, next_update_at = ?').run(Date.now() + 2 * 3_600_000);
    setup(); // a restart, after the clock was set back two hours
    const ok = await waitUntil(() => updates().find((c) => !c.error), 5000, 'the update after the restart');
    expect(readable(ok.args.blocks)).toContain('PortSIP ✓');
  });

  it('at start, an edit waiting out an ordinary Retry-After stays where it is, and no clock step is said', async () => {
    const { sender, store, deliveries, updater, db } = setup();
    const { item, portsip } = store('posted');
    await sender.send([item]);
    await updater.stop();
    deliveries.markDelivered(portsip.id, 200);
    const due = Date.now() + 30_000; // Slack's Retry-After for chat.update, when smsops stopped
    db.prepare('UPDATE slack_posts SET dirty = 1, next_update_at = ?').run(due);
    const lines: string[] = [];
    const restarted = setup(Date.now, lines);
    await sleep(300);
    await restarted.updater.stop();
    expect(lines.filter((l) => l.includes('wall clock went back'))).toEqual([]);
    expect(db.prepare('SELECT next_update_at AS at FROM slack_posts').get()).toEqual({ at: due });
  });

  it("holds every post's edit for Slack's Retry-After, not only the edit answered 429, and posts new SMS meanwhile", async () => {
    const { sender, store, deliveries, updater, db } = setup();
    const stored = Array.from({ length: 5 }, (_, i) => store(`needs an edit ${i}`));
    for (const { item } of stored) await sender.send([item]);
    fake.rateLimit('chat.update', 3_600, 50);
    for (const { portsip } of stored) {
      deliveries.markDelivered(portsip.id, 200);
      updater.changed(portsip);
    }
    await waitUntil(() => updates().length >= 1, 5_000, 'the edit answered 429');
    // The updater's backoff here is 40-200 ms: without the hold, every other post's edit is tried within this time.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(updates()).toHaveLength(1);
    const rows = db.prepare('SELECT dirty, next_update_at AS nextUpdateAt FROM slack_posts ORDER BY id').all() as Array<{
      dirty: number;
      nextUpdateAt: number | null;
    }>;
    // Each still marked, to be edited once the wait ends; the one answered 429 is due after it.
    expect(rows.map((r) => r.dirty > 0)).toEqual([true, true, true, true, true]);
    expect(Math.max(...rows.map((r) => r.nextUpdateAt ?? 0))).toBeGreaterThan(Date.now() + 3_500_000);
    // Posts are another method: a new SMS is posted.
    const next = store('posted while edits wait');
    expect(await sender.send([next.item])).toEqual([{ delivered: true, statusCode: 200 }]);
  });

  it('gives up an update Slack can never take (the message is gone) and keeps why', async () => {
    const { sender, store, deliveries, updater, db } = setup();
    const { item, portsip } = store('deleted later');
    await sender.send([item]);
    fake.failNext('chat.update', 'message_not_found');
    deliveries.markDelivered(portsip.id, 200);
    updater.changed(portsip);
    await waitUntil(() => updates().length === 1, 5000, 'the refused update');
    const row = await waitUntil(
      () => db.prepare('SELECT dirty, last_update_error FROM slack_posts WHERE last_update_error IS NOT NULL').get(),
      5000,
      'the post given up',
    );
    expect(row).toEqual({ dirty: 0, last_update_error: 'Slack: message_not_found' });
    // Another post's update getting through proves the loop went round again: a given-up post still due would
    // have come first (due earlier).
    const next = store('the next one');
    await sender.send([next.item]);
    deliveries.markDelivered(next.portsip.id, 200);
    updater.changed(next.portsip);
    await waitUntil(() => updates().length >= 2, 5000, "the next post's update");
    expect(updates()).toHaveLength(2);
    expect(updates()[1]?.args.ts).not.toBe(updates()[0]?.args.ts);
  });
});

describe('a relayed SMS post in a channel archived for a while', () => {
  it('shows its PortSIP state once the channel is unarchived, instead of keeping the state of before', async () => {
    const { sender, store, deliveries, updater } = setup();
    const { item, portsip } = store('relayed while archived');
    await sender.send([item]);
    // Archived as PortSIP takes the SMS: the edit saying so is refused; the channel is unarchived a little later.
    fake.failNext('chat.update', 'is_archived');
    fake.failNext('chat.update', 'is_archived');
    deliveries.markDelivered(portsip.id, 200);
    updater.changed(portsip);
    await waitUntil(() => updates().some((c) => !c.error), 5000, 'the edit made once the channel is back');
    expect(updates().map((c) => c.error ?? 'ok')).toEqual(['is_archived', 'is_archived', 'ok']);
    expect(readable(updates()[2]?.args)).toContain('PortSIP ✓');
  });
});

describe('the Slack leg pace', () => {
  it('gives posts the turn first, and an update at least every fourth turn', async () => {
    const pace = createSlackPace(5);
    const order: string[] = [];
    const asks = [
      pace.turn('update').then(() => order.push('u1')),
      ...Array.from({ length: 6 }, (_, i) => pace.turn('post').then(() => order.push(`p${i}`))),
      pace.turn('update').then(() => order.push('u2')),
    ];
    await Promise.all(asks);
    expect(order).toEqual(['p0', 'p1', 'p2', 'u1', 'p3', 'p4', 'p5', 'u2']);
  });

  it('once closed, answers every waiting turn and every later one with no at once', async () => {
    const pace = createSlackPace(60_000);
    expect(await pace.turn('post')).toBe(true);
    const waiting = [pace.turn('post'), pace.turn('update')];
    pace.close();
    expect(await Promise.all(waiting)).toEqual([false, false]);
    expect(await pace.turn('update')).toBe(false);
  });

  it('spaces turns by the pace', async () => {
    const pace = createSlackPace(40);
    const at: number[] = [];
    await Promise.all([1, 2, 3].map(() => pace.turn('post').then(() => at.push(Date.now()))));
    expect((at[2] ?? 0) - (at[0] ?? 0)).toBeGreaterThanOrEqual(75);
  });
});

describe('many relayed SMS posts in an archived channel', () => {
  it("cost one edit a try for the channel, not one each, and hold up no other channel's edits", async () => {
    const { sender, store, deliveries, updater } = setup();
    const archived = Array.from({ length: 20 }, (_, i) => store(`to the archived channel ${i}`));
    for (const { item } of archived) await sender.send([{ ...item, delivery: { ...item.delivery, destination: 'C0ARCHIVED' } }]);
    const healthy = store('to the inbox');
    await sender.send([healthy.item]);
    fake.handle('chat.update', (call) =>
      call.args.channel === 'C0ARCHIVED' ? { ok: false, error: 'is_archived' } : { ts: call.args.ts },
    );
    for (const { portsip } of archived) {
      deliveries.markDelivered(portsip.id, 200);
      updater.changed(portsip);
    }
    deliveries.markDelivered(healthy.portsip.id, 200);
    updater.changed(healthy.portsip);
    const refused = () => updates().filter((c) => c.args.channel === 'C0ARCHIVED').length;
    await waitUntil(() => updates().some((c) => c.args.channel === 'C0INBOX'), 5000, 'the inbox post edited');
    const beforeHealthy = refused();
    await sleep(1_000);
    // The backoff here is 40-200 ms: a try of the channel every 40-200 ms (75 refused edits a second before).
    // A try or two of the channel went before the inbox post's edit (22 before: every archived post's own).
    expect(beforeHealthy).toBeLessThanOrEqual(3);
    expect(refused() - beforeHealthy).toBeLessThanOrEqual(15);
    // Given up together after 30 tries of the channel (600 refused edits before, 30 for each post).
    await waitUntil(
      () => tmp.db.prepare("SELECT 1 FROM slack_posts WHERE channel = 'C0ARCHIVED' AND dirty > 0").get() === undefined,
      15_000,
      "the archived channel's edits given up",
    );
    expect(refused()).toBe(30);
  });
});

// not_in_channel: the bot removed from the channel (Slack's chat.update reference does not list it; a member's probe
// saw it); is_inactive: the reference's word for an edit in a frozen, archived or deleted channel.
describe.each(['not_in_channel', 'is_inactive'])('relayed SMS posts in a channel Slack answers %s for', (code) => {
  it('show their PortSIP state once the channel is back (the bot invited again)', async () => {
    const { sender, store, deliveries, updater } = setup();
    const { item, portsip } = store('relayed while the bot was out');
    await sender.send([item]);
    fake.failNext('chat.update', code);
    fake.failNext('chat.update', code);
    deliveries.markDelivered(portsip.id, 200);
    updater.changed(portsip);
    await waitUntil(() => updates().some((c) => !c.error), 5000, 'the edit made once the bot is back');
    expect(updates().map((c) => c.error ?? 'ok')).toEqual([code, code, 'ok']);
    expect(readable(updates()[2]?.args)).toContain('PortSIP ✓');
  });

  it("cost one edit a try for the channel, not one each, and are given up after about two hours' tries", async () => {
    const { sender, store, deliveries, updater } = setup();
    const out = Array.from({ length: 20 }, (_, i) => store(`to the channel the bot left ${i}`));
    for (const { item } of out) await sender.send([{ ...item, delivery: { ...item.delivery, destination: 'C0BOTLEFT' } }]);
    fake.handle('chat.update', (call) => (call.args.channel === 'C0BOTLEFT' ? { ok: false, error: code } : { ts: call.args.ts }));
    for (const { portsip } of out) {
      deliveries.markDelivered(portsip.id, 200);
      updater.changed(portsip);
    }
    // Before: each post tried on its own, with no end (600 refused edits in the first minutes, and on for ever).
    await waitUntil(
      () => tmp.db.prepare("SELECT 1 FROM slack_posts WHERE channel = 'C0BOTLEFT' AND dirty > 0").get() === undefined,
      15_000,
      "the channel's edits given up",
    );
    expect(updates().filter((c) => c.args.channel === 'C0BOTLEFT')).toHaveLength(30);
  });
});
