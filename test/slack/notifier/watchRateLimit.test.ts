import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config.js';
import { createAlerts } from '../../../src/core/alerts.js';
import { createLogger } from '../../../src/log.js';
import { createWatchSlackClient } from '../../../src/slack/app.js';
import { createAlertPosts } from '../../../src/slack/notifier/alertPosts.js';
import { createAlertsRepository } from '../../../src/store/repositories/alerts.js';
import { type FakeSlack, startFakeSlack } from '../../helpers/fakeSlack.js';
import { createTempDb, type TempDb } from '../../helpers/tempDb.js';
import { waitUntil } from '../../helpers/waitUntil.js';

/**
 * The watch's Slack client (alerts, announcements, digests) and a 429 with a huge Retry-After, as a misbehaving proxy
 * sends it: the client pauses all its calls for the Retry-After, so one such answer held every alert after it for 28
 * hours, said only at info level. The wait is capped (1 s here, a minute in production) and said in a warning.
 */

const CHANNEL = 'C0ALERTS01';
const TOKEN = 'xoxb-watch-secret-token-0123456789';
let t: TempDb;
let slack: FakeSlack;

beforeEach(async () => {
  t = createTempDb();
  slack = await startFakeSlack();
});
afterEach(async () => {
  await slack.close();
  t.cleanup();
});

const failing = (number: string) => ({
  rule: 'failure_rate' as const,
  subjectKey: number,
  severity: 'warning' as const,
  facts: { number, failed: 40, finished: 100, topFailure: null, thresholdPct: 20 },
});

describe("the watch's Slack client rate-limited for a day", () => {
  it('waits at most its cap, posts every alert, and warns naming the method, never the token', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', sink: (line) => lines.push(line) });
    const client = createWatchSlackClient(
      { botToken: TOKEN, apiUrl: slack.url } as Config['slack'],
      logger,
      { retries: 2, minTimeout: 10, maxTimeout: 10 },
      1,
    );
    const repository = createAlertsRepository(t.db, t.clock.now);
    const alerts = createAlerts({
      alerts: repository,
      notifier: { alert: createAlertPosts({ slack: client, channel: CHANNEL, now: t.clock.now }) },
      logger,
    });
    slack.rateLimit('chat.postMessage', 100_000, 1);

    // Two alerts at once: the second one waits behind the first one's 429 in the client's queue.
    void alerts.raise(failing('14155550100'));
    void alerts.raise(failing('14155550101'));
    await waitUntil(
      () => repository.open().every((a) => a.slackTs !== null) && repository.open().length === 2,
      15_000,
      () => `alerts ${JSON.stringify(repository.open())}; calls ${slack.calls.length}`,
    );
    const posted = slack.callsTo('chat.postMessage').filter((c) => !c.rateLimited);
    expect(posted.map((c) => String(c.args.text)).sort()).toEqual([
      expect.stringContaining('+1 415 555 0100'),
      expect.stringContaining('+1 415 555 0101'),
    ]);
    const warnings = lines.map((line) => JSON.parse(line)).filter((l) => l.level === 'warn');
    expect(warnings).toContainEqual(
      expect.objectContaining({
        component: 'slack-watch',
        msg: expect.stringContaining('rate-limited'),
        method: 'chat.postMessage',
        retryAfterSeconds: 100_000,
        waitSeconds: 1,
      }),
    );
    expect(lines.join('\n')).not.toContain(TOKEN);
  });
});

describe("the watch's Slack client when Slack does not answer", () => {
  it('tries a post that timed out once (it may have been posted), and records the alerts after it without asking Slack', async () => {
    const logger = createLogger({ level: 'silent' });
    const client = createWatchSlackClient(
      { botToken: TOKEN, apiUrl: slack.url } as Config['slack'],
      logger,
      { retries: 3, minTimeout: 10, maxTimeout: 10 },
      1,
      undefined,
      300, // the call's timeout (30 s in production)
    );
    const repository = createAlertsRepository(t.db, t.clock.now);
    const alerts = createAlerts({
      alerts: repository,
      notifier: { alert: createAlertPosts({ slack: client, channel: CHANNEL, now: t.clock.now }) },
      logger,
      now: t.clock.now,
    });
    const release = slack.hang('chat.postMessage');
    try {
      expect(await alerts.raise(failing('14155550100'))).toEqual([expect.objectContaining({ reason: 'no_answer' })]);
      expect(slack.callsTo('chat.postMessage')).toHaveLength(1); // not retried: no second copy, no 2 minutes held
      // The run's next verdicts are recorded at once, Slack not asked while it has just not answered.
      expect(await alerts.raise(failing('14155550101'))).toEqual([expect.objectContaining({ reason: 'no_answer' })]);
      expect(repository.open()).toHaveLength(2);
      expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    } finally {
      release();
    }
    t.clock.advance(61_000);
    await alerts.resolveAllBut('config_drift', []); // an evaluation a minute on posts both
    expect(repository.open().every((a) => a.slackTs !== null)).toBe(true);
  });
});
