import { webApi } from '@slack/bolt';
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

/**
 * A stall the alerts table could not record (the disk full) is said in the alert channel directly. A probe of the real
 * process saw it said twice: the direct post, then 0.4 s after the disk came back a new "The inbound relay is stalled"
 * post (the alert, recorded at last), resolved 10 s later, while the first post never got an end.
 */

const CHANNEL = 'C0ALERTS01';
const DISK_FULL = 'the database cannot be written: the database or its disk is full';
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

/** Recording an alert needs a page more than the database may have, as on a full disk (SQLITE_FULL). */
function fillDisk() {
  temp.db.exec(`CREATE TABLE disk_filler (x BLOB);
    CREATE TRIGGER alert_needs_space AFTER INSERT ON alerts BEGIN INSERT INTO disk_filler VALUES (randomblob(65536)); END`);
  const pages = temp.db.pragma('page_count', { simple: true }) as number;
  temp.db.pragma(`max_page_count = ${pages + 4}`);
  return () => temp.db.pragma('max_page_count = 1073741823');
}

describe('a relay stall said directly while the database could not record it', () => {
  it('is taken over by the relay_stalled alert once it can be recorded: one post, edited, and ended in its thread', async () => {
    const client = new webApi.WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
    const logger = createLogger({ level: 'silent' });
    const records = createAlertsRepository(temp.db);
    const alerts = createAlerts({
      alerts: records,
      notifier: { alert: createAlertPosts({ slack: client, channel: CHANNEL }) },
      logger,
    });
    const freeDisk = fillDisk();
    let problems = [DISK_FULL];
    stop = startRelayWatchdog({
      probeWrite: () => {},
      health: () => ({ problems, unreachable: [], db: { writable: false, reason: null }, workers: [] }),
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
    }).stop;

    const topLevel = () => slack.callsTo('chat.postMessage').filter((c) => !c.error && !c.args.thread_ts);
    const direct = await waitUntil(() => topLevel()[0], 5_000, 'the stall said directly');
    expect(String(direct.args.text)).toContain('stalled');
    const ts = direct.result?.ts;

    // The disk has room again while the stall's reasons still stand (a failed write counts for 10 s).
    freeDisk();
    await waitUntil(() => records.findOpen('relay_stalled', 'relay'), 5_000, 'the alert recorded');
    await waitUntil(() => slack.callsTo('chat.update').length > 0 || topLevel().length > 1, 5_000, 'the alert shown in Slack');
    expect(topLevel(), 'a second stall post').toHaveLength(1);
    problems = [];
    await waitUntil(() => !records.findOpen('relay_stalled', 'relay'), 5_000, 'resolved');
    await waitUntil(() => slack.callsTo('chat.postMessage').some((c) => c.args.thread_ts === ts), 5_000, 'its end said');

    expect(topLevel()).toHaveLength(1);
    expect(slack.callsTo('chat.update').map((c) => c.args.ts)).toEqual(slack.callsTo('chat.update').map(() => ts));
    expect(slack.callsTo('chat.postMessage').map((c) => String(c.args.text))).not.toContainEqual(
      expect.stringContaining('works again'),
    );
  });
});
