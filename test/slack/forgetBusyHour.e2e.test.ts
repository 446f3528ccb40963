import { describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { pressForAnswer } from '../helpers/buttonPress.js';
import { REPLY_THREAD } from '../helpers/replyThreads.js';
import { ADMIN, postInbound, runCommand, type SmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { useSmsopsWithSink } from '../helpers/smsopsWithSink.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * `/sms forget` counts the traffic of the hours the customer's SMS were in again without them. The current hour of a
 * busy relay holds 100,000s of messages: counted in one statement, Remove held the event loop (so every webhook's
 * answer) for 350 ms and more; it is counted a page at a time. Their SMS are found through an index on their number,
 * not by reading every message stored.
 */

const { customer: CUSTOMER, inbox: INBOX, replier: REPLIER, ourNumber: OUR_NUMBER } = REPLY_THREAD;
const HOUR = 3_600_000;
const OTHERS = 200_000;

const rig = useSmsopsWithSink({
  portsipPath: '/emc/forget-busy',
  env: { SLACK_INBOX_CHANNEL: INBOX, SLACK_RELAY_PACE_MS: '0', RELAY_RETRY_BASE_MS: '60000' },
});

const count = (s: SmsopsUnderTest, sql: string, ...args: unknown[]) =>
  s.db
    .prepare(sql)
    .pluck()
    .get(...args) as number;

/** Other customers' SMS in this hour, relayed to PortSIP and posted (the relay has nothing left to do with them). */
function busyHour(s: SmsopsUnderTest): void {
  const now = Date.now();
  const hourStart = Math.floor(now / HOUR) * HOUR;
  s.db.transaction(() => {
    s.db
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @count)
         INSERT INTO inbound_messages (wavix_message_id, from_number, to_number, message_type, text, received_at_text,
           received_at, ingested_at, content_type, raw_body)
         SELECT 'busy-' || i, '4479111' || printf('%05d', i % 5000), @to, 'sms', 'hi', '', NULL,
           @from + i % @span, 'application/json', x'7b7d' FROM n`,
      )
      .run({ count: OTHERS, to: OUR_NUMBER, from: hourStart, span: now - hourStart + 1 });
    s.db
      .prepare(
        `INSERT INTO deliveries (inbound_message_id, destination_kind, destination, conversation_key, status, attempts,
           next_attempt_at, created_at, delivered_at)
         SELECT id, 'portsip', 'https://pbx.example.com:8887/emc/busy', from_number || '>' || to_number, 'delivered', 1,
           ingested_at, ingested_at, ingested_at FROM inbound_messages WHERE wavix_message_id LIKE 'busy-%'`,
      )
      .run();
    s.db.prepare('UPDATE slack_queue SET through_message_id = (SELECT max(id) FROM inbound_messages) WHERE id = 1').run();
  })();
  // A text to them that failed, Wavix's words quoting their number.
  s.db
    .prepare(`INSERT INTO outbound_messages (wavix_message_id, from_number, to_number, status, error_message, submitted_at,
      updated_at) VALUES ('out-forget-busy', ?, ?, 'undelivered', ?, ?, ?)`)
    .run(OUR_NUMBER, CUSTOMER, `Handset +${CUSTOMER} unreachable`, now, now);
}

/**
 * The longest the event loop was held while `work` ran, as the CPU time between two of its turns: the wall time
 * of a hold also counts the other processes of a busy machine, the CPU time only smsops' own work. Webhooks are
 * posted every 20 ms meanwhile, each to be answered.
 */
async function longestHoldDuring(s: SmsopsUnderTest, work: () => Promise<unknown>): Promise<number> {
  let longest = 0;
  let on = true;
  let last = process.cpuUsage();
  const turn = () => {
    const spent = process.cpuUsage(last);
    longest = Math.max(longest, (spent.user + spent.system) / 1000);
    last = process.cpuUsage();
    if (on) setImmediate(turn);
  };
  setImmediate(turn);
  let answered = 0;
  const poster = (async () => {
    while (on) {
      const answer = await postInbound(s, { from: '447700900333', to: OUR_NUMBER, text: 'Meanwhile' });
      expect(answer.status).toBe(200);
      answered += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  await work();
  on = false;
  await poster;
  expect(answered).toBeGreaterThan(0);
  return longest;
}

describe('/sms forget over a busy hour', () => {
  it('answers webhooks while Remove counts an hour of 100,000 SMS again without theirs', async () => {
    const s = (await rig.start()).t;
    s.fakeSlack.setChannelMembers(INBOX, [ADMIN, REPLIER]);
    expect((await postInbound(s, { from: CUSTOMER, to: OUR_NUMBER, text: 'Delete my data please' })).status).toBe(200);
    await waitUntil(
      () =>
        count(s, "SELECT count(*) FROM deliveries WHERE status NOT IN ('delivered', 'dead')") === 0 &&
        count(s, 'SELECT count(*) FROM inbound_messages WHERE id > (SELECT through_message_id FROM slack_queue)') === 0
          ? true
          : undefined,
      10_000,
      'their SMS relayed',
    );
    busyHour(s);
    expect((await runCommand(s, 'traffic 24h')).status).toBe(200);
    expect(count(s, 'SELECT count(*) FROM traffic_failure_reasons WHERE instr(reason, ?) > 0', CUSTOMER)).toBe(1);
    // As smsops' WAL checkpointer leaves it: the seeding's pages in the database file, not waiting in the WAL.
    s.db.pragma('wal_checkpoint(TRUNCATE)');

    const { body } = await runCommand(s, `forget +${CUSTOMER}`);
    const remove = body.blocks
      .flatMap((b: { elements?: Array<{ action_id: string; value: string }> }) => b.elements ?? [])
      .find((e: { action_id: string }) => e.action_id === ACTION.confirmForget)?.value as string;
    let answer = '';
    const longest = await longestHoldDuring(s, async () => {
      answer = await pressForAnswer(s, ACTION.confirmForget, remove, ADMIN);
    });

    expect(answer).toContain('Removed');
    // Counted in one statement, an hour of 200,000 held the loop 160 ms (CPU), and finding their SMS without an index
    // on their number 90 ms (a probe); a page of 2,000 SMS takes a few ms.
    expect(longest).toBeLessThan(60);
    // The figures of the hour, without theirs, by the time Remove answers.
    expect(count(s, 'SELECT count(*) FROM traffic_failure_reasons WHERE instr(reason, ?) > 0', CUSTOMER)).toBe(0);
    expect(count(s, 'SELECT count(*) FROM traffic_stale_hours WHERE hour_start < 0')).toBe(0);
    expect(count(s, 'SELECT coalesce(sum(failed), 0) FROM traffic_hourly')).toBe(0);
  }, 60_000);
});
