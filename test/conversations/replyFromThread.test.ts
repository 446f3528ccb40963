import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ReplyFromThreadDeps, replyFromThread, type ThreadMessage } from '../../src/core/conversations/replyFromThread.js';
import { conversationKeyOf } from '../../src/core/model/conversationKey.js';
import type { ConversationReply } from '../../src/core/ports/conversationReplies.js';
import type { WorkspaceDirectory } from '../../src/core/ports/directory.js';
import type { ReplyNotifier } from '../../src/core/ports/replyNotifier.js';
import { AppError, err, ok } from '../../src/errors.js';
import { startWavixEmulator, type WavixEmulator } from '../../src/sandbox/emulator/server.js';
import { type Repositories, storeOn } from '../../src/store/openStore.js';
import { everyoneAdminDirectory } from '../helpers/directory.js';
import { replyDepsOver } from '../helpers/replyDeps.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

const CHANNEL = 'C0INBOX001';
const THREAD = '1700000000.000100';
const US_NUMBER = '14155550100';
const CUSTOMER = '447400123456';

let tmp: TempDb;
let emulator: WavixEmulator;
let repositories: Repositories;
let shown: Array<{ status: string; reason: string | null; cost: string | undefined; wavixSaid: string | undefined }>;
let said: string[];

const notifier: ReplyNotifier = {
  showReplyStatus: async (reply, cost, wavixSaid) => {
    const current = repositories.conversationReplies.get(typeof reply === 'number' ? reply : reply.id) as ConversationReply;
    shown.push({ status: current.status, reason: current.statusReason, cost, wavixSaid });
  },
  sayInThread: async (_channel, _thread, text) => {
    said.push(text);
  },
  tellPerson: async (_channel, _thread, _user, text) => {
    said.push(text);
  },
};

function deps(overrides: Partial<ReplyFromThreadDeps> = {}): ReplyFromThreadDeps {
  return { ...replyDepsOver(repositories, emulator, notifier), ...overrides };
}

const replyAudits = () =>
  repositories.audit
    .recent(50)
    .filter((entry) => entry.action === 'conversation.reply')
    .reverse();

let n = 0;
const message = (overrides: Partial<ThreadMessage> = {}): ThreadMessage => ({
  eventId: `Ev${++n}`,
  channel: CHANNEL,
  threadTs: THREAD,
  messageTs: `1700000001.${String(n).padStart(6, '0')}`,
  userId: 'U0REPLY001',
  text: 'Your order ships today',
  hasFiles: false,
  ...overrides,
});

const outbound = () => emulator.state().messages.filter((m) => m.direction === 'outbound');

function threadFrom(ourNumber: string) {
  repositories.slackThreads.set(
    CHANNEL,
    conversationKeyOf({ customerNumber: CUSTOMER, smsopsNumber: ourNumber }),
    '2026-11-25',
    THREAD,
  );
}

beforeEach(async () => {
  tmp = createTempDb();
  emulator = await startWavixEmulator({});
  repositories = storeOn(tmp.db, tmp.clock.now).repositories;
  shown = [];
  said = [];
  threadFrom(US_NUMBER);
});

afterEach(async () => {
  tmp.cleanup();
  await emulator.close();
});

describe('replyFromThread', () => {
  it('takes a Slack event once, also after a restart: the claim is in SQLite before Wavix is called', async () => {
    const first = message();
    expect(await replyFromThread(deps(), first)).toBe('sent');
    repositories = storeOn(tmp.reopen(), tmp.clock.now).repositories;
    expect(await replyFromThread(deps(), first)).toBe('already_handled');
    // The same Slack message under another event id (never from Slack, but one reply per message all the same).
    expect(await replyFromThread(deps(), { ...first, eventId: 'EvOther' })).toBe('already_handled');
    expect(outbound()).toHaveLength(1);
    expect(shown.map((s) => s.status)).toEqual(['sending', 'accepted']);
    expect(shown[0]?.cost).toBe('1 segment, GSM-7');
  });

  it('ignores threads smsops did not start, and claims nothing for them', async () => {
    const elsewhere = message({ threadTs: '1600000000.000100' });
    expect(await replyFromThread(deps(), elsewhere)).toBe('not_a_relay_thread');
    expect(repositories.processedSlackEvents.seen(elsewhere.eventId)).toBe(false);
    expect(outbound()).toEqual([]);
  });

  it('refuses a US number whose 10DLC campaign is not approved, saying what to do', async () => {
    repositories.tenDlc.observe(
      { kind: 'number', brandId: 'B1', campaignId: 'CAMP1', number: US_NUMBER, status: 'PENDING' },
      'webhook',
    );
    expect(await replyFromThread(deps(), message())).toBe('blocked');
    expect(shown.at(-1)?.reason).toMatch(/10DLC campaign CAMP1 with status PENDING, not approved: US carriers block its SMS/);
    expect(outbound()).toEqual([]);
    repositories.tenDlc.observe(
      { kind: 'number', brandId: 'B1', campaignId: 'CAMP1', number: US_NUMBER, status: 'APPROVED' },
      'webhook',
    );
    expect(await replyFromThread(deps(), message())).toBe('sent');
  });

  it('refuses a US number when the account’s campaigns are known and none is approved', async () => {
    repositories.tenDlc.observe({ kind: 'campaign', brandId: 'B1', campaignId: 'CAMP1', status: 'REVIEW' }, 'poll');
    expect(await replyFromThread(deps(), message())).toBe('blocked');
    expect(shown.at(-1)?.reason).toContain('no approved 10DLC campaign');
    expect(outbound()).toEqual([]);
  });

  it('refuses from a number Wavix lists without SMS', async () => {
    tmp.db.prepare('DELETE FROM slack_threads').run();
    threadFrom('12025550143');
    expect(await replyFromThread(deps(), message())).toBe('blocked');
    expect(shown.at(-1)?.reason).toContain('without SMS');
    expect(outbound()).toEqual([]);
  });

  it('refuses a reply to an SMS that came from a name (an alphanumeric Sender ID) before Wavix, saying why', async () => {
    const thread = '1700000000.000200';
    repositories.slackThreads.set(
      CHANNEL,
      conversationKeyOf({ customerNumber: 'GOOGLE', smsopsNumber: US_NUMBER }),
      '2026-11-25',
      thread,
    );
    expect(await replyFromThread(deps(), message({ threadTs: thread }))).toBe('blocked');
    expect(shown.at(-1)?.reason).toMatch(/came from a name .*cannot receive an SMS\. Reach the customer another way\./);
    expect(outbound()).toEqual([]);
    expect(replyAudits().at(-1)).toMatchObject({ outcome: 'refused' });
  });

  it('refuses a text over Wavix’s limit, and an empty one, before Wavix', async () => {
    expect(await replyFromThread(deps(), message({ text: '’'.repeat(671) }))).toBe('blocked');
    expect(shown.at(-1)?.reason).toMatch(/over Wavix’s limit of 670.*Shorten it/);
    expect(await replyFromThread(deps(), message({ text: '   ' }))).toBe('empty');
    expect(said).toEqual(['The reply is empty; nothing was sent.']);
    expect(outbound()).toEqual([]);
  });

  it('treats a reply of only invisible characters as empty: nothing sent, audited', async () => {
    for (const text of ['\u200B', '\uFEFF \u2060', '\u200B\u200C\u200D\u200E\n\t', '\u3164']) {
      expect(await replyFromThread(deps(), message({ text }))).toBe('empty');
    }
    expect(outbound()).toEqual([]);
    expect(replyAudits().map((a) => a.params.reason)).toEqual(['empty', 'empty', 'empty', 'empty']);
    expect(await replyFromThread(deps(), message({ text: '\u200Bok' }))).toBe('sent');
  });

  it('audits every refused attempt once, with who, to, from, length and the reason code', async () => {
    const notMember: WorkspaceDirectory = { ...everyoneAdminDirectory, isChannelMember: async () => ok(false) };
    const cannotTell: WorkspaceDirectory = {
      ...everyoneAdminDirectory,
      isChannelMember: async () => err(new AppError('members failed', 'Slack answered conversations.members with ratelimited')),
    };
    expect(await replyFromThread(deps({ directory: notMember }), message({ text: 'hello' }))).toBe('not_allowed');
    expect(await replyFromThread(deps({ directory: cannotTell }), message({ text: 'hello' }))).toBe('not_allowed');
    expect(said.at(-1)).toBe(
      'Your reply was not sent: smsops could not check that you are a member of this channel; try again (Slack answered conversations.members with ratelimited).',
    );
    expect(await replyFromThread(deps({ replyUsers: ['U0SOMEONE1'] }), message({ text: 'hello' }))).toBe('not_allowed');
    expect(await replyFromThread(deps(), message({ text: 'invoice', hasFiles: true }))).toBe('files');
    expect(await replyFromThread(deps(), message({ text: ' ' }))).toBe('empty');
    expect(outbound()).toEqual([]);
    const audits = replyAudits();
    expect(audits.map((a) => [a.outcome, a.params.reason])).toEqual([
      ['refused', 'not_a_member'],
      ['refused', 'membership_unknown'],
      ['refused', 'not_in_reply_users'],
      ['refused', 'files'],
      ['refused', 'empty'],
    ]);
    expect(audits[0]).toMatchObject({
      actor: 'U0REPLY001',
      target: CUSTOMER,
      params: { from: US_NUMBER, to: CUSTOMER, length: 5, wavixMessageId: null },
    });
    expect(audits[1]?.detail).toContain('could not check that you are a member of this channel; try again');
    // The text itself is never audited.
    expect(JSON.stringify(audits)).not.toContain('hello');
  });

  it('asks for membership fresh before sending on someone’s behalf', async () => {
    const asked: Array<string | undefined> = [];
    const directory: WorkspaceDirectory = {
      ...everyoneAdminDirectory,
      isChannelMember: async (_channel, _user, freshness) => {
        asked.push(freshness);
        return ok(true);
      },
    };
    expect(await replyFromThread(deps({ directory }), message())).toBe('sent');
    expect(asked).toEqual(['fresh']);
  });

  it('says Wavix’s own words on the status line when it refuses the send, without storing or auditing them', async () => {
    // A 5xx may have been acted on: that is "may have been sent" (replyOutcomes.test.ts); a 4xx is a refusal.
    emulator.injectFault({
      method: 'POST',
      path: '/v3/messages',
      status: 422,
      body: { success: false, message: 'Invalid destination' },
    });
    expect(await replyFromThread(deps(), message())).toBe('failed');
    expect(shown.at(-1)?.status).toBe('failed');
    expect(shown.at(-1)?.wavixSaid).toBe('Invalid destination');
    expect(shown.at(-1)?.reason).toBe('Wavix refused to send an SMS (422).');
    const [audit] = repositories.audit.recent(1);
    expect(audit).toMatchObject({
      action: 'conversation.reply',
      outcome: 'failed',
      detail: 'Wavix refused to send an SMS (422).',
    });
  });
});
