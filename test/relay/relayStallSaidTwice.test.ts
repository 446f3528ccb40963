import { webApi } from '@slack/bolt';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAlerts } from '../../src/core/alerts.js';
import { createLogger } from '../../src/log.js';
import { startRelayWatchdog } from '../../src/relay/relayWatchdog.js';
import { createAlertPosts } from '../../src/slack/notifier/alertPosts.js';
import { createAlertsRepository } from '../../src/store/repositories/alerts.js';
import { createWriteHealth } from '../../src/store/writeHealth.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fakeSlack.js';
import { slackAnnouncements } from '../helpers/slackAnnouncements.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';
import { waitUntil } from '../helpers/waitUntil.js';

const CHANNEL = 'C0ALERTS01';
let temp: TempDb;
let slack: FakeSlack;
let stop: (() => void) | undefined;

beforeEach(async () => {
  temp = createTempDb();
  slack = await startFakeSlack();
});
afterEach(async () => {
  stop?.();
  stop = undefined;
  await slack.close();
  temp.cleanup();
});

const topLevel = () => slack.callsTo('chat.postMessage').filter((c) => !c.error && !c.args.thread_ts);

/**
 * The relay watchdog over the real file and the fake Slack, its health reading `problems()` (a stall while it holds
 * any); the database's write lock waits 50 ms, as another process holding it would make it fail.
 */
function startStallWatch(
  problems: () => string[],
  options: { writable?: boolean; announceRetryMs?: number; muted?: boolean } = {},
) {
  const client = new webApi.WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
  const logger = createLogger({ level: 'silent' });
  const records = createAlertsRepository(temp.db);
  if (options.muted) records.mute('relay_stalled', 'U0ADMIN01');
  const alerts = createAlerts({
    alerts: records,
    notifier: { alert: createAlertPosts({ slack: client, channel: CHANNEL }) },
    logger,
  });
  temp.db.pragma('busy_timeout = 50');
  const db = options.writable === false ? { writable: false, reason: 'locked' } : { writable: true, reason: null };
  stop = startRelayWatchdog({
    probeWrite: () => {},
    health: () => ({ problems: problems(), unreachable: [], db, workers: [] }),
    writeHealth: createWriteHealth(),
    alerts,
    openAlert: false,
    stallAlertAfterMs: 0,
    notifier: slackAnnouncements(client, CHANNEL),
    alertRecords: records,
    transaction: (work) => temp.db.transaction(work)(),
    intervalMs: 20,
    logger,
    now: Date.now,
    ...(options.announceRetryMs === undefined ? {} : { announceRetryMs: options.announceRetryMs }),
  }).stop;
  return records;
}

/**
 * The relay's stall is said directly in the channel when its alert cannot be recorded, and that post is taken over by
 * the alert once it can. With the alert already posted, another process holding the write lock for a second had the
 * stall said again in a post of its own ("This alert cannot be recorded…"), never taken over nor ended: the channel
 * read a stall after the alert's own message said it was resolved.
 */
describe('a relay stall already posted as its alert, then the database locked', () => {
  it('is not said again in a post of its own that never ends', async () => {
    let problems = ['a relay worker has not turned for 40 s'];
    const records = startStallWatch(() => problems);
    await waitUntil(() => records.findOpen('relay_stalled', 'relay')?.slackTs, 5_000, 'the alert posted');
    // Another process (a backup tool, a second smsops) takes the write lock; the reasons change meanwhile.
    const other = new Database(temp.path);
    other.exec('BEGIN IMMEDIATE');
    problems = ['a relay worker has not turned for 41 s', 'the database cannot be written: locked'];
    await new Promise((r) => setTimeout(r, 1_000));
    other.exec('COMMIT');
    other.close();
    await new Promise((r) => setTimeout(r, 500));
    problems = [];
    await waitUntil(() => !records.findOpen('relay_stalled', 'relay'), 5_000, 'resolved');
    await new Promise((r) => setTimeout(r, 500));

    expect(topLevel()).toHaveLength(1);
    // The alert's own message told the new reasons once the database took writes again.
    expect(slack.callsTo('chat.update').map((c) => JSON.stringify(c.args.blocks))).toContainEqual(
      expect.stringContaining('the database cannot be written: locked'),
    );
  });

  it.each([
    ['lasts after the lock', false],
    ['ends while the lock is held', true],
  ])(
    'is said directly when its alert was recorded but never posted (Slack down), then the database locked: a stall that %s',
    async (_, endsWhileLocked) => {
      // Slack refuses every post while the stall begins: the alert is recorded, its post owed.
      slack.handle('chat.postMessage', () => ({ ok: false, error: 'internal_error' }));
      let problems = ['a relay worker has not turned for 40 s'];
      const records = startStallWatch(() => problems);
      await waitUntil(() => records.findOpen('relay_stalled', 'relay'), 5_000, 'the alert recorded');
      await waitUntil(() => slack.callsTo('chat.postMessage').length > 0, 5_000, 'its post tried');
      // Another process takes the write lock for long; Slack answers again meanwhile.
      const other = new Database(temp.path);
      other.exec('BEGIN IMMEDIATE');
      problems = ['a relay worker has not turned for 41 s', 'the database cannot be written: locked'];
      slack.handle('chat.postMessage', undefined);
      try {
        await new Promise((r) => setTimeout(r, 1_000));
        // The channel hears of the stall while the lock lasts, not only once it is gone.
        expect(topLevel().map((c) => String(c.args.text))).toContainEqual(expect.stringContaining('relay'));
        if (endsWhileLocked) {
          problems = [];
          await new Promise((r) => setTimeout(r, 300));
        }
      } finally {
        other.exec('COMMIT');
        other.close();
      }
      problems = [];
      await waitUntil(() => !records.findOpen('relay_stalled', 'relay'), 5_000, 'resolved');
      await new Promise((r) => setTimeout(r, 500));
      // One stall post, and its end edited into it: not a second post, nor a stall left standing beside the alert.
      const posts = topLevel();
      expect(posts).toHaveLength(1);
      const ts = (posts[0]?.result as { ts?: string } | undefined)?.ts;
      const edits = slack.callsTo('chat.update').filter((c) => !c.error);
      expect(edits.at(-1)?.args.ts).toBe(ts);
      expect(JSON.stringify(edits.at(-1)?.args)).toMatch(/[Rr]esolved/);
    },
  );

  it('is not said directly while its rule is muted, the database locked', async () => {
    let problems = ['a relay worker has not turned for 40 s'];
    const records = startStallWatch(() => problems, { muted: true });
    await waitUntil(() => records.findOpen('relay_stalled', 'relay'), 5_000, 'the alert recorded');
    const other = new Database(temp.path);
    other.exec('BEGIN IMMEDIATE');
    problems = ['a relay worker has not turned for 41 s', 'the database cannot be written: locked'];
    await new Promise((r) => setTimeout(r, 500));
    other.exec('COMMIT');
    other.close();
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('is said directly once Slack answers again, when its first direct post failed with the database locked', async () => {
    slack.handle('chat.postMessage', () => ({ ok: false, error: 'internal_error' }));
    const other = new Database(temp.path);
    other.exec('BEGIN IMMEDIATE');
    let problems = ['the database cannot be written: locked'];
    startStallWatch(() => problems, { writable: false, announceRetryMs: 200 });
    try {
      await waitUntil(() => slack.callsTo('chat.postMessage').length > 0, 5_000, 'the direct post tried');
      slack.handle('chat.postMessage', undefined);
      await new Promise((r) => setTimeout(r, 1_000));
      // Slack answers again while the lock lasts: the stall is said then, not only once the lock is gone.
      expect(topLevel()).toHaveLength(1);
      // Over before the lock is: its end said in the channel too, once.
      problems = [];
      await waitUntil(() => topLevel().length > 1, 5_000, 'works again');
      await new Promise((r) => setTimeout(r, 300));
      expect(topLevel().map((c) => String(c.args.text))).toEqual([
        expect.stringContaining('relay'),
        expect.stringContaining('works again'),
      ]);
    } finally {
      other.exec('COMMIT');
      other.close();
    }
  });
});
