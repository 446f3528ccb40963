import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SLACK_QUEUE_DESTINATION } from '../../src/core/model/delivery.js';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrate.js';
import { createRepositories } from '../../src/store/openStore.js';
import { newInboundMessage } from '../helpers/inboundMessage.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

let temp: TempDb | undefined;
afterEach(() => temp?.cleanup());

const PBX = { kind: 'portsip' as const, destination: 'https://pbx.example.com/emc/x' };
const message = (from: string, to = '14155550100') => newInboundMessage({ fromNumber: from, toNumber: to });

describe("the Slack leg's queue", () => {
  it('gives messages their Slack delivery in arrival order, in the channel named at their turn, and counts what waits', () => {
    temp = createTempDb();
    const repos = createRepositories(temp.db, temp.clock.now);
    const storedAt = temp.clock.now();
    const ids = ['447400000001', '447400000002', '447400000001', '447400000003'].map(
      (from, i) => repos.inbound.insertWithDeliveries(message(from, i === 3 ? '14155550199' : '14155550100'), [PBX]).id,
    );
    // Stored with its PortSIP delivery only.
    expect(ids.map((id) => repos.deliveries.forMessage(id).map((d) => d.destinationKind))).toEqual(ids.map(() => ['portsip']));
    expect(ids.map((id) => repos.slackQueue.isQueued(id))).toEqual([true, true, true, true]);
    temp.clock.advance(60_000);
    const backlog = repos.deliveries.backlog().find((b) => b.destination === SLACK_QUEUE_DESTINATION);
    expect(backlog).toEqual({
      destinationKind: 'slack',
      destination: SLACK_QUEUE_DESTINATION,
      pending: 4,
      oldestPendingCreatedAt: storedAt,
      dead: 0,
      lastDeliveredAt: null,
    });

    // The channel is asked at the message's turn; a number with no channel leaves the queue without a delivery.
    const asked: string[] = [];
    const channelOf = (to: string) => {
      asked.push(to);
      return to === '14155550199' ? null : 'C0INBOX001';
    };
    expect(repos.slackQueue.take(2, channelOf)).toBe(2);
    expect(repos.slackQueue.waiting()).toEqual({ count: 2, oldestIngestedAt: storedAt });
    expect(repos.slackQueue.take(10, channelOf)).toBe(2);
    expect(asked).toEqual(['14155550100', '14155550100', '14155550100', '14155550199']);
    expect(repos.slackQueue.waiting()).toBeNull();
    expect(repos.slackQueue.take(10, channelOf)).toBe(0);
    expect(repos.deliveries.backlog().some((b) => b.destination === SLACK_QUEUE_DESTINATION)).toBe(false);

    const slack = ids.map((id) => repos.deliveries.forMessage(id).find((d) => d.destinationKind === 'slack'));
    expect(slack.map((d) => d?.destination ?? null)).toEqual(['C0INBOX001', 'C0INBOX001', 'C0INBOX001', null]);
    // Due now, ordered by id within a conversation; its age counts from when the message was stored, its retry
    // window from its turn.
    expect(slack[0]).toMatchObject({ status: 'pending', conversationKey: '447400000001→14155550100', createdAt: storedAt });
    expect(slack[0]?.retryWindowStartedAt).toBe(storedAt + 60_000);
    expect((slack[2]?.id ?? 0) > (slack[0]?.id ?? 0)).toBe(true);
    expect(ids.map((id) => repos.slackQueue.isQueued(id))).toEqual([false, false, false, false]);
  });

  it('keeps the Slack delivery a message already had (stored before the queue existed): migrated past it, never posted twice', () => {
    temp = createTempDb();
    // A database at migration 027, with a message and its Slack delivery stored then.
    const dir = join(temp.dir, 'migrations-027');
    mkdirSync(dir);
    for (const file of readdirSync(DEFAULT_MIGRATIONS_DIR).filter((f) => f.endsWith('.sql') && f < '028'))
      copyFileSync(join(DEFAULT_MIGRATIONS_DIR, file), join(dir, file));
    const old = new Database(join(temp.dir, 'old.db'));
    migrate(old, dir, temp.clock.now);
    old
      .prepare(`INSERT INTO inbound_messages (wavix_message_id, from_number, to_number, message_type, text, received_at_text,
        ingested_at, content_type, raw_body) VALUES ('before', '447400000001', '14155550100', 'sms', 'hi', 'x', 1, 'application/json', x'7b7d')`)
      .run();
    old
      .prepare(`INSERT INTO deliveries (inbound_message_id, destination_kind, destination, conversation_key, next_attempt_at, created_at)
        VALUES (1, 'slack', 'C0INBOX001', '447400000001→14155550100', 1, 1)`)
      .run();
    migrate(old, DEFAULT_MIGRATIONS_DIR, temp.clock.now);
    const repos = createRepositories(old, temp.clock.now);
    expect(repos.slackQueue.isQueued(1)).toBe(false);
    expect(repos.slackQueue.waiting()).toBeNull();
    expect(repos.slackQueue.take(10, () => 'C0INBOX001')).toBe(0);
    const after = repos.inbound.insertWithDeliveries(message('447400000001'), [PBX]).id;
    expect(repos.slackQueue.take(10, () => 'C0INBOX001')).toBe(1);
    expect(repos.deliveries.forMessage(1).filter((d) => d.destinationKind === 'slack')).toHaveLength(1);
    expect(repos.deliveries.forMessage(after).filter((d) => d.destinationKind === 'slack')).toHaveLength(1);
    old.close();
  });
});
