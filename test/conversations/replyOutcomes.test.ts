import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { markInterruptedSends } from '../../src/core/conversations/interruptedSends.js';
import { type ReplyFromThreadDeps, replyFromThread, type ThreadMessage } from '../../src/core/conversations/replyFromThread.js';
import { compareSlackTs } from '../../src/core/conversations/replyQueue.js';
import { conversationKeyOf } from '../../src/core/model/conversationKey.js';
import type { ConversationReply } from '../../src/core/ports/conversationReplies.js';
import type { ReplyNotifier } from '../../src/core/ports/replyNotifier.js';
import { applyReplyDeliveryReport } from '../../src/core/replyDelivery.js';
import { silentLogger } from '../../src/log.js';
import { startWavixEmulator, type WavixEmulator } from '../../src/sandbox/emulator/server.js';
import { replyStatusLine } from '../../src/slack/ui/replyStatus.js';
import { type Repositories, storeOn } from '../../src/store/openStore.js';
import { createWavixClient } from '../../src/wavix/client.js';
import { WavixError } from '../../src/wavix/errors.js';
import { optOutAtEmulator } from '../helpers/emulatorOptOut.js';
import { validateResponse } from '../helpers/openapi.js';
import { replyDepsOver } from '../helpers/replyDeps.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

const CHANNEL = 'C0INBOX001';
const THREAD = '1700000000.000100';
const OUR_NUMBER = '14155550100';
const CUSTOMER = '447400123456';

let tmp: TempDb;
let emulator: WavixEmulator;
let repositories: Repositories;
let shown: ConversationReply[];
let wavixSaid: Array<string | undefined>;

const notifier: ReplyNotifier = {
  showReplyStatus: async (reply, _cost, said) => {
    shown.push(repositories.conversationReplies.get(typeof reply === 'number' ? reply : reply.id) as ConversationReply);
    wavixSaid.push(said);
  },
  sayInThread: async () => {},
  tellPerson: async () => {},
};

function deps(timeoutMs?: number): ReplyFromThreadDeps {
  return replyDepsOver(repositories, emulator, notifier, { wavixTimeoutMs: timeoutMs });
}

let n = 0;
const message = (text = 'Your order ships today'): ThreadMessage => ({
  eventId: `EvOutcome${++n}`,
  channel: CHANNEL,
  threadTs: THREAD,
  messageTs: `1700000001.${String(n).padStart(6, '0')}`,
  userId: 'U0REPLY001',
  text,
  hasFiles: false,
});

const outbound = () => emulator.state().messages.filter((m) => m.direction === 'outbound');
const lastAudit = () => repositories.audit.recent(1)[0];

beforeEach(async () => {
  tmp = createTempDb();
  emulator = await startWavixEmulator({});
  repositories = storeOn(tmp.db, tmp.clock.now).repositories;
  shown = [];
  wavixSaid = [];
  repositories.slackThreads.set(
    CHANNEL,
    conversationKeyOf({ customerNumber: CUSTOMER, smsopsNumber: OUR_NUMBER }),
    '2026-11-25',
    THREAD,
  );
});

afterEach(async () => {
  tmp.cleanup();
  await emulator.close();
});

describe('a reply whose send has no definite answer', () => {
  it('is "may have been sent" (unknown, audited unknown) when Wavix times out after taking the request, never "Not sent"', async () => {
    emulator.injectFault({ method: 'POST', path: '/v3/messages', latencyMs: 600 });
    expect(await replyFromThread(deps(200), message())).toBe('unknown');
    const last = shown.at(-1) as ConversationReply;
    expect(last.status).toBe('unknown');
    // No DLR webhook of smsops' own (no PUBLIC_BASE_URL): nothing promises that the line will update.
    expect(replyStatusLine(last)).toBe(
      'May have been sent: Wavix did not answer in time. Check the delivery before sending again; smsops looks it up at Wavix, and this line updates within about 30 minutes.',
    );
    expect(replyStatusLine(last)).not.toMatch(/Not sent|try again/i);
    expect(lastAudit()).toMatchObject({ action: 'conversation.reply', outcome: 'unknown' });
  });

  it('is "may have been sent" after a 5xx, saying it was an error answer, not a timeout', async () => {
    emulator.injectFault({ method: 'POST', path: '/v3/messages', status: 500, times: 5 });
    expect(await replyFromThread(deps(), message())).toBe('unknown');
    const last = shown.at(-1) as ConversationReply;
    expect(last.status).toBe('unknown');
    expect(replyStatusLine(last)).toBe(
      'May have been sent: Wavix answered with an error (HTTP 500), which does not say whether it sent it. Check the delivery before sending again; smsops looks it up at Wavix, and this line updates within about 30 minutes.',
    );
    expect(lastAudit()?.outcome).toBe('unknown');
  });

  it('is audited as gone out when Wavix’s delivery report came before its answer to the send was lost', async () => {
    const d = deps();
    d.wavix = {
      ...d.wavix,
      messages: {
        send: async (body) => {
          // Wavix sent it and reported on it (the reply's tag in the report) while its answer to the send was on its way.
          applyReplyDeliveryReport(
            repositories.conversationReplies,
            { wavixMessageId: 'wx-early-dlr', status: 'delivered', error: null, tag: body.tag ?? null },
            repositories.audit,
          );
          throw new WavixError({ kind: 'timeout', operation: 'send an SMS', attempts: 1, detail: 'ECONNABORTED' });
        },
      },
    };
    expect(await replyFromThread(d, message())).toBe('unknown');
    expect(shown.at(-1)).toMatchObject({ status: 'delivered', wavixMessageId: 'wx-early-dlr' });
    // `/sms audit` said only "unknown: Wavix did not answer in time" for an SMS Wavix reported delivered.
    expect(lastAudit()).toMatchObject({
      outcome: 'ok',
      detail: 'Wavix reported it delivered: the send whose answer was lost went out',
    });
  });

  it('is "Not sent", naming the redirect, when WAVIX_API_URL answers the send with a 301 (http:// for https://)', async () => {
    const redirector = createServer((_request, response) =>
      response.writeHead(301, { location: 'https://api.wavix.com/v3/messages' }).end(),
    );
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    try {
      const d: ReplyFromThreadDeps = {
        ...deps(),
        wavix: createWavixClient({
          baseUrl: `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`,
          apiKey: 'k',
          logger: silentLogger,
        }),
      };
      // It said "May have been sent: Wavix’s answer did not say whether it sent it", for an SMS nobody took.
      expect(await replyFromThread(d, message())).toBe('failed');
      const line = replyStatusLine(shown.at(-1) as ConversationReply);
      expect(line).toMatch(/^Not sent: WAVIX.API.URL answered with a redirect \(HTTP 301\) to https:\/\/api\.wavix\.com/);
      expect(lastAudit()?.outcome).toBe('failed');
    } finally {
      redirector.closeAllConnections();
      await new Promise<void>((resolve) => redirector.close(() => resolve()));
    }
  });

  it('says the connection broke when Wavix’s connection is reset, and promises an update only with a DLR webhook', async () => {
    const reset = createServer((request) => request.socket.destroy());
    await new Promise<void>((resolve) => reset.listen(0, '127.0.0.1', resolve));
    try {
      const withReports: ReplyFromThreadDeps = {
        ...deps(),
        wavix: {
          ...deps().wavix,
          messages: createWavixClient({
            baseUrl: `http://127.0.0.1:${(reset.address() as AddressInfo).port}`,
            apiKey: emulator.apiKey,
            logger: silentLogger,
          }).messages,
        },
        dlrCallbackUrl: 'https://smsops.example.com/webhooks/wavix/dlr/secret',
      };
      expect(await replyFromThread(withReports, message())).toBe('unknown');
      expect(replyStatusLine(shown.at(-1) as ConversationReply)).toBe(
        'May have been sent: The connection to Wavix broke (ECONNRESET) before its answer. Check the delivery before sending again; this line updates when Wavix reports it, or within about 30 minutes as smsops looks it up at Wavix.',
      );
    } finally {
      reset.close();
    }
  });

  it('is "Not sent", tried again, when Wavix’s name does not resolve: no connection was made, nothing can have gone out', async () => {
    const sleeps: number[] = [];
    const unresolvable: ReplyFromThreadDeps = {
      ...deps(),
      wavix: {
        ...deps().wavix,
        messages: createWavixClient({
          // .invalid never resolves (RFC 2606): getaddrinfo answers ENOTFOUND (EAI_AGAIN without a resolver).
          baseUrl: 'http://wavix-api.invalid',
          apiKey: emulator.apiKey,
          logger: silentLogger,
          sleep: async (ms) => void sleeps.push(ms),
        }).messages,
      },
    };
    expect(await replyFromThread(unresolvable, message())).toBe('failed');
    expect(sleeps).toHaveLength(3);
    const last = shown.at(-1) as ConversationReply;
    expect(last.status).toBe('failed');
    expect(replyStatusLine(last)).toMatch(
      /^Not sent: smsops could not reach Wavix to .* after 4 attempts: host name not found \((ENOTFOUND|EAI_AGAIN)\)\. Check the host name in/,
    );
    expect(lastAudit()?.outcome).toBe('failed');
  });

  it('is "Not sent" with Wavix’s words only after a definite refusal (4xx), on its status line only', async () => {
    emulator.injectFault({
      method: 'POST',
      path: '/v3/messages',
      status: 422,
      body: { success: false, message: 'Destination is not allowed' },
    });
    expect(await replyFromThread(deps(), message())).toBe('failed');
    const last = shown.at(-1) as ConversationReply;
    expect(replyStatusLine(last, wavixSaid.at(-1))).toBe(
      'Not sent: Wavix refused to send an SMS (422). Wavix said: "Destination is not allowed".',
    );
    // Wavix's words may quote the reply: neither the record nor the audit log keeps them.
    expect(last.statusReason).toBe('Wavix refused to send an SMS (422).');
    expect(lastAudit()).toMatchObject({ outcome: 'failed', detail: 'Wavix refused to send an SMS (422).' });
  });
});

describe('Wavix words that mention opting out', () => {
  const TEXT = 'Your order shipped. Reply STOP to opt out';
  const optedOut = () => repositories.optOuts.blocking(CUSTOMER, OUR_NUMBER);

  it('are no opt-out in a 5xx echoing the reply: "may have been sent", nothing recorded, the next reply goes out', async () => {
    emulator.injectFault({
      method: 'POST',
      path: '/v3/messages',
      status: 500,
      afterActing: true,
      body: { message: `Internal error processing message_body.text="${TEXT}"` },
    });
    expect(await replyFromThread(deps(), message(TEXT))).toBe('unknown');
    expect(outbound()).toHaveLength(1);
    expect(replyStatusLine(shown.at(-1) as ConversationReply)).toMatch(/^May have been sent: Wavix answered with an error/);
    expect(lastAudit()?.outcome).toBe('unknown');
    expect(optedOut()).toBeUndefined();

    expect(await replyFromThread(deps(), message('Did it arrive?'))).toBe('sent');
    expect(outbound()).toHaveLength(2);
  });

  it('are no opt-out in a 4xx quoting the reply: "Not sent" with Wavix’s own reason, nothing recorded', async () => {
    const said = `Message text not allowed: '…Reply STOP to opt out' contains a URL shortener`;
    emulator.injectFault({ method: 'POST', path: '/v3/messages', status: 422, body: { success: false, message: said } });
    expect(await replyFromThread(deps(), message(TEXT))).toBe('failed');
    const last = shown.at(-1) as ConversationReply;
    expect(replyStatusLine(last, wavixSaid.at(-1))).toBe(`Not sent: Wavix refused to send an SMS (422). Wavix said: "${said}".`);
    expect(optedOut()).toBeUndefined();
    expect(await replyFromThread(deps(), message('Sorry, here is the link'))).toBe('sent');
  });

  it('still read Wavix’s refusal of a customer who opted out, when the reply itself says "opt out"', async () => {
    expect((await optOutAtEmulator(emulator, CUSTOMER, `+${OUR_NUMBER}`)).ok).toBe(true);
    expect(await replyFromThread(deps(), message(TEXT))).toBe('failed');
    expect(replyStatusLine(shown.at(-1) as ConversationReply)).toMatch(/^Not sent: The customer opted out/);
    expect(optedOut()).toMatchObject({ source: 'wavix' });
    expect(outbound()).toHaveLength(0);
  });
});

describe('a reply Wavix accepted', () => {
  it('stays sent when the store cannot record it (database locked): the line says Sent with the Wavix id', async () => {
    emulator.injectFault({ method: 'POST', path: '/v3/messages', latencyMs: 400 });
    const seen: Array<ConversationReply | number> = [];
    const locking: ReplyFromThreadDeps = {
      ...deps(),
      notifier: { ...notifier, showReplyStatus: async (reply) => void seen.push(reply) },
    };
    const sending = replyFromThread(locking, message());
    // The row is written; while Wavix is answering, another writer takes the database (busy_timeout is short).
    await new Promise((resolve) => setTimeout(resolve, 150));
    const lock = new Database(tmp.path);
    lock.exec('BEGIN IMMEDIATE');
    try {
      expect(await sending).toBe('sent');
    } finally {
      lock.exec('ROLLBACK');
      lock.close();
    }
    const last = seen.at(-1) as ConversationReply;
    expect(typeof last).toBe('object');
    expect(last.status).toBe('accepted');
    expect(last.wavixMessageId).toBe(outbound()[0]?.message_id);
    expect(replyStatusLine(last)).toMatch(/^Sent · Wavix id/);
  });
});

describe('a reply Wavix accepted with a short answer', () => {
  // Wavix's documented 201 (SendMessagesResponse, which requires none of its fields) without the message's from, to
  // and body: the send is still Wavix's yes.
  const answer = {
    carrier_fees: '0.0',
    charge: '0.0',
    direction: 'outbound',
    delivered_at: null,
    error_message: null,
    message_id: 'abc123de-4567-890f-gh12-ijklmnop3456',
    message_type: 'sms',
    segments: 1,
    sent_at: null,
    status: 'accepted',
    submitted_at: '2025-09-22T09:07:53Z',
    tag: null,
  };

  it('is Sent with its Wavix id, not "may have been sent"', async () => {
    expect(validateResponse('POST', '/v3/messages', 201, answer)).toEqual([]);
    emulator.injectFault({ method: 'POST', path: '/v3/messages', status: 201, body: answer });
    expect(await replyFromThread(deps(), message())).toBe('sent');
    const last = shown.at(-1) as ConversationReply;
    expect(last).toMatchObject({ status: 'accepted', wavixMessageId: answer.message_id });
    expect(replyStatusLine(last)).toMatch(/^Sent · Wavix id/);
    expect(lastAudit()?.outcome).toBe('ok');
  });

  it('is "Undelivered (rejected)" with Wavix’s error_message, audited failed, when the answer already says rejected', async () => {
    const rejected = { ...answer, status: 'rejected', error_message: 'Sender ID is not provisioned for this destination' };
    expect(validateResponse('POST', '/v3/messages', 201, rejected)).toEqual([]);
    emulator.injectFault({ method: 'POST', path: '/v3/messages', status: 201, body: rejected });
    expect(await replyFromThread(deps(), message())).toBe('failed');
    const last = shown.at(-1) as ConversationReply;
    expect(last).toMatchObject({ status: 'rejected', statusReason: rejected.error_message });
    expect(replyStatusLine(last)).toMatch(/^Undelivered \(rejected\): Sender ID is not provisioned for this destination · /);
    // Wavix took the request but nothing reaches the customer: not an "ok" in the audit.
    expect(lastAudit()).toMatchObject({
      outcome: 'failed',
      detail: "Wavix's answer already said rejected: it does not reach the customer.",
    });
  });

  it('keeps no error_message of an accepted answer as a reason', async () => {
    emulator.injectFault({ method: 'POST', path: '/v3/messages', status: 201, body: { ...answer, error_message: 'queued' } });
    expect(await replyFromThread(deps(), message())).toBe('sent');
    expect(shown.at(-1)).toMatchObject({ status: 'accepted', statusReason: null });
    expect(lastAudit()?.outcome).toBe('ok');
  });

  it('is taken as accepted when the answer has no status', async () => {
    emulator.injectFault({ method: 'POST', path: '/v3/messages', status: 201, body: { message_id: answer.message_id } });
    expect(await replyFromThread(deps(), message())).toBe('sent');
    expect(shown.at(-1)).toMatchObject({ status: 'accepted', wavixMessageId: answer.message_id });
  });
});

describe('replies a stopped smsops left behind', () => {
  const taken = (ts: string) =>
    repositories.conversationReplies.begin({
      slackChannel: CHANNEL,
      threadTs: THREAD,
      slackMessageTs: ts,
      slackUser: 'U0REPLY001',
      fromNumber: OUR_NUMBER,
      toNumber: CUSTOMER,
      textLength: 5,
      segments: 1,
      encoding: 'GSM-7',
    }).reply;

  it('become unknown at start when left sending, with a status line that says smsops stopped while sending', async () => {
    const reply = taken('1700000002.000001');
    repositories.conversationReplies.startSending(reply.id);
    await markInterruptedSends({ replies: repositories.conversationReplies, notifier, logger: silentLogger });
    const after = repositories.conversationReplies.get(reply.id) as ConversationReply;
    expect(after.status).toBe('unknown');
    expect(shown.map((r) => r.id)).toEqual([reply.id]);
    expect(replyStatusLine(after)).toMatch(/^May have been sent: smsops stopped while sending/);
  });

  it('are "Not sent" at start when taken in but not yet sent, and stay unsent', async () => {
    const reply = taken('1700000002.000002');
    await markInterruptedSends({ replies: repositories.conversationReplies, notifier, logger: silentLogger });
    const after = repositories.conversationReplies.get(reply.id) as ConversationReply;
    expect(shown.map((r) => r.id)).toEqual([reply.id]);
    expect(replyStatusLine(after)).toBe('Not sent: smsops stopped before sending it; post it again.');
    expect(repositories.conversationReplies.startSending(reply.id)).toBeUndefined();
    expect(outbound()).toHaveLength(0);
  });
});

describe('compareSlackTs', () => {
  it('orders by seconds, then by the fraction, as numbers', () => {
    expect(['1700000001.000010', '999999999.900000', '1700000001.000002'].sort(compareSlackTs)).toEqual([
      '999999999.900000',
      '1700000001.000002',
      '1700000001.000010',
    ]);
  });
});
