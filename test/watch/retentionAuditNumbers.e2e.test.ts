import { afterEach, describe, expect, it } from 'vitest';
import { REPLY_THREAD, relayedThread, replyInThread } from '../helpers/replyThreads.js';
import { ADMIN, readable, runCommand, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * A reply's audit entry names the customer it went to. Past RETENTION_DAYS, when retention deleted the conversation,
 * the entry stays (who replied, when, the outcome) with the customer's number masked: the audit log no longer keeps a
 * number for a year that the messages kept for days.
 */

const DAY = 86_400_000;
const { customer: CUSTOMER, inbox: INBOX, replier: REPLIER } = REPLY_THREAD;

let t: SmsopsUnderTest | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

let events = 0;

/** A customer's SMS relayed to its thread, answered there; resolves once the reply is audited as sent. */
async function answeredConversation(s: SmsopsUnderTest, ts: string): Promise<void> {
  const threadTs = await relayedThread(s, 'audit-mask');
  const before = s.db.prepare("SELECT count(*) FROM audit_log WHERE action = 'conversation.reply'").pluck().get() as number;
  await replyInThread(s, threadTs, ts, 'Your parcel leaves today', `EvAuditMask${++events}`);
  await waitUntil(
    () =>
      s.db.prepare("SELECT count(*) FROM audit_log WHERE action = 'conversation.reply' AND outcome = 'ok'").pluck().get() ===
      before + 1
        ? true
        : undefined,
    5000,
    'the reply audited',
  );
}

const replyEntries = (s: SmsopsUnderTest) =>
  s.db
    .prepare("SELECT actor, target, params, outcome FROM audit_log WHERE action = 'conversation.reply' ORDER BY id")
    .all() as Array<{ actor: string; target: string; params: string; outcome: string }>;

describe('customer numbers in the audit log', () => {
  it('are masked past RETENTION_DAYS by the retention run; the entries stay, and a recent one keeps its number', async () => {
    t = await startSmsopsUnderTest({ SLACK_INBOX_CHANNEL: INBOX, SLACK_RELAY_PACE_MS: '0', RETENTION_DAYS: '8' });
    t.fakeSlack.setChannelMembers(INBOX, [ADMIN, REPLIER]);
    await answeredConversation(t, '1800000200.000001');

    await t.emulator.clock.advance(9 * DAY);
    await answeredConversation(t, '1800000200.000002');
    const run = readable((await runCommand(t, 'jobs run retention')).body);
    expect(run).toContain('retention: ok');
    expect(run).toContain('1 customer numbers in audit_log');

    // The old conversation is gone: its message and its reply record.
    expect(t.db.prepare('SELECT count(*) FROM inbound_messages').pluck().get()).toBe(1);
    expect(t.db.prepare('SELECT count(*) FROM conversation_replies').pluck().get()).toBe(1);
    const [old, recent] = replyEntries(t);
    expect(old).toMatchObject({ actor: REPLIER, target: '•••3456', outcome: 'ok' });
    expect(JSON.parse(old?.params ?? '{}')).toMatchObject({ from: REPLY_THREAD.ourNumber, to: '•••3456' });
    expect(old?.params).not.toContain(CUSTOMER);
    expect(recent).toMatchObject({ actor: REPLIER, target: CUSTOMER, outcome: 'ok' });

    const audit = readable((await runCommand(t, 'audit 10')).body);
    expect(audit).toContain('•••3456');
    expect(audit.match(new RegExp(CUSTOMER, 'g'))).toHaveLength(1);

    // A second run finds nothing more to mask, and leaves the masked entry as it is.
    expect(readable((await runCommand(t, 'jobs run retention')).body)).not.toContain('customer numbers');
    expect(replyEntries(t)[0]).toEqual(old);
  });
});
