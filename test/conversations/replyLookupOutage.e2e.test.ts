import { afterEach, describe, expect, it } from 'vitest';
import { replyTagOf } from '../../src/core/conversations/replyTag.js';
import { REPLY_THREAD, relayedThread, replyInThread, replyStatusLine as statusLine } from '../helpers/replyThreads.js';
import { ADMIN, readable, runCommand, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

const { inbox: INBOX, replier: REPLIER, customer: CUSTOMER, ourNumber: OUR_NUMBER } = REPLY_THREAD;
const MINUTE = 60_000;

let t: SmsopsUnderTest | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const runLookups = async (s: SmsopsUnderTest) => readable((await runCommand(s, 'jobs run reply-lookups')).body);

describe('a reply of unknown outcome while Wavix is down between its look-ups', () => {
  it('the first answer after the outage is not the last look: "Not sent … post it again" waits for looks spread over 30 minutes of Wavix answering', async () => {
    const s = await startSmsopsUnderTest({ SLACK_INBOX_CHANNEL: INBOX, SLACK_RELAY_PACE_MS: '0', PUBLIC_BASE_URL: undefined });
    t = s;
    s.fakeSlack.setChannelMembers(INBOX, [ADMIN, REPLIER]);
    const threadTs = await relayedThread(s, 'outage');
    // Wavix answered the send 500 and lists nothing for it (yet).
    s.emulator.injectFault({ method: 'POST', path: '/v3/messages', status: 500 });
    await replyInThread(s, threadTs, '1800000700.000001', 'On its way', 'EvOutage1');
    await waitUntil(
      () => statusLine(s).startsWith('May have been sent'),
      10_000,
      () => `the unknown line, got ${statusLine(s)}`,
    );
    // The looks at 1 and 5 minutes: answered, no record.
    await s.emulator.clock.advance(MINUTE + 1000);
    expect(await runLookups(s)).toContain('0 found, 0 not sent (no record at Wavix), 1 not yet found');
    await s.emulator.clock.advance(4 * MINUTE);
    expect(await runLookups(s)).toContain('1 not yet found');
    // Wavix down from then on: the look at 30 minutes fails (every try of it).
    await s.emulator.clock.advance(25 * MINUTE);
    s.emulator.injectFault({ method: 'GET', path: '/v3/messages', status: 503, times: 4 });
    expect(await runLookups(s)).toContain('reply-lookups: failed');
    s.emulator.clearFaults();
    // Wavix answers again 10 minutes later, its list still catching up: no record, this once.
    await s.emulator.clock.advance(10 * MINUTE);
    expect(await runLookups(s)).toContain('reply-lookups: ok');
    expect(statusLine(s)).toMatch(/^May have been sent/);
    // Wavix lists it a few minutes on: the next look finds it.
    const tag = replyTagOf({ slackChannel: INBOX, slackMessageTs: '1800000700.000001' });
    const sent = await fetch(`${s.emulator.url}/v3/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.emulator.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: OUR_NUMBER, to: CUSTOMER, message_body: { text: 'On its way', media: null }, tag }),
    });
    expect(sent.status).toBe(201);
    await s.emulator.clock.advance(5 * MINUTE);
    expect(await runLookups(s)).toContain('1 found');
    await waitUntil(
      () => /^(Sent|Delivered)/.test(statusLine(s)),
      5000,
      () => `the sent line, got ${statusLine(s)}`,
    );
  });
});
