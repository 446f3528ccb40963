import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createConversationRepliesRepository } from '../../src/store/repositories/conversationReplies.js';
import { createWavixClient } from '../../src/wavix/client.js';
import { optOutAtEmulator } from '../helpers/emulatorOptOut.js';
import {
  ALERT_CHANNEL,
  OUTSIDER,
  readable,
  runCommand,
  type SmsopsUnderTest,
  WEBHOOK_SECRET,
} from '../helpers/smsopsUnderTest.js';
import { useSmsopsWithSink } from '../helpers/smsopsWithSink.js';
import { waitUntil } from '../helpers/waitUntil.js';
import { wavixRecords } from '../helpers/wavixRecords.js';
import type { WebhookSink } from '../helpers/webhookSink.js';

/** Issue 14, part B: opt-outs from inbound keywords and Wavix's list, delivery of replies, the inbox, daily threads. */

const rig = useSmsopsWithSink({ portsipPath: '/emc/wavix', env: { RELAY_RETRY_BASE_MS: '20', SLACK_RELAY_PACE_MS: '0' } });
let t: SmsopsUnderTest;
let sink: WebhookSink;

const CUSTOMER = '447400123456';
const OUR_NUMBER = '14155550100';
const DAY = 86_400_000;

async function start() {
  ({ t, sink } = await rig.start());
}

let counter = 0;
const inbound = (text: string, id = `m-${++counter}-${Date.now()}`) =>
  Buffer.from(
    JSON.stringify({
      message_id: id,
      message_type: 'sms',
      from: CUSTOMER,
      to: OUR_NUMBER,
      message_body: { text, media: null },
      received_at: '2026-11-25T10:00:00.000Z',
    }),
  );

async function post(body: Buffer | string, route: 'inbound' | 'dlr' = 'inbound') {
  const response = await fetch(`${t.smsops.url}/webhooks/wavix/${route}/${WEBHOOK_SECRET}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return response.status;
}

const until = (what: string, check: () => boolean, timeoutMs = 5_000) => waitUntil(check, timeoutMs, () => what);

interface OptOutRow {
  customer_number: string;
  sender: string | null;
  source: string;
  keyword: string | null;
  lifted_at: number | null;
  lifted_by: string | null;
  opted_out_at: number;
}
const optOuts = () => t.db.prepare('SELECT * FROM opt_outs ORDER BY id').all() as OptOutRow[];

describe('STOP and START received inbound', () => {
  it('records STOP as an opt-out of our number, START lifts it, and both are relayed to PortSIP unchanged', async () => {
    await start();
    const stop = inbound(' Stop! ');
    expect(await post(stop)).toBe(200);
    await until('the STOP at PortSIP', () => sink.received.length === 1);
    expect(sink.received[0]?.body.equals(stop)).toBe(true);
    expect(optOuts()).toMatchObject([
      { customer_number: CUSTOMER, sender: OUR_NUMBER, source: 'inbound_keyword', keyword: 'STOP', lifted_at: null },
    ]);

    // Not a keyword on its own: nothing changes.
    await post(inbound('please do not stop the service'));
    expect(await post(inbound('unstop'))).toBe(200);
    await until('all three at PortSIP', () => sink.received.length === 3);
    expect(optOuts()).toMatchObject([{ keyword: 'STOP', lifted_by: 'UNSTOP' }]);
    expect(optOuts()[0]?.lifted_at).not.toBeNull();
    // SMS text is never logged, a STOP included.
    expect(t.logs.join('\n')).not.toContain('please do not stop');
  });

  it('keeps a STOP in force when Wavix posts a START the customer sent before it (late or out of order)', async () => {
    await start();
    const at = (text: string, receivedAt: string) =>
      Buffer.from(
        JSON.stringify({
          message_id: `m-${++counter}-${Date.now()}`,
          from: CUSTOMER,
          to: OUR_NUMBER,
          message_body: { text, media: null },
          received_at: receivedAt,
        }),
      );
    // The customer texted START at 10:00 and STOP at 10:05; Wavix posted the START last (a retry).
    expect(await post(at('STOP', '2026-11-25T10:05:00.000Z'))).toBe(200);
    expect(await post(at('START', '2026-11-25T10:00:00.000Z'))).toBe(200);
    await until('both at PortSIP', () => sink.received.length === 2);
    expect(optOuts()).toMatchObject([{ keyword: 'STOP', lifted_at: null, opted_out_at: Date.parse('2026-11-25T10:05:00.000Z') }]);
    // Its post does not tell the team the customer opted back in.
    const posts = await t.fakeSlack.waitFor('chat.postMessage', 2);
    const startPost = readable(posts[1]?.args);
    expect(startPost).not.toContain('opted back in');
    expect(startPost).toContain('The customer sent this START before they opted out (STOP, ');
    expect(startPost).toContain('still refused');
    // A START sent after the STOP still lifts it.
    expect(await post(at('START', '2026-11-25T10:07:00.000Z'))).toBe(200);
    await until('the third at PortSIP', () => sink.received.length === 3);
    expect(optOuts()).toMatchObject([{ keyword: 'STOP', lifted_by: 'START' }]);
    expect(optOuts()[0]?.lifted_at).not.toBeNull();
  });

  it.each([
    ['a zero-width space', 'STOP\u200B'],
    ['a word joiner', 'STOP\u2060'],
    ['a zero-width joiner', 'Stop\u200D'],
    ['a variation selector', 'STOP\uFE0F'],
  ])('records a STOP followed by %s, which the phone shows as STOP alone', async (_, text) => {
    await start();
    const stop = inbound(text);
    expect(await post(stop)).toBe(200);
    await until('the STOP at PortSIP', () => sink.received.length === 1);
    expect(sink.received[0]?.body.equals(stop)).toBe(true);
    expect(optOuts()).toMatchObject([{ customer_number: CUSTOMER, sender: OUR_NUMBER, keyword: 'STOP', lifted_at: null }]);
  });

  it.each([
    ['REVOKE', 'REVOKE'],
    ['Opt out', 'OPT OUT'],
    ['OPTOUT', 'OPT OUT'],
    ['opt-out.', 'OPT OUT'],
    ['Stop all', 'STOPALL'],
    ['Arrêt', 'ARRET'],
  ])(
    'records %j, which US rules (FCC 47 CFR 64.1200(a)(10)) or US/Canadian carriers take as opting out, as an opt-out',
    async (text, keyword) => {
      await start();
      const stop = inbound(text);
      expect(await post(stop)).toBe(200);
      await until('the SMS at PortSIP', () => sink.received.length === 1);
      expect(sink.received[0]?.body.equals(stop)).toBe(true);
      expect(optOuts()).toMatchObject([{ customer_number: CUSTOMER, sender: OUR_NUMBER, keyword, lifted_at: null }]);
    },
  );

  it("says on the SMS's Slack post that the customer opted out, and that a START opted them back in", async () => {
    await start();
    expect(await post(inbound('Stop.'))).toBe(200);
    const [stopPost] = await t.fakeSlack.waitFor('chat.postMessage', 1);
    expect(readable(stopPost?.args)).toContain(
      'The customer opted out (STOP): replies from Slack to them from this number are refused until they text START.',
    );
    expect(await post(inbound('Hello again'))).toBe(200);
    expect(await post(inbound('start'))).toBe(200);
    const posts = await t.fakeSlack.waitFor('chat.postMessage', 3);
    expect(readable(posts[1]?.args)).not.toContain('opted');
    expect(readable(posts[2]?.args)).toContain('The customer opted back in (START)');
  });

  it('stores and relays the SMS when its STOP cannot be recorded, and logs why', async () => {
    await start();
    t.db.exec("CREATE TRIGGER opt_outs_broken BEFORE INSERT ON opt_outs BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
    expect(await post(inbound('STOP', 'stop-broken'))).toBe(200);
    await until('the STOP at PortSIP', () => sink.received.length === 1);
    await t.fakeSlack.waitFor('chat.postMessage');
    expect(t.db.prepare('SELECT count(*) FROM inbound_messages WHERE wavix_message_id = ?').pluck().get('stop-broken')).toBe(1);
    expect(optOuts()).toEqual([]);
    expect(t.logs.some((l) => l.includes('its STOP/START could not be recorded'))).toBe(true);
  });
});

describe('opt-outs job', () => {
  it("imports Wavix's opt-outs from the emulator and is listed in /sms jobs", async () => {
    await start();
    expect((await optOutAtEmulator(t.emulator, '+12025550199', OUR_NUMBER)).ok).toBe(true);
    expect((await optOutAtEmulator(t.emulator, '+12025550177')).ok).toBe(true);

    expect(readable((await runCommand(t, 'jobs run opt-outs')).body)).toContain('opt-outs: ok');
    expect(optOuts()).toMatchObject([
      { customer_number: '12025550199', sender: OUR_NUMBER, source: 'wavix', lifted_at: null },
      { customer_number: '12025550177', sender: null, source: 'wavix', lifted_at: null },
    ]);
    // A second run adds nothing.
    expect(readable((await runCommand(t, 'jobs run opt-outs')).body)).toContain('2 listed by Wavix, 0 added, 0 lifted');
    expect(readable((await runCommand(t, 'jobs')).body)).toMatch(/opt-outs\* `\*\/15 \* \* \* \*`/);
  });
});

describe('delivery reports of replies', () => {
  it('a report from the emulator, on its clock, moves a reply forward only; one before the Wavix id is recorded is kept', async () => {
    await start();
    const replies = createConversationRepliesRepository(t.db);
    const wavix = createWavixClient({
      baseUrl: t.emulator.url,
      apiKey: t.emulator.apiKey,
      logger: createLogger({ level: 'silent' }),
    });
    const reply = replies.begin({
      slackChannel: ALERT_CHANNEL,
      threadTs: '1700000000.000100',
      slackMessageTs: '1700000000.000200',
      slackUser: 'U0ONCALL01',
      fromNumber: OUR_NUMBER,
      toNumber: CUSTOMER,
      textLength: 11,
      segments: 1,
      encoding: 'GSM-7',
    }).reply;
    replies.startSending(reply.id);
    const sent = await wavix.messages.send({
      from: OUR_NUMBER,
      to: CUSTOMER,
      message_body: { text: 'Hello there', media: null },
      callback_url: `${t.smsops.url}/webhooks/wavix/dlr/${WEBHOOK_SECRET}`,
    });
    replies.submitted(reply.id, sent.message_id, 'accepted');
    await t.emulator.clock.advance(5_000);
    await until('delivered', () => replies.get(reply.id)?.status === 'delivered');
    expect(replies.get(reply.id)?.deliveredAt).not.toBeNull();

    // A late interim report changes nothing.
    expect(
      await post(
        JSON.stringify({ message_id: sent.message_id, from: OUR_NUMBER, to: CUSTOMER, status: 'sent', segments_count: 1 }),
        'dlr',
      ),
    ).toBe(200);
    expect(replies.get(reply.id)?.status).toBe('delivered');

    // Wavix's report can beat the answer to the send: it is stored, and applied when the id is recorded.
    const early = replies.begin({ ...reply, slackMessageTs: '1700000000.000300' }).reply;
    replies.startSending(early.id);
    const report = { message_id: 'wx-early', from: OUR_NUMBER, to: CUSTOMER, status: 'undelivered', segments_count: 1 };
    expect(await post(JSON.stringify({ ...report, error: 'Absent subscriber' }), 'dlr')).toBe(200);
    expect(replies.get(early.id)?.status).toBe('sending');
    expect(replies.submitted(early.id, 'wx-early', 'accepted')).toMatchObject({
      status: 'undelivered',
      statusReason: 'Absent subscriber',
    });
  });

  it.each(['Undelivered', ' UNDELIVERED '])(
    'reads an early report saying %j as undelivered, as it reads the same report arriving after the send is recorded',
    async (status) => {
      await start();
      const replies = createConversationRepliesRepository(t.db);
      const base = {
        slackChannel: ALERT_CHANNEL,
        threadTs: '1700000000.000100',
        slackUser: 'U0ONCALL01',
        fromNumber: OUR_NUMBER,
        toNumber: CUSTOMER,
        textLength: 11,
        segments: 1,
        encoding: 'GSM-7' as const,
      };
      const report = (id: string) =>
        JSON.stringify({ message_id: id, from: OUR_NUMBER, to: CUSTOMER, status, segments_count: 1, error: 'Absent subscriber' });

      // Taken in, then handed to Wavix (queued → sending), as a reply from a thread is.
      const sending = (ts: string) => {
        const taken = replies.begin({ ...base, slackMessageTs: ts }).reply;
        return replies.startSending(taken.id) ?? taken;
      };
      const live = sending('1700000000.000200');
      replies.submitted(live.id, 'wx-live', 'accepted');
      // Wavix's record agrees (smsops confirms a first final status there before it settles the reply).
      wavixRecords(t, { message_id: 'wx-live', status: 'undelivered', error_message: 'Absent subscriber' });
      expect(await post(report('wx-live'), 'dlr')).toBe(200);
      await until('the report confirmed', () => replies.get(live.id)?.status === 'undelivered');
      expect(replies.get(live.id)).toMatchObject({ status: 'undelivered', statusReason: 'Absent subscriber' });

      const early = sending('1700000000.000300');
      expect(await post(report('wx-early'), 'dlr')).toBe(200);
      expect(replies.submitted(early.id, 'wx-early', 'accepted')).toMatchObject({
        status: 'undelivered',
        statusReason: 'Absent subscriber',
      });
    },
  );
});

describe('/sms inbox', () => {
  it('shows inbound messages and the replies sent from Slack in order, the recipient hidden from a non-member', async () => {
    await start();
    await post(inbound('first question', 'in-a'));
    await until('relayed', () => sink.received.length === 1);
    const replies = createConversationRepliesRepository(t.db, () => t.emulator.clock.now() + 60_000);
    const reply = replies.begin({
      slackChannel: ALERT_CHANNEL,
      threadTs: '1700000000.000100',
      slackMessageTs: '1700000000.000200',
      slackUser: 'U0ONCALL01',
      fromNumber: OUR_NUMBER,
      toNumber: CUSTOMER,
      textLength: 42,
      segments: 1,
      encoding: 'GSM-7',
    }).reply;
    replies.startSending(reply.id);
    replies.submitted(reply.id, 'wx-inbox-1', 'accepted');
    replies.applyDeliveryStatus('wx-inbox-1', 'delivered', null);
    await t.emulator.clock.advance(120_000);
    await post(inbound('second question', 'in-b'));
    await until('relayed', () => sink.received.length === 2);

    const text = readable((await runCommand(t, 'inbox +1 415 555 0100')).body);
    const second = text.indexOf('second question');
    const answer = text.indexOf('reply by <@U0ONCALL01>');
    const first = text.indexOf('first question');
    expect(second).toBeGreaterThan(-1);
    expect(answer).toBeGreaterThan(second);
    expect(first).toBeGreaterThan(answer);
    expect(text).toContain('42 chars, 1 segment (GSM-7) · :white_check_mark: delivered · id `wx-inbox-1`');
    expect(text).toContain('+1 415 555 0100 → *+44 7400 123456*');

    t.fakeSlack.setChannelMembers(ALERT_CHANNEL, ['U0ONCALL01']);
    const outsider = readable((await runCommand(t, 'inbox +1 415 555 0100', { userId: OUTSIDER })).body);
    expect(outsider).toContain('reply by <@U0ONCALL01>');
    expect(outsider).toContain('_hidden recipient_');
    expect(outsider).not.toContain('7400 123456');
    expect(outsider).not.toContain('question');
  });
});

describe('/sms inbox, counted and looked up by either number', () => {
  it('counts both directions by name, and shows the conversation with a customer when given their number', async () => {
    await start();
    await post(inbound('first question', 'in-c'));
    await post(inbound('second question', 'in-d'));
    await until('relayed', () => sink.received.length === 2);
    const replies = createConversationRepliesRepository(t.db, () => t.emulator.clock.now() + 60_000);
    for (const ts of ['1700000000.000200', '1700000000.000300', '1700000000.000400']) {
      replies.begin({
        slackChannel: ALERT_CHANNEL,
        threadTs: '1700000000.000100',
        slackMessageTs: ts,
        slackUser: 'U0ONCALL01',
        fromNumber: OUR_NUMBER,
        toNumber: CUSTOMER,
        textLength: 5,
        segments: 1,
        encoding: 'GSM-7',
      });
    }

    const ours = (await runCommand(t, 'inbox +1 415 555 0100')).body;
    expect(ours.text).toBe('2 received, 3 replies');
    expect(readable(ours)).toContain('*Inbox* for +1 415 555 0100');

    const customer = (await runCommand(t, 'inbox +447400123456')).body;
    expect(customer.text).toBe('2 received, 3 replies');
    expect(readable(customer)).toContain('*Conversation with +447400123456*');
    expect(readable(customer)).toContain('second question');
    expect(readable(customer)).not.toContain('No messages');

    // Someone who may not read the conversation learns nothing from the customer's number, not even that they texted:
    // the answer is the one a number that never texted gets.
    const outsider = (await runCommand(t, 'inbox +447400123456', { userId: OUTSIDER })).body;
    expect(readable(outsider)).not.toContain('question');
    expect(readable(outsider)).not.toContain('415 555 0100');
    expect(outsider.text).toBe(
      'No messages with +447400123456 that you may read: SMS text and senders are shown to smsops admins and to the members of the channel each message is posted in. Ask one of them to look.',
    );
    const never = (await runCommand(t, 'inbox +447400999999', { userId: OUTSIDER })).body;
    expect(JSON.stringify(never).replaceAll('999999', '123456')).toBe(JSON.stringify(outsider));
    const laterPage = (await runCommand(t, 'inbox +447400123456 page 2', { userId: OUTSIDER })).body;
    expect(laterPage).toEqual(outsider);

    expect(readable((await runCommand(t, 'inbox +447400999999')).body)).toContain(
      'No messages to or from +447400999999 yet: it is neither an smsops number with messages nor a customer who has texted one.',
    );
  });
});

describe('a conversation per day', () => {
  it("starts a new day's thread with a link to the day before, kept when the post is edited", async () => {
    await start();
    sink.respondWith(503);
    await post(inbound('monday', 'day-1'));
    const [monday] = await t.fakeSlack.waitFor('chat.postMessage');
    expect(readable(monday?.args)).not.toContain('Continues');
    const mondayTs = '1700000000.000100';

    // Just past midnight UTC: a new day, while Monday's PortSIP delivery is still within its retry window.
    const now = t.emulator.clock.now();
    await t.emulator.clock.advance(Math.ceil(now / DAY) * DAY - now + 60_000);
    await post(inbound('tuesday', 'day-2'));
    await until('the tuesday post', () =>
      t.fakeSlack.callsTo('chat.postMessage').some((c) => readable(c.args).includes('tuesday')),
    );
    const tuesday = t.fakeSlack.callsTo('chat.postMessage').find((c) => readable(c.args).includes('tuesday'));
    expect(tuesday?.args.thread_ts).toBeUndefined();
    const link = `https://acme.slack.com/archives/${ALERT_CHANNEL}/p${mondayTs.replace('.', '')}`;
    expect(readable(tuesday?.args)).toContain(`:arrow_up: Continues <${link}|yesterday's thread>`);

    // PortSIP takes it now: the post is edited to say so, and keeps the link; Monday's post gets none.
    const threadOf = (day: string) =>
      t.db.prepare('SELECT thread_ts FROM slack_threads WHERE day = ?').pluck().get(day) as string | undefined;
    const tuesdayDay = new Date(t.emulator.clock.now()).toISOString().slice(0, 10);
    await until("tuesday's thread recorded", () => threadOf(tuesdayDay) !== undefined);
    const tuesdayTs = threadOf(tuesdayDay);
    sink.respondWith(200);
    const editsOf = (ts: string | undefined) => t.fakeSlack.callsTo('chat.update').filter((c) => c.args.ts === ts);
    await until('edits of both posts', () => editsOf(tuesdayTs).length > 0 && editsOf(mondayTs).length > 0, 10_000);
    expect(readable(editsOf(tuesdayTs).at(-1)?.args)).toContain(`:arrow_up: Continues <${link}|yesterday's thread>`);
    expect(readable(editsOf(mondayTs).at(-1)?.args)).not.toContain('Continues');
  });
});
