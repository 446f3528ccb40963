import { afterEach, describe, expect, it } from 'vitest';
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

/** Another reply's message, as a Wavix matching `tag` loosely (or not at all) lists it. */
const other = (n: number) => ({
  message_id: `other-${n}`,
  direction: 'outbound',
  from: OUR_NUMBER,
  to: CUSTOMER,
  status: 'delivered',
  segments: 1,
  error_message: null,
  tag: `smsops-reply:C0OTHER:1800000000.${String(n).padStart(6, '0')}`,
});

/** A reply Wavix sent whose answer was lost (a 500 after acting): its line says "May have been sent". */
async function replySentAnswerLost(idPrefix: string, eventId: string) {
  const s = await startSmsopsUnderTest({ SLACK_INBOX_CHANNEL: INBOX, SLACK_RELAY_PACE_MS: '0', PUBLIC_BASE_URL: undefined });
  t = s;
  s.fakeSlack.setChannelMembers(INBOX, [ADMIN, REPLIER]);
  const threadTs = await relayedThread(s, idPrefix);
  s.emulator.injectFault({ method: 'POST', path: '/v3/messages', status: 500, afterActing: true });
  await replyInThread(s, threadTs, '1800000700.000001', 'On its way', eventId);
  await waitUntil(
    () => statusLine(s).startsWith('May have been sent'),
    10_000,
    () => `the unknown line, got ${statusLine(s)}`,
  );
  const sent = s.emulator.state().messages.filter((m) => m.direction === 'outbound');
  expect(sent).toHaveLength(1);
  return { s, sent };
}

describe('a reply of unknown outcome, looked up where Wavix lists more than one page for its tag', () => {
  it('a full first page without it is not "no record" ("you may post it again"): the next page is read, and its line says Delivered', async () => {
    const { s, sent } = await replySentAnswerLost('pages', 'EvPages1');
    // Each look's first page is full of other replies' messages (the filter matched loosely, or was ignored), the list
    // saying 3 pages; its second page holds the one sent.
    const fullPage = {
      items: Array.from({ length: 100 }, (_, n) => other(n)),
      pagination: { current_page: 1, per_page: 100, total: 250, total_pages: 3 },
    };
    const secondPage = {
      items: [...Array.from({ length: 99 }, (_, n) => other(100 + n)), { ...sent[0], status: 'delivered' }],
      pagination: { current_page: 2, per_page: 100, total: 250, total_pages: 3 },
    };
    for (const step of [MINUTE, 4 * MINUTE, 25 * MINUTE, 60 * MINUTE]) {
      s.emulator.injectFault({ method: 'GET', path: '/v3/messages', status: 200, body: fullPage, times: 1 });
      s.emulator.injectFault({ method: 'GET', path: '/v3/messages', status: 200, body: secondPage, times: 1 });
      await s.emulator.clock.advance(step + 1000);
      readable((await runCommand(s, 'jobs run reply-lookups')).body);
      s.emulator.clearFaults();
    }
    expect(statusLine(s)).toMatch(/^Delivered/);
    const row = s.db.prepare('SELECT status FROM conversation_replies').get() as { status: string };
    expect(row.status).toBe('delivered');
  });
  it('Wavix listing more pages than are read, none with it: the line stays "May have been sent", never "you may post it again"', async () => {
    const { s } = await replySentAnswerLost('pages2', 'EvPages2');
    // Each look's first page is full of other replies' messages (the filter matched loosely, or was ignored), the list
    // saying 20 pages, none of those read holding it.
    const fullPage = {
      items: Array.from({ length: 100 }, (_, n) => other(n)),
      pagination: { current_page: 1, per_page: 100, total: 2_000, total_pages: 20 },
    };
    for (const step of [MINUTE, 4 * MINUTE, 25 * MINUTE, 60 * MINUTE]) {
      s.emulator.injectFault({ method: 'GET', path: '/v3/messages', status: 200, body: fullPage, times: 20 });
      await s.emulator.clock.advance(step + 1000);
      readable((await runCommand(s, 'jobs run reply-lookups')).body);
      s.emulator.clearFaults();
    }
    expect(statusLine(s)).toMatch(/^May have been sent/);
    const row = s.db.prepare('SELECT status FROM conversation_replies').get() as { status: string };
    expect(row.status).toBe('unknown');
  });
});

describe('a reply of unknown outcome whose tag Wavix lists twice', () => {
  it('one delivered and one undelivered: the line says Delivered (the customer has it), not "Undelivered" inviting a third text', async () => {
    const s = await startSmsopsUnderTest({ SLACK_INBOX_CHANNEL: INBOX, SLACK_RELAY_PACE_MS: '0', PUBLIC_BASE_URL: undefined });
    t = s;
    s.fakeSlack.setChannelMembers(INBOX, [ADMIN, REPLIER]);
    const threadTs = await relayedThread(s, 'twice');
    s.emulator.injectFault({ method: 'POST', path: '/v3/messages', status: 500, afterActing: true });
    await replyInThread(s, threadTs, '1800000700.000003', 'On its way', 'EvTwice1');
    await waitUntil(
      () => statusLine(s).startsWith('May have been sent'),
      10_000,
      () => `the unknown line, got ${statusLine(s)}`,
    );
    const [sent] = s.emulator.state().messages.filter((m) => m.direction === 'outbound');
    // Wavix lists the tag twice, newest first: a copy it failed, then the one delivered.
    const listed = {
      items: [
        { ...sent, message_id: 'copy-1', status: 'undelivered', error_message: 'Carrier rejected' },
        { ...sent, status: 'delivered' },
      ],
      pagination: { current_page: 1, per_page: 100, total: 2, total_pages: 1 },
    };
    s.emulator.injectFault({ method: 'GET', path: '/v3/messages', status: 200, body: listed, times: 1 });
    await s.emulator.clock.advance(MINUTE + 1000);
    expect(readable((await runCommand(s, 'jobs run reply-lookups')).body)).toContain('1 found');
    await waitUntil(
      () => /^(Deliv|Undeliv)/.test(statusLine(s)),
      5000,
      () => `the settled line, got ${statusLine(s)}`,
    );
    expect(statusLine(s)).toMatch(/^Delivered/);
  });
});
