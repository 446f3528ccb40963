import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConversationRepliesRepository } from '../../src/core/ports/conversationReplies.js';
import { silentLogger } from '../../src/log.js';
import { createReplyStatusNotifier } from '../../src/slack/notifier/replyStatus.js';
import { createConversationRepliesRepository } from '../../src/store/repositories/conversationReplies.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fakeSlack.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

let tmp: TempDb;
let fakeSlack: FakeSlack;
let replies: ConversationRepliesRepository;

beforeEach(async () => {
  tmp = createTempDb();
  fakeSlack = await startFakeSlack({ enforceLimits: true });
  replies = createConversationRepliesRepository(tmp.db, tmp.clock.now);
});

afterEach(async () => {
  tmp.cleanup();
  await fakeSlack.close();
});

const notifier = () =>
  createReplyStatusNotifier({
    client: new webApi.WebClient('xoxb-test', { slackApiUrl: fakeSlack.url, retryConfig: { retries: 0 } }),
    replies,
    logger: silentLogger,
  });

/** A reply handed to Wavix ("Sending…"). */
const begin = () => {
  const { reply } = replies.begin({
    slackChannel: 'C0INBOX001',
    threadTs: '1700000000.000100',
    slackMessageTs: '1700000000.000200',
    slackUser: 'U0REPLY001',
    fromNumber: '14155550100',
    toNumber: '447400123456',
    textLength: 80,
    segments: 2,
    encoding: 'UCS-2',
  });
  return replies.startSending(reply.id) ?? reply;
};

describe('the reply status line (what onReplyStatusChanged shows)', () => {
  it('is posted once under the reply and edited in place through sent to delivered, even when calls overlap', async () => {
    const shows = notifier();
    const reply = begin();
    // The delivery report's call comes in while "Sending…" is still being posted: still one line.
    const sending = shows.showReplyStatus(reply, '2 segments, UCS-2 because of ’');
    replies.submitted(reply.id, 'msg-1', 'accepted');
    const sent = shows.showReplyStatus(reply.id);
    await Promise.all([sending, sent]);
    const delivered = replies.applyDeliveryStatus('msg-1', 'delivered', null);
    expect(delivered).toBeDefined();
    await shows.showReplyStatus(delivered ?? reply);

    const posts = fakeSlack.callsTo('chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.args).toMatchObject({ channel: 'C0INBOX001', thread_ts: '1700000000.000100' });
    expect(replies.get(reply.id)?.statusTs).toBe(posts[0]?.result?.ts);
    const updates = fakeSlack.callsTo('chat.update');
    expect(updates.every((u) => u.args.ts === posts[0]?.result?.ts)).toBe(true);
    expect(updates.at(-1)?.args.text).toBe('Delivered · Wavix id `msg-1` · 2 segments, UCS-2 because of ’');
  });

  it('posts the line again when someone deleted it in Slack, so "Undelivered" is still read', async () => {
    const shows = notifier();
    const reply = begin();
    replies.submitted(reply.id, 'msg-3', 'accepted');
    await shows.showReplyStatus(reply.id);
    const first = fakeSlack.callsTo('chat.postMessage')[0]?.result?.ts;
    fakeSlack.failNext('chat.update', 'message_not_found');
    const undelivered = replies.applyDeliveryStatus('msg-3', 'undelivered', 'Absent subscriber');
    await shows.showReplyStatus(undelivered ?? reply);
    const posts = fakeSlack.callsTo('chat.postMessage');
    expect(posts).toHaveLength(2);
    expect(posts[1]?.args).toMatchObject({ thread_ts: '1700000000.000100' });
    expect(posts[1]?.args.text).toContain('Undelivered: Absent subscriber');
    expect(replies.get(reply.id)?.statusTs).toBe(posts[1]?.result?.ts);
    expect(posts[1]?.result?.ts).not.toBe(first);
  });

  it('says undelivered with Wavix’s reason and what to do', async () => {
    const shows = notifier();
    const reply = begin();
    replies.submitted(reply.id, 'msg-2', 'accepted');
    await shows.showReplyStatus(reply.id);
    const undelivered = replies.applyDeliveryStatus('msg-2', 'undelivered', 'Absent subscriber');
    await shows.showReplyStatus(undelivered ?? reply);
    expect(fakeSlack.callsTo('chat.update').at(-1)?.args.text).toBe(
      'Undelivered: Absent subscriber · Wavix id `msg-2` · Check the number, or reach the customer another way. · 2 segments, UCS-2',
    );
  });

  it('keeps Wavix’s reason on the one line: its line breaks and direction overrides become spaces, its mrkdwn inert', async () => {
    const shows = notifier();
    const reply = begin();
    replies.submitted(reply.id, 'msg-4', 'accepted');
    await shows.showReplyStatus(reply.id);
    const reason = 'Absent\nsubscriber\r\n> *quoted*\u2028x\u202Eevil <!channel>';
    const undelivered = replies.applyDeliveryStatus('msg-4', 'undelivered', reason);
    await shows.showReplyStatus(undelivered ?? reply);
    expect(fakeSlack.callsTo('chat.update').at(-1)?.args.text).toBe(
      'Undelivered: Absent subscriber  &gt; ＊quoted＊ x evil &lt;!channel&gt; · Wavix id `msg-4` · Check the number, or reach the customer another way. · 2 segments, UCS-2',
    );
  });

  it('posts a new line when Slack did not take the first one, and never throws', async () => {
    const shows = notifier();
    const reply = begin();
    fakeSlack.failNext('chat.postMessage', 'channel_not_found');
    await expect(shows.showReplyStatus(reply)).resolves.toBeUndefined();
    expect(replies.get(reply.id)?.statusTs).toBeNull();
    replies.submitted(reply.id, 'msg-3', 'accepted');
    await shows.showReplyStatus(reply.id);
    expect(fakeSlack.callsTo('chat.postMessage').filter((c) => !c.error)).toHaveLength(1);
    expect(replies.get(reply.id)?.statusTs).not.toBeNull();
  });
});
