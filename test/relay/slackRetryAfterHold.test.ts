import { describe, expect, it } from 'vitest';
import { postInbound, type SmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { useSmsopsWithSink } from '../helpers/smsopsWithSink.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * Slack's Retry-After holds the channel's posts, not only the conversation whose post was answered 429: a probe saw
 * each new conversation during the hour make its own chat.postMessage, each answered 429 again.
 */
const INBOX = 'C0INBOX0001';

const rig = useSmsopsWithSink({ portsipPath: '/pbx' });
let t: SmsopsUnderTest;

type SlackRow = { status: string; lastError: string | null; nextAttemptAt: number };
const slackRow = (wavixId: string) =>
  t.db
    .prepare(`
      SELECT d.status, d.last_error AS lastError, d.next_attempt_at AS nextAttemptAt
      FROM deliveries d JOIN inbound_messages m ON m.id = d.inbound_message_id
      WHERE m.wavix_message_id = ? AND d.destination_kind = 'slack'`)
    .get(wavixId) as SlackRow | undefined;

describe("Slack's Retry-After on relayed SMS posts", () => {
  it('holds every post to the channel for the wait: new conversations wait as pending, with no call, and PortSIP goes on', async () => {
    const running = await rig.start({
      SLACK_INBOX_CHANNEL: INBOX,
      RELAY_RETRY_BASE_MS: '20',
      SLACK_RELAY_PACE_MS: '0',
    });
    t = running.t;
    const { sink } = running;
    t.fakeSlack.rateLimit('chat.postMessage', 3_600, 50);
    const relayPosts = () => t.fakeSlack.callsTo('chat.postMessage').filter((c) => c.args.channel === INBOX);

    await postInbound(t, { message_id: 'hold-0', from: '447400000100' });
    await waitUntil(() => relayPosts().length >= 1, 5_000, 'the post answered 429');
    // One new conversation after another, each given the time to be posted (coalescing would hide extra calls).
    for (let i = 1; i <= 5; i++) {
      const id = `hold-${i}`;
      await postInbound(t, { message_id: id, from: `44740000010${i}` });
      await waitUntil(() => slackRow(id)?.lastError, 5_000, `${id} waiting`);
    }

    expect(relayPosts()).toHaveLength(1);
    expect(relayPosts()[0]?.rateLimited).toBe(true);
    // Pending, due after the wait (less what has passed of it): stored and posted once it ends.
    const due = Date.now() + 3_500_000;
    for (let i = 0; i <= 5; i++)
      expect(slackRow(`hold-${i}`)).toEqual({
        status: 'pending',
        lastError: expect.any(String),
        nextAttemptAt: expect.any(Number),
      });
    for (let i = 0; i <= 5; i++) expect(slackRow(`hold-${i}`)?.nextAttemptAt).toBeGreaterThan(due);
    expect(slackRow('hold-3')?.lastError).toBe("Slack rate limit: not posted, waiting out Slack's Retry-After for this channel");
    await waitUntil(() => sink.received.length >= 6, 5_000, 'every SMS at PortSIP');
  }, 30_000);
});
