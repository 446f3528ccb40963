import { existsSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { deliveryReport } from '../../src/sandbox/emulator/routes/messages.js';
import type { WavixMessage } from '../../src/sandbox/emulator/state.js';
import { ACTION } from '../../src/slack/ids.js';
import { pressForAnswer } from '../helpers/buttonPress.js';
import { REPLY_THREAD, relayedThread, replyInThread } from '../helpers/replyThreads.js';
import { signSlackRequest } from '../helpers/slackRequests.js';
import {
  ADMIN,
  OUTSIDER,
  postDeliveryReport,
  postInbound,
  readable,
  runCommand,
  SIGNING_SECRET,
  type SmsopsUnderTest,
  WEBHOOK_SECRET,
} from '../helpers/smsopsUnderTest.js';
import { type SmsopsWithSink, useSmsopsWithSink } from '../helpers/smsopsWithSink.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * `/sms forget <number>`: an erasure request. An admin is shown what smsops holds about the number (counts, never
 * texts), confirms, and every record of it goes (its SMS, deliveries, threads, replies, delivery reports, refused
 * webhooks quoting it, smsops' Slack posts of it) but the opt-out in force; the audit log keeps its entries with the
 * number masked. Through the real Bolt receiver (signed commands and block_actions), real SQLite and a fake Slack.
 */

const { customer: CUSTOMER, inbox: INBOX, replier: REPLIER, ourNumber: OUR_NUMBER } = REPLY_THREAD;
const OTHER_CUSTOMER = '447700900222';
const TYPED = '+44 7400 123456';
const MASKED = '•••3456';
const MINUTE = 60_000;

const rig = useSmsopsWithSink({
  portsipPath: '/emc/forget',
  env: { SLACK_INBOX_CHANNEL: INBOX, SLACK_RELAY_PACE_MS: '0', RELAY_RETRY_BASE_MS: '60000' },
});

async function startWithPbx(): Promise<SmsopsWithSink> {
  const running = await rig.start();
  running.t.fakeSlack.setChannelMembers(INBOX, [ADMIN, REPLIER]);
  return running;
}
const start = async (): Promise<SmsopsUnderTest> => (await startWithPbx()).t;

const count = (s: SmsopsUnderTest, sql: string, ...args: unknown[]) =>
  s.db
    .prepare(sql)
    .pluck()
    .get(...args) as number;
const finished = (s: SmsopsUnderTest) =>
  count(s, "SELECT count(*) FROM deliveries WHERE status NOT IN ('delivered', 'dead')") === 0 &&
  count(s, 'SELECT count(*) FROM inbound_messages WHERE id > (SELECT through_message_id FROM slack_queue)') === 0 &&
  count(s, 'SELECT count(*) FROM slack_posts WHERE dirty > 0') === 0
    ? true
    : undefined;

/**
 * The customer's conversation: two SMS (a thread and a post in it), a reply from Slack with its delivery report, a
 * STOP, and a refused webhook quoting the number; another customer's SMS beside it. Resolves once all is delivered.
 */
async function conversation(s: SmsopsUnderTest): Promise<void> {
  const threadTs = await relayedThread(s, 'forget');
  expect((await postInbound(s, { from: CUSTOMER, to: OUR_NUMBER, text: 'Second question, same day' })).status).toBe(200);
  await replyInThread(s, threadTs, '1800000300.000001', 'Your parcel leaves today', 'EvForget1');
  const outbound = () => s.emulator.state().messages.filter((m) => m.direction === 'outbound');
  await waitUntil(
    () =>
      outbound().length === 1 && count(s, "SELECT count(*) FROM conversation_replies WHERE status = 'accepted'") === 1
        ? true
        : undefined,
    10_000,
    'the reply sent',
  );
  const [sms] = outbound();
  const report = deliveryReport({ ...(sms as WavixMessage), status: 'delivered', delivered_at: new Date().toISOString() });
  const dlr = await postDeliveryReport(s, report);
  expect(dlr.status).toBe(200);
  expect((await postInbound(s, { from: CUSTOMER, to: OUR_NUMBER, text: 'STOP' })).status).toBe(200);
  const refused = await fetch(`${s.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from: CUSTOMER, to: OUR_NUMBER }),
  });
  expect(refused.status).toBe(400);
  expect((await postInbound(s, { from: OTHER_CUSTOMER, to: OUR_NUMBER, text: 'Another customer here' })).status).toBe(200);
  await waitUntil(
    () => (count(s, 'SELECT count(*) FROM delivery_reports') === 1 && finished(s) ? true : undefined),
    10_000,
    'everything delivered',
  );
}

/** Every row of every table, as text: where the number could still be. */
function everyRow(s: SmsopsUnderTest): Map<string, string> {
  const tables = s.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all();
  return new Map(
    (tables as string[]).map((table) => {
      const rows = s.db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[];
      const text = rows.map((row) =>
        Object.values(row)
          .map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)))
          .join('|'),
      );
      return [table, text.join('\n')];
    }),
  );
}

const holdingNumber = (s: SmsopsUnderTest, digits: string) =>
  [...everyRow(s)].filter(([, text]) => text.includes(digits)).map(([table]) => table);

// biome-ignore lint/suspicious/noExplicitAny: Slack message bodies are asserted structurally
const buttonOf = (message: any, actionId: string): string | undefined =>
  message.blocks
    ?.flatMap((b: { elements?: Array<{ action_id: string; value: string }> }) => b.elements ?? [])
    .find((e: { action_id: string }) => e.action_id === actionId)?.value;

/** Presses "Remove" (its own signature and response_url) and returns what the presser reads. */
const press = (s: SmsopsUnderTest, value: string, userId = ADMIN) => pressForAnswer(s, ACTION.confirmForget, value, userId);

/** The question for the customer: what the admin reads, and its "Remove" value. */
async function ask(s: SmsopsUnderTest): Promise<{ question: string; remove: string }> {
  const { body } = await runCommand(s, `forget ${TYPED}`);
  const remove = buttonOf(body, ACTION.confirmForget);
  expect(remove).toBeDefined();
  return { question: readable(body), remove: remove as string };
}

/** Where smsops posted about the customer: their SMS posts, and the status line under the reply. */
const postsOfCustomer = (s: SmsopsUnderTest) =>
  s.db
    .prepare(
      `SELECT p.ts FROM slack_posts p JOIN slack_post_messages pm ON pm.post_id = p.id
       JOIN inbound_messages m ON m.id = pm.inbound_message_id WHERE m.from_number = ?
       UNION SELECT status_ts FROM conversation_replies WHERE to_number = ?`,
    )
    .pluck()
    .all(CUSTOMER, CUSTOMER) as string[];

/**
 * The customer texts twice and another customer once while Slack hangs: what waited behind the first post is coalesced
 * into one grouped post showing both customers' SMS. Resolves with that post's ts.
 */
async function groupedPostOfBoth(s: SmsopsUnderTest): Promise<string> {
  const release = s.fakeSlack.hang('chat.postMessage');
  for (const [from, text] of [
    [CUSTOMER, 'First, posted alone'],
    [CUSTOMER, 'Grouped from the forgotten one'],
    [OTHER_CUSTOMER, 'Grouped from someone else'],
  ] as const) {
    expect((await postInbound(s, { from, to: OUR_NUMBER, text })).status).toBe(200);
  }
  await waitUntil(() => (count(s, 'SELECT count(*) FROM inbound_messages') === 3 ? true : undefined), 5000, 'stored');
  release();
  await waitUntil(
    () => (count(s, "SELECT count(*) FROM slack_posts WHERE layout = 'batch'") === 1 && finished(s) ? true : undefined),
    10_000,
    'the grouped post recorded',
  );
  return s.db.prepare("SELECT ts FROM slack_posts WHERE layout = 'batch'").pluck().get() as string;
}

describe('/sms forget <number>', () => {
  it('asks an admin with counts, then removes every record of the number, deletes its Slack posts and keeps the opt-out', async () => {
    const s = await start();
    await conversation(s);
    expect(holdingNumber(s, CUSTOMER).sort()).toEqual(
      [
        'audit_log',
        'conversation_replies',
        'deliveries',
        'inbound_messages',
        'opt_outs',
        'outbound_messages',
        'rejected_webhooks',
        'slack_threads',
      ].sort(),
    );
    const ours = postsOfCustomer(s);
    expect(ours.length).toBe(4);
    const othersPost = s.db
      .prepare(
        `SELECT p.ts FROM slack_posts p JOIN slack_post_messages pm ON pm.post_id = p.id
         JOIN inbound_messages m ON m.id = pm.inbound_message_id WHERE m.from_number = ?`,
      )
      .pluck()
      .get(OTHER_CUSTOMER) as string;

    const { question, remove } = await ask(s);
    expect(question).toContain('Remove everything smsops holds about +44 7400 123456?');
    expect(question).toContain('3 SMS received from them');
    expect(question).toContain('4 Slack posts');
    expect(question).toContain('1 reply sent to them');
    expect(question).toContain('1 refused webhook');
    expect(question).toContain('1 opt-out in force');
    expect(question).toContain('a STOP must go on being honoured');
    expect(question).toContain('BACKUP_KEEP');
    // Counts, never what the records hold.
    for (const text of ['Where is my parcel', 'Second question', 'Your parcel leaves today'])
      expect(question).not.toContain(text);

    const answer = await press(s, remove);
    expect(answer).toContain(`Removed what smsops held about ${MASKED}`);
    expect(answer).toContain('4 Slack posts deleted.');
    expect(answer).toContain('1 opt-out in force');

    // Nothing holds the number any more but the opt-out in force; the other customer is untouched.
    expect(holdingNumber(s, CUSTOMER)).toEqual(['opt_outs']);
    expect(count(s, 'SELECT count(*) FROM opt_outs WHERE customer_number = ? AND lifted_at IS NULL', CUSTOMER)).toBe(1);
    expect(count(s, 'SELECT count(*) FROM inbound_messages WHERE from_number = ?', OTHER_CUSTOMER)).toBe(1);
    const deleted = s.fakeSlack.callsTo('chat.delete').map((c) => c.args.ts as string);
    expect(deleted.sort()).toEqual([...ours].sort());
    expect(deleted).not.toContain(othersPost);
    // The audit keeps who replied and who removed what, with the number masked.
    const audit = s.db.prepare('SELECT actor, action, target, outcome FROM audit_log ORDER BY id').all();
    expect(audit).toEqual([
      { actor: REPLIER, action: 'conversation.reply', target: MASKED, outcome: 'ok' },
      { actor: ADMIN, action: 'customer.forget', target: MASKED, outcome: 'ok' },
    ]);
    expect(readable((await runCommand(s, 'audit')).body)).not.toContain(CUSTOMER);

    // A second press of the same question removes nothing more and deletes nothing more.
    const again = await press(s, remove);
    expect(again).toContain('this question was answered already');
    expect(again).toContain('by you');
    expect(s.fakeSlack.callsTo('chat.delete')).toHaveLength(ours.length);
    expect(readable((await runCommand(s, `forget ${TYPED}`)).body)).toContain('smsops holds nothing about +44 7400 123456');
  });

  // A colleague answering in the thread of a conversation removed yesterday (its post's "This message was deleted" stays
  // while the thread has replies) was told it was "older than 90 days (RETENTION_DAYS)", a reason that was not so (a
  // probe).
  it('tells a colleague who answers under a removed conversation that /sms forget removed it, not that it is old', async () => {
    const s = await start();
    const threadTs = await relayedThread(s, 'forget-thread');
    await waitUntil(() => finished(s), 10_000, 'the SMS delivered');
    const { remove } = await ask(s);
    expect(await press(s, remove)).toContain(`Removed what smsops held about ${MASKED}`);
    const ts = '1800000400.000001';
    const body = JSON.stringify({
      token: 'x',
      team_id: 'T1',
      api_app_id: 'A1',
      type: 'event_callback',
      event_id: 'EvForgotten1',
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ enterprise_id: null, team_id: 'T1', user_id: 'UBOT', is_bot: true, is_enterprise_install: false }],
      event: {
        type: 'message',
        channel: INBOX,
        channel_type: 'channel',
        user: REPLIER,
        text: 'Your parcel leaves today',
        ts,
        event_ts: ts,
        thread_ts: threadTs,
        parent_user_id: 'UBOT',
      },
    });
    expect(
      (await s.slack.raw(body, { 'content-type': 'application/json', ...signSlackRequest(SIGNING_SECRET, body) })).status,
    ).toBe(200);
    const [told] = await s.fakeSlack.waitFor('chat.postEphemeral', 1);
    expect(told?.args).toMatchObject({ channel: INBOX, thread_ts: threadTs, user: REPLIER });
    expect(String(told?.args.text)).toContain('Your reply was not sent: this conversation was removed from smsops');
    expect(String(told?.args.text)).toContain('/sms forget');
    expect(String(told?.args.text)).not.toContain('older than');
    expect(s.emulator.state().messages.filter((m) => m.direction === 'outbound')).toEqual([]);
  });

  it('keeps the texts to them removed when the traffic watch reads Wavix’s outbound list again, or a late report comes', async () => {
    const s = await start();
    await conversation(s);
    const [sms] = s.emulator.state().messages.filter((m) => m.direction === 'outbound');
    const { remove } = await ask(s);
    expect(await press(s, remove)).toContain(`Removed what smsops held about ${MASKED}`);
    expect(holdingNumber(s, CUSTOMER)).toEqual(['opt_outs']);
    const reports = count(s, 'SELECT count(*) FROM delivery_reports');

    // The traffic watch lists the last two hours of Wavix's outbound SMS: the reply to them is among them.
    await runCommand(s, 'jobs run traffic-watch');
    await waitUntil(
      () =>
        count(s, "SELECT count(*) FROM job_runs WHERE job = 'traffic-watch' AND outcome <> 'running'") > 0 ? true : undefined,
      15_000,
      'the traffic watch run',
    );
    expect(holdingNumber(s, CUSTOMER)).toEqual(['opt_outs']);
    const late = deliveryReport({ ...(sms as WavixMessage), status: 'delivered', delivered_at: new Date().toISOString() });
    const dlr = await postDeliveryReport(s, late);
    expect(dlr.status).toBe(200);
    expect(holdingNumber(s, CUSTOMER)).toEqual(['opt_outs']);
    expect(count(s, 'SELECT count(*) FROM delivery_reports')).toBe(reports);
    expect(readable((await runCommand(s, `forget ${TYPED}`)).body)).toContain('smsops holds nothing about +44 7400 123456');
  });

  it('refuses while a reply to them is being checked before its send, which then goes out, where it was dropped unsaid', async () => {
    const s = await start();
    const threadTs = await relayedThread(s, 'forget-checking');
    await waitUntil(() => finished(s), 10_000, 'the SMS delivered');
    // Wavix slow to list the numbers: the reply waits, taken but not yet sending, while the check reads them.
    s.emulator.injectFault({ method: 'GET', path: '/v1/numbers', latencyMs: 3000, times: 5 });
    await replyInThread(s, threadTs, '1800000400.000001', 'Checking on it now', 'EvForgetChecking');
    await waitUntil(() => count(s, 'SELECT count(*) FROM conversation_replies') === 1 || undefined, 5000, 'the reply taken');

    const { body } = await runCommand(s, `forget ${TYPED}`);
    expect(buttonOf(body, ACTION.confirmForget)).toBeUndefined();
    expect(readable(body)).toContain('Nothing was removed: 1 reply to them is being sent');

    // The reply goes out, its status line says so, and the removal then takes it with the rest.
    await waitUntil(
      () => count(s, "SELECT count(*) FROM conversation_replies WHERE status = 'accepted'") === 1 || undefined,
      15_000,
      'the reply sent',
    );
    expect(s.emulator.state().messages.filter((m) => m.direction === 'outbound')).toHaveLength(1);
    expect(count(s, 'SELECT count(*) FROM conversation_replies WHERE status_ts IS NOT NULL')).toBe(1);
    const { remove } = await ask(s);
    expect(await press(s, remove)).toContain(`Removed what smsops held about ${MASKED}`);
    expect(holdingNumber(s, CUSTOMER)).toEqual([]);
  });

  it('says when a number’s national digits hold SMS too (a national-form sender kept so before), naming the command for them', async () => {
    const s = await start();
    // Before national forms were read in their country, an SMS from (323) 555-0100 was kept under 3235550100; their
    // SMS since come as 13235550100.
    expect((await postInbound(s, { from: '3235550100', to: OUR_NUMBER, text: 'before the upgrade' })).status).toBe(200);
    expect((await postInbound(s, { from: '(323) 555-0100', to: OUR_NUMBER, text: 'after the upgrade' })).status).toBe(200);
    await waitUntil(() => finished(s), 10_000, 'both relayed');
    const { body } = await runCommand(s, 'forget +1 323 555 0100');
    const question = readable(body);
    expect(question).toContain('1 SMS received from them');
    expect(question).toContain('Also held under `3235550100`');
    expect(question).toContain('/sms forget 3235550100');
    // The command it names finds those.
    expect(readable((await runCommand(s, 'forget 3235550100')).body)).toContain('1 SMS received from them');
  });

  it('finds nothing for a number that is only the start of a customer’s, and leaves that customer’s records as they are', async () => {
    const s = await start();
    await conversation(s);
    const before = everyRow(s);
    // A typo: nobody texted from 447400123, a prefix of the customer's 447400123456 (a refused webhook and a reply's audit).
    const { body } = await runCommand(s, 'forget 447400123');
    expect(readable(body)).toContain('smsops holds nothing about');
    expect(buttonOf(body, ACTION.confirmForget)).toBeUndefined();
    expect(everyRow(s)).toEqual(before);
    // The customer's own number still finds their refused webhook and audit entry, and masks only that number.
    expect(s.db.prepare('SELECT target FROM audit_log').pluck().all()).toEqual([CUSTOMER]);
    const { question } = await ask(s);
    expect(question).toContain('1 refused webhook');
    expect(question).toContain('1 audit entry');
  });

  it('leaves none of their texts in the database file or its -wal, and says so when a reader kept the WAL from being cut', async () => {
    const s = await start();
    await conversation(s);
    const texts = ['Where is my parcel', 'Second question, same day'];
    const inFiles = () =>
      [s.db.name, `${s.db.name}-wal`].flatMap((file) => {
        const bytes = existsSync(file) ? readFileSync(file) : Buffer.alloc(0);
        return texts.filter((text) => bytes.includes(text)).map((text) => `${file}: ${text}`);
      });
    // The check can see them: the pages holding the texts are in the WAL until a checkpoint copies them.
    expect(inFiles().length).toBeGreaterThan(0);
    expect(await press(s, (await ask(s)).remove)).not.toContain('-wal');
    expect(inFiles()).toEqual([]);

    // Another customer, forgotten while an sqlite3 shell holds a read on the WAL: their text stays there, and is said.
    const other = 'Reader kept this one';
    expect((await postInbound(s, { from: OTHER_CUSTOMER, to: OUR_NUMBER, text: other })).status).toBe(200);
    await waitUntil(() => finished(s), 10_000, 'the SMS delivered');
    const { body } = await runCommand(s, `forget +${OTHER_CUSTOMER}`);
    // As smsops' checkpointer may have done before the reader came: the text copied into the database file, so the
    // reader reads that file alone and the removal's writes start the WAL again from its beginning. Either way the
    // old copy stays in one of the two files while the reader holds them, which is what the answer must say.
    s.db.pragma('wal_checkpoint(PASSIVE)');
    const inEither = () => [s.db.name, `${s.db.name}-wal`].some((file) => existsSync(file) && readFileSync(file).includes(other));
    const reader = new Database(s.db.name, { readonly: true });
    try {
      reader.exec('BEGIN');
      reader.prepare('SELECT count(*) FROM inbound_messages').get();
      const answer = await press(s, buttonOf(body, ACTION.confirmForget) as string);
      expect(answer).toContain(`Removed what smsops held about •••0222`);
      expect(answer).toContain("The database's files may still hold old copies of what was removed: a reader held the WAL");
      expect(inEither()).toBe(true);
    } finally {
      reader.close();
    }
    // The next cut (a retention run's) leaves the text in neither file: the zeroed pages reach the database file.
    s.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(inEither()).toBe(false);
  });

  it('finds an SMS from a number no country accepts however it is typed: with +, with 00, or as the bare digits Wavix stored', async () => {
    const s = await start();
    const OLD_NUMBER = '4474001234';
    expect((await postInbound(s, { from: OLD_NUMBER, to: OUR_NUMBER, text: 'From an old number' })).status).toBe(200);
    await waitUntil(() => finished(s), 10_000, 'the SMS delivered');
    // 4474001234 alone is also +1 447 400 1234 (US), which holds nothing: the digits as typed are looked for too.
    for (const typed of ['+44 7400 1234', '0044 7400 1234', OLD_NUMBER]) {
      const { body } = await runCommand(s, `forget ${typed}`);
      expect(readable(body), typed).toContain('1 SMS received from them');
      expect(JSON.parse(buttonOf(body, ACTION.confirmForget) as string).number, typed).toBe(OLD_NUMBER);
    }
    // Bare digits that hold nothing either way say both readings were looked for.
    expect(readable((await runCommand(s, 'forget 4474009999')).body)).toContain(
      'smsops holds nothing about +1 447 400 9999 (nor under 4474009999, the digits as typed) to remove.',
    );
  });

  it('refuses a mistyped number with the reason, without writing the customer’s number to the log', async () => {
    const s = await start();
    // An erasure request's number with a digit too many, a letter for a 1: what the admin typed is the customer's.
    for (const typed of ['+44 7400 123456789012', '+44 7400 l23456']) {
      const { body } = await runCommand(s, `forget ${typed}`);
      expect(readable(body), typed).toContain('is not a phone number smsops can use');
    }
    const logs = s.logs.join('\n');
    expect(logs).toContain('forget a customer refused');
    expect(logs).not.toContain('7400');
  });

  it('a press carrying another number than its question’s, or a time ahead of smsops’ clock, removes nothing', async () => {
    const s = await start();
    // Two customers whose records count the same: one SMS each.
    expect((await postInbound(s, { from: CUSTOMER, to: OUR_NUMBER, text: 'Hello from one' })).status).toBe(200);
    expect((await postInbound(s, { from: OTHER_CUSTOMER, to: OUR_NUMBER, text: 'Hello from two' })).status).toBe(200);
    await waitUntil(() => finished(s), 10_000, 'both delivered');
    const { remove } = await ask(s);
    const value = JSON.parse(remove) as { number: string; asked: number };

    const misdirected = await press(s, JSON.stringify({ ...value, number: OTHER_CUSTOMER }));
    expect(misdirected).toContain('changed since you were asked');
    const ahead = await press(s, JSON.stringify({ ...value, asked: value.asked + 365 * 24 * 60 * MINUTE }));
    expect(ahead).toContain('nothing was removed');
    expect(count(s, 'SELECT count(*) FROM inbound_messages WHERE from_number = ?', OTHER_CUSTOMER)).toBe(1);
    expect(count(s, 'SELECT count(*) FROM inbound_messages WHERE from_number = ?', CUSTOMER)).toBe(1);
    expect(s.fakeSlack.callsTo('chat.delete')).toHaveLength(0);

    // The question itself still removes what it asked about.
    expect(await press(s, remove)).toContain(`Removed what smsops held about ${MASKED}`);
    expect(count(s, 'SELECT count(*) FROM inbound_messages WHERE from_number = ?', CUSTOMER)).toBe(0);
    expect(count(s, 'SELECT count(*) FROM inbound_messages WHERE from_number = ?', OTHER_CUSTOMER)).toBe(1);
  });

  it('is refused to a non-admin, as the command and as a forged press: nothing is counted or removed', async () => {
    const s = await start();
    await conversation(s);
    const before = everyRow(s);
    const refused = readable((await runCommand(s, `forget ${TYPED}`, { userId: OUTSIDER })).body);
    expect(refused).toContain('Only the smsops admins');
    expect(refused).not.toContain('SMS received');

    const { remove } = await ask(s);
    expect(await press(s, remove, OUTSIDER)).toContain('Only the smsops admins');
    expect(s.fakeSlack.callsTo('chat.delete')).toHaveLength(0);
    expect(count(s, 'SELECT count(*) FROM inbound_messages WHERE from_number = ?', CUSTOMER)).toBe(3);
    const refusals = s.db.prepare("SELECT target FROM audit_log WHERE action = 'customer.forget'").pluck().all();
    expect(refusals).toEqual([MASKED, MASKED]);
    for (const table of ['inbound_messages', 'deliveries', 'slack_posts', 'conversation_replies', 'delivery_reports']) {
      expect(everyRow(s).get(table)).toBe(before.get(table));
    }
  });

  it('edits a grouped post that also shows another customer’s SMS to leave theirs out, instead of deleting it', async () => {
    const s = await start();
    const groupedTs = await groupedPostOfBoth(s);

    const { question, remove } = await ask(s);
    expect(question).toContain("1 grouped Slack post also showing other people's SMS: edited to leave theirs out");
    const edits = () => s.fakeSlack.callsTo('chat.update').filter((c) => c.args.ts === groupedTs);
    const editedBefore = edits().length;
    await press(s, remove);
    const edit = await waitUntil(() => edits()[editedBefore], 10_000, 'the grouped post edited');
    expect(readable(edit.args)).toContain('Grouped from someone else');
    expect(readable(edit.args)).not.toContain('Grouped from the forgotten one');
    expect(s.fakeSlack.callsTo('chat.delete').map((c) => c.args.ts)).not.toContain(groupedTs);
    expect(s.fakeSlack.callsTo('chat.delete')).toHaveLength(1);
    expect(holdingNumber(s, CUSTOMER)).toEqual([]);
  });

  it('lists a grouped post Slack would not let it edit, where it said the post was edited', { timeout: 30_000 }, async () => {
    const s = await start();
    const groupedTs = await groupedPostOfBoth(s);
    const { remove } = await ask(s);
    s.fakeSlack.failNext('chat.update', 'edit_window_closed');
    const answer = await press(s, remove, ADMIN);
    // The post still shows their SMS: the answer says where, and why, for someone to delete it by hand.
    expect(answer).toContain('1 post could not be deleted');
    expect(answer).toContain(`(ts \`${groupedTs}\`)`);
    expect(answer).toContain('which Slack would not let smsops edit to leave theirs out (Slack: edit_window_closed)');
    // Counted where it is listed, not among the grouped posts edited.
    expect(answer).not.toContain('edited to leave theirs out');
    const edits = s.fakeSlack.callsTo('chat.update').filter((c) => c.args.ts === groupedTs);
    expect(edits.at(-1)?.result).toMatchObject({ ok: false, error: 'edit_window_closed' });
  });

  it('lists a post Slack would not let it delete, and removes the rest', async () => {
    const s = await start();
    await conversation(s);
    const { remove } = await ask(s);
    s.fakeSlack.failNext('chat.delete', 'cant_delete_message');
    const answer = await press(s, remove);
    expect(answer).toContain('3 Slack posts deleted; *1 post could not be deleted* and remains in Slack');
    expect(answer).toContain(`<#${INBOX}>`);
    expect(answer).toContain('Slack does not let smsops delete it');
    expect(holdingNumber(s, CUSTOMER)).toEqual(['opt_outs']);
  });

  it('refuses while an SMS of theirs is still owed to PortSIP, and a question past 15 minutes removes nothing', async () => {
    const { t: s, sink: pbx } = await startWithPbx();
    await conversation(s);
    const { remove } = await ask(s);
    const stale = JSON.stringify({ ...JSON.parse(remove), asked: JSON.parse(remove).asked - 16 * MINUTE });
    const late = await press(s, stale);
    expect(late).toContain('more than 15 minutes ago');
    expect(late).toContain('nothing was removed');
    expect(count(s, 'SELECT count(*) FROM inbound_messages WHERE from_number = ?', CUSTOMER)).toBe(3);

    pbx.respondWith(503);
    expect((await postInbound(s, { from: CUSTOMER, to: OUR_NUMBER, text: 'One more' })).status).toBe(200);
    await waitUntil(
      () => (count(s, "SELECT count(*) FROM deliveries WHERE status = 'pending' AND attempts > 0") === 1 ? true : undefined),
      5000,
      'a failed PortSIP attempt',
    );
    const owed = readable((await runCommand(s, `forget ${TYPED}`)).body);
    expect(owed).toContain('1 of their SMS is still being delivered');
    expect(owed).toContain('/sms relay status');
    // The question asked before that SMS no longer matches: nothing is removed.
    expect(await press(s, remove)).toContain('changed since you were asked');
    expect(count(s, 'SELECT count(*) FROM inbound_messages WHERE from_number = ?', CUSTOMER)).toBe(4);
    expect(s.fakeSlack.callsTo('chat.delete')).toHaveLength(0);
  });

  it('keeps an SMS of theirs relayed, and a reply sent, while Remove was deleting the posts: not what the admin confirmed', async () => {
    const { t: s, sink: pbx } = await startWithPbx();
    const threadTs = await relayedThread(s, 'forget-during');
    await waitUntil(() => (pbx.received.length === 1 ? true : undefined), 5000, 'relayed to PortSIP');
    const { question, remove } = await ask(s);
    expect(question).toContain('1 SMS received from them');
    // Slack is slow to delete (many posts, its rate limit): meanwhile the customer texts again and a reply goes out.
    const release = s.fakeSlack.hang('chat.delete');
    const before = s.fakeSlack.responses.length;
    const answer = s.slack.blockAction({ actionId: ACTION.confirmForget, value: remove, userId: ADMIN });
    await s.fakeSlack.waitFor('chat.delete', 1);
    expect((await postInbound(s, { from: CUSTOMER, to: OUR_NUMBER, text: 'Arrived during Remove' })).status).toBe(200);
    await replyInThread(s, threadTs, '1800000400.000001', 'Answered during Remove', 'EvForgetDuring');
    await waitUntil(
      () =>
        pbx.received.length === 2 &&
        finished(s) &&
        count(s, "SELECT count(*) FROM conversation_replies WHERE status = 'accepted'") === 1
          ? true
          : undefined,
      10_000,
      'the new SMS relayed and the reply sent',
    );
    const newPost = s.fakeSlack.callsTo('chat.postMessage').find((c) => String(c.args.text).includes('Arrived during Remove'))
      ?.result?.ts as string;
    expect(newPost).toBeDefined();
    release();
    expect((await answer).status).toBe(200);
    const removed = readable((await s.fakeSlack.waitForResponses(before + 1))[before]?.body);
    expect(removed).toContain('1 SMS received from them');
    expect(removed).toContain('2 SMS of theirs came in or went out while the posts were being deleted');
    // The new SMS is still in Slack and in smsops; only the post the question counted was deleted.
    expect(s.fakeSlack.callsTo('chat.delete').map((c) => c.args.ts)).toEqual([threadTs]);
    expect(count(s, 'SELECT count(*) FROM inbound_messages WHERE from_number = ?', CUSTOMER)).toBe(1);
    expect(count(s, 'SELECT count(*) FROM slack_posts WHERE ts = ?', newPost)).toBe(1);
    expect(count(s, 'SELECT count(*) FROM conversation_replies WHERE to_number = ?', CUSTOMER)).toBe(1);
    // The thread the new SMS sits in still leads to them: answered there, the reply goes out.
    await replyInThread(s, threadTs, '1800000400.000002', 'Answering the new one', 'EvForgetAfter');
    await waitUntil(
      () => (s.emulator.state().messages.filter((m) => m.direction === 'outbound').length === 2 ? true : undefined),
      10_000,
      'the reply to the kept SMS sent',
    );
    // Asked again, they are what is left to remove.
    const again = readable((await runCommand(s, `forget ${TYPED}`)).body);
    expect(again).toContain('1 SMS received from them');
    expect(again).toContain('2 replies sent to them');
  });

  it('tells of a text to them Wavix first reported while Remove was deleting the posts, which it keeps', async () => {
    const { t: s, sink: pbx } = await startWithPbx();
    await relayedThread(s, 'forget-text-during');
    await waitUntil(() => (pbx.received.length === 1 ? true : undefined), 5000, 'relayed to PortSIP');
    const { remove } = await ask(s);
    const release = s.fakeSlack.hang('chat.delete');
    const before = s.fakeSlack.responses.length;
    const answer = s.slack.blockAction({ actionId: ACTION.confirmForget, value: remove, userId: ADMIN, isEphemeral: true });
    await s.fakeSlack.waitFor('chat.delete', 1);
    // A colleague answered them from PortSIP ONE a moment ago: Wavix reports that text now, its first word of it.
    const sentAt = new Date().toISOString();
    const report = {
      message_id: 'wx-text-during-remove',
      message_type: 'sms',
      from: OUR_NUMBER,
      to: CUSTOMER,
      tag: null,
      status: 'delivered',
      segments_count: 1,
      sent: sentAt,
      delivered: sentAt,
      error: null,
      charge: '0.01',
    };
    expect((await postDeliveryReport(s, report)).status).toBe(200);
    await waitUntil(
      () => (count(s, 'SELECT count(*) FROM outbound_messages WHERE to_number = ?', CUSTOMER) === 1 ? true : undefined),
      5000,
      'the text recorded',
    );
    release();
    expect((await answer).status).toBe(200);
    const removed = readable((await s.fakeSlack.waitForResponses(before + 1))[before]?.body);
    // Kept (not what the admin confirmed), and said: otherwise they read everything was removed.
    expect(count(s, 'SELECT count(*) FROM outbound_messages WHERE to_number = ?', CUSTOMER)).toBe(1);
    expect(removed).toContain('1 SMS of theirs came in or went out while the posts were being deleted');
    // Asked again, it is what is left to remove.
    expect(readable((await runCommand(s, `forget ${TYPED}`)).body)).toContain('1 record of SMS sent to them');
  });
});
