import { afterEach, describe, expect, it } from 'vitest';
import type { ConversationRepliesRepository, ConversationReply } from '../../src/core/ports/conversationReplies.js';
import { createLogger } from '../../src/log.js';
import { createMetricsRegistry } from '../../src/metrics.js';
import { type Relay, startRelay } from '../../src/relay/relay.js';
import { storeOn } from '../../src/store/openStore.js';
import { recordingAlerts } from '../helpers/recordingAlerts.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';
import { waitUntil } from '../helpers/waitUntil.js';

/** The relay tells the composition root about a reply whose status a delivery report changed, after the commit. */

let tmp: TempDb;
let relay: Relay;

afterEach(async () => {
  await relay.stop();
  tmp.cleanup();
});

function start(onReplyStatusChanged: (reply: ConversationReply) => void | Promise<void>) {
  tmp = createTempDb();
  const store = storeOn(tmp.db, tmp.clock.now);
  relay = startRelay({
    repositories: store.repositories,
    store,
    defaultPortsipUrl: null,
    inboxChannel: null,
    alerts: recordingAlerts().notifier,
    // Never asked to post: no SMS comes in here.
    notifier: {
      announce: async () => undefined,
      relayedSms: { post: async () => [], portsipStateChanged: () => {}, stop: async () => {} },
    },
    concurrency: 1,
    retry: { baseDelayMs: 10, maxDelayMs: 100, deadAfterMs: 60_000 },
    metrics: createMetricsRegistry({ processMetrics: false }),
    logger: createLogger({ level: 'silent' }),
    now: tmp.clock.now,
    onReplyStatusChanged,
  });
  return store.repositories.conversationReplies;
}

const dlr = (messageId: string, status: string, error?: string) =>
  relay.intake.ingest.dlr({
    route: 'dlr',
    contentType: 'application/json',
    body: Buffer.from(
      JSON.stringify({ message_id: messageId, from: '14155550100', to: '447400123456', status, segments_count: 1, error }),
    ),
  });

const newReply = {
  slackChannel: 'C0INBOX001',
  threadTs: '1700000000.000100',
  slackMessageTs: '1700000000.000200',
  slackUser: 'U0ONCALL01',
  fromNumber: '14155550100',
  toNumber: '447400123456',
  textLength: 5,
  segments: 1,
  encoding: 'GSM-7' as const,
};

/** A reply taken in and handed to Wavix (queued, then sending), as a reply from a thread is. */
const handedToWavix = (replies: Pick<ConversationRepliesRepository, 'begin' | 'startSending'>) => {
  const { reply } = replies.begin(newReply);
  return replies.startSending(reply.id) ?? reply;
};

describe('onReplyStatusChanged', () => {
  it('is called once per change of a reply, with the committed reply; not for repeats, other messages or a step back', async () => {
    const told: ConversationReply[] = [];
    const replies = start((reply) => {
      told.push(reply);
    });
    const reply = handedToWavix(replies);
    replies.submitted(reply.id, 'wx-1', 'accepted');

    await dlr('wx-1', 'sent');
    await dlr('wx-1', 'undelivered', 'Absent subscriber');
    await dlr('wx-1', 'undelivered', 'Absent subscriber');
    await dlr('wx-1', 'sent');
    await dlr('not-a-reply', 'delivered');
    await waitUntil(
      () => told.length >= 2,
      2_000,
      () => `told ${told.length}`,
    );
    expect(told.map((r) => [r.status, r.statusReason])).toEqual([
      ['sent', null],
      ['undelivered', 'Absent subscriber'],
    ]);
    expect(replies.get(reply.id)).toMatchObject({ status: 'undelivered', statusReason: 'Absent subscriber' });
  });

  it('keeps the report when the hook fails', async () => {
    const replies = start(() => {
      throw new Error('Slack is down');
    });
    const reply = handedToWavix(replies);
    replies.submitted(reply.id, 'wx-2', 'accepted');
    expect(await dlr('wx-2', 'delivered')).toMatchObject({ ok: true });
    expect(replies.get(reply.id)?.status).toBe('delivered');
  });
});
