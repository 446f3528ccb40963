import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signSlackRequest } from '../helpers/slackRequests.js';
import {
  ADMIN,
  OUTSIDER,
  postInbound,
  readable,
  runCommand,
  SIGNING_SECRET,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

// What a reply from Slack carries that only the thread's channel may read: its text (never kept, never logged) and
// whom it went to. Wavix's refusals and 5xx answers may quote both, as some gateways echo the request.
const INBOX = 'C0INBOX001';
const REPLIER = 'U0REPLY001';
const CUSTOMER = '447400123456';
const CUSTOMER_FORMS = [CUSTOMER, '+44 7400 123456', '7400 123456', '7400123456'];
const MARKER = 'MARKERTEXT-ZQXJ-diagnosis';

let t: SmsopsUnderTest;

beforeEach(async () => {
  t = await startSmsopsUnderTest({ SLACK_INBOX_CHANNEL: INBOX, SLACK_RELAY_PACE_MS: '0' });
  t.fakeSlack.setChannelMembers(INBOX, [ADMIN, REPLIER]);
});

afterEach(async () => {
  await t.stop();
});

/** An SMS from the customer, relayed to the inbox channel: the ts of its thread, once smsops recorded it. */
async function relayedThread(): Promise<string> {
  const before = t.fakeSlack.callsTo('chat.postMessage').length;
  expect((await postInbound(t, { from: CUSTOMER, text: 'Hello, any news?' })).status).toBe(200);
  const posts = await t.fakeSlack.waitFor('chat.postMessage', before + 1);
  const ts = posts[before]?.result?.ts as string;
  await waitUntil(
    () => t.db.prepare('SELECT 1 FROM slack_threads WHERE thread_ts = ?').get(ts) !== undefined,
    5000,
    () => 'the relay thread recorded',
  );
  return ts;
}

let n = 0;

/** The reply's status line as the thread shows it, last drawn. */
const statusLine = (threadTs: string) =>
  String(
    [...t.fakeSlack.calls]
      .reverse()
      .find(
        (c) =>
          (c.method === 'chat.update' || (c.method === 'chat.postMessage' && c.args.thread_ts === threadTs)) &&
          /^(Waiting|Sending|Sent|Not sent|May have)/.test(String(c.args.text)),
      )?.args.text,
  );

/** `text` typed by a channel member in the thread, as Slack's signed event; resolves once its status line settled. */
async function replyInThread(threadTs: string, text: string): Promise<void> {
  const ts = `1800000000.${String(++n).padStart(6, '0')}`;
  const body = JSON.stringify({
    token: 'x',
    team_id: 'T1',
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: `EvPrivacy${n}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: null, team_id: 'T1', user_id: 'UBOT', is_bot: true, is_enterprise_install: false }],
    event: {
      type: 'message',
      channel: INBOX,
      user: REPLIER,
      text,
      ts,
      thread_ts: threadTs,
      event_ts: ts,
      channel_type: 'channel',
    },
  });
  const answer = await t.slack.raw(body, { 'content-type': 'application/json', ...signSlackRequest(SIGNING_SECRET, body) });
  expect(answer.status).toBe(200);
  const before = t.fakeSlack.calls.length;
  await waitUntil(
    () => t.fakeSlack.calls.length > before && /^(Sent|Not sent|May have)/.test(statusLine(threadTs)),
    10_000,
    () => `the reply sent or refused, its line says ${statusLine(threadTs)}`,
  );
}

const answerTo = async (command: string, userId: string) => readable((await runCommand(t, command, { userId })).body);

/** One reply that went out, then one Wavix refused quoting it (a blocked word, the whole text in its words). */
async function oneSentOneRefused(): Promise<string> {
  const threadTs = await relayedThread();
  await replyInThread(threadTs, 'Your order ships today');
  t.emulator.injectFault({
    method: 'POST',
    path: '/v3/messages',
    status: 422,
    body: { success: false, message: `text "Results: ${MARKER}" contains a blocked word` },
  });
  await replyInThread(threadTs, `Results: ${MARKER}`);
  return threadTs;
}

describe('what smsops keeps and logs of a reply', () => {
  it('keeps Wavix’s quote out of the database and the log, and the number out of the log', async () => {
    await oneSentOneRefused();
    const kept = JSON.stringify([
      t.db.prepare('SELECT * FROM conversation_replies').all(),
      t.db.prepare('SELECT * FROM audit_log').all(),
    ]);
    expect(kept).not.toContain(MARKER);
    const logs = t.logs.join('\n');
    expect(logs).not.toContain(MARKER);
    for (const form of CUSTOMER_FORMS) expect(logs).not.toContain(form);
  });

  it('logs a 5xx that quotes the text by Wavix’s kind and status only; the line says it may have been sent', async () => {
    const threadTs = await relayedThread();
    t.emulator.injectFault({
      method: 'POST',
      path: '/v3/messages',
      status: 500,
      body: { message: `bad request body={"to":"${CUSTOMER}","message_body":{"text":"Results: ${MARKER}"}}` },
    });
    await replyInThread(threadTs, `Results: ${MARKER}`);

    const logs = t.logs.join('\n');
    expect(logs).not.toContain(MARKER);
    for (const form of CUSTOMER_FORMS) expect(logs).not.toContain(form);
    const warned = t.logs.filter((line) => line.includes('a reply may or may not have been sent'));
    expect(warned).toHaveLength(1);
    expect(JSON.parse(warned[0] as string)).toMatchObject({ level: 'warn', failure: 'server', status: 500 });
    expect(statusLine(threadTs)).toMatch(/^May have been sent: Wavix answered with an error \(HTTP 500\)/);
  });
});

describe('a reply as people inside and outside its channel see it', () => {
  it('/sms audit and /sms inbox name neither the customer nor anything Wavix quoted of the text', async () => {
    await oneSentOneRefused();
    const outsider = [await answerTo('audit', OUTSIDER), await answerTo('inbox', OUTSIDER)];
    for (const answer of outsider) {
      expect(answer).toContain(`<@${REPLIER}>`);
      expect(answer).not.toContain(MARKER);
      for (const form of CUSTOMER_FORMS) expect(answer).not.toContain(form);
    }
    expect(outsider[0]).toContain(`\`conversation.reply\`: ok — _recipient and details hidden: you are not in <#${INBOX}>`);
    expect(outsider[0]).toContain('`conversation.reply`: failed — _recipient and details hidden');
    expect(outsider[1]).toContain(':x: not sent');
  });

  it('hides what replies recorded by an earlier smsops say (the number and Wavix’s quote in their reason)', async () => {
    await oneSentOneRefused();
    const before = `Wavix refused to send a message to ${CUSTOMER} (422). Wavix said: "text "Results: ${MARKER}"".`;
    t.db.prepare("UPDATE conversation_replies SET status_reason = ? WHERE status = 'failed'").run(before);
    t.db.prepare("UPDATE audit_log SET detail = ? WHERE outcome = 'failed'").run(before);
    for (const answer of [await answerTo('audit', OUTSIDER), await answerTo('inbox', OUTSIDER)]) {
      expect(answer).not.toContain(MARKER);
      for (const form of CUSTOMER_FORMS) expect(answer).not.toContain(form);
    }
    expect(await answerTo('inbox', ADMIN)).toContain(MARKER);
  });

  it('still shows the channel’s members and the admins whom it went to, and the thread why in Wavix’s words', async () => {
    const threadTs = await oneSentOneRefused();
    // The thread's own line, read by those who read the reply above it.
    expect(statusLine(threadTs)).toBe(
      `Not sent: Wavix refused to send an SMS (422). Wavix said: "text "Results: ${MARKER}" contains a blocked word". · 1 segment, GSM-7`,
    );
    for (const reader of [ADMIN, REPLIER]) {
      const audit = await answerTo('audit', reader);
      expect(audit).toContain(
        `\`conversation.reply\` \`${CUSTOMER}\`: failed — from +1 415 555 0100, 34 characters, 1 segment — Wavix refused to send an SMS (422).`,
      );
      expect(audit).toContain(`\`conversation.reply\` \`${CUSTOMER}\`: ok`);
      const inbox = await answerTo('inbox', reader);
      expect(inbox).toContain('→ *+44 7400 123456*');
      expect(inbox).toContain(':x: not sent (Wavix refused to send an SMS (422).)');
    }
  });
});
