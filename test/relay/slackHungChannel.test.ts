import { afterEach, describe, expect, it } from 'vitest';
import {
  postInbound,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

/**
 * One Slack channel whose posts are never answered, beside a healthy one: the relay's Slack leg coalesces due SMS of
 * several channels in one send. The hung call must fail on its own (its channel retried), and what the healthy channel
 * got must stay posted once: it was posted three times, and its conversation held, while the hung call ran the whole
 * send into the relay's attempt timeout.
 */

const INBOX = 'C0INBOX001';
const HUNG = 'C0HUNG0001';
let t: SmsopsUnderTest | undefined;
let sink: WebhookSink | undefined;
let release = () => {};

afterEach(async () => {
  release();
  if (t) await stopCheckingSecrets(t);
  await sink?.close();
  t = undefined;
  sink = undefined;
});

async function post(smsops: SmsopsUnderTest, from: string, to: string, text: string) {
  expect((await postInbound(smsops, { from, to, text })).status).toBe(200);
}

describe('a Slack channel that never answers (in-process, real HTTP and SQLite)', () => {
  it('fails only its own posts, on the Slack call timeout, and posts the healthy channel once', { timeout: 60_000 }, async () => {
    sink = await startWebhookSink();
    // An attempt may run 6 s from its call (3/4 of the lease); the relay's Slack client gives up on a call after 3 s.
    t = await startSmsopsUnderTest({
      PORTSIP_WEBHOOK_URL: `${sink.url}/emc/inbound`,
      PORTSIP_DEADLINE_MS: '2000',
      RELAY_LEASE_MS: '8000',
      RELAY_RETRY_BASE_MS: '200',
      SLACK_RELAY_PACE_MS: '0',
      SLACK_INBOX_CHANNEL: INBOX,
    });
    const smsops = t;
    expect(readable((await runCommand(smsops, `route set +1 202 556 1000 ${sink.url}/emc/hung <#${HUNG}>`)).body)).toContain(
      'Route saved',
    );
    release = smsops.fakeSlack.hang('chat.postMessage', (call) => call.args.channel === HUNG);

    // The hung channel's first post is out (and hangs) while the healthy conversation arrives, then another one for
    // the hung channel: the next send posts the inbox first, then calls the hung channel.
    await post(smsops, '447400000002', '12025561000', 'to the hung channel 1');
    await waitUntil(() => smsops.fakeSlack.callsTo('chat.postMessage').length > 0, 5_000, 'the hung post');
    for (const n of [1, 2, 3]) await post(smsops, '447400000001', '14155550100', `to the inbox ${n}`);
    await post(smsops, '447400000003', '12025561000', 'to the hung channel 2');

    const shownInInbox = () =>
      smsops.fakeSlack
        .callsTo('chat.postMessage')
        .filter((c) => c.args.channel === INBOX && !c.error)
        // Once per post (a post says its SMS in its blocks and in its notification text).
        .flatMap((c) => [...new Set([...readable(c.args).matchAll(/to the inbox \d/g)].map((m) => m[0]))]);
    const rows = () =>
      smsops.db
        .prepare(
          `SELECT m.text, d.status, d.attempts, d.last_error AS lastError FROM deliveries d
           JOIN inbound_messages m ON m.id = d.inbound_message_id
           WHERE d.destination_kind = 'slack' ORDER BY d.id`,
        )
        .all() as Array<{ text: string; status: string; attempts: number; lastError: string | null }>;
    const hungRows = () => rows().filter((r) => r.text.startsWith('to the hung channel'));

    const inboxRows = () => rows().filter((r) => r.text.startsWith('to the inbox'));
    await waitUntil(
      () =>
        inboxRows().length === 3 &&
        inboxRows().every((r) => r.status === 'delivered') &&
        hungRows()[0]?.lastError !== null &&
        (hungRows()[0]?.attempts ?? 0) >= 2,
      30_000,
      () => `inbox ${JSON.stringify(shownInInbox())}; rows ${JSON.stringify(rows())}`,
    );
    // Several sends have run through the hang meanwhile, each with the hung channel's post in it.
    expect(shownInInbox().sort()).toEqual(['to the inbox 1', 'to the inbox 2', 'to the inbox 3']);
    expect(inboxRows()).toEqual([
      { text: 'to the inbox 1', status: 'delivered', attempts: 1, lastError: null },
      { text: 'to the inbox 2', status: 'delivered', attempts: 1, lastError: null },
      { text: 'to the inbox 3', status: 'delivered', attempts: 1, lastError: null },
    ]);
    // Ended by the Slack client's own timeout, not by the relay giving up on the whole send.
    expect(hungRows()[0]?.lastError).toBe('Slack did not answer in time');
    expect(hungRows().map((r) => r.status)).not.toContain('delivered');

    release();
    await waitUntil(
      () => hungRows().every((r) => r.status === 'delivered'),
      30_000,
      () => `rows ${JSON.stringify(rows())}`,
    );
    expect(shownInInbox()).toHaveLength(3);
  });
});
