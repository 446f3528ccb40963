import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAlerts } from '../../../src/core/alerts.js';
import { createLogger } from '../../../src/log.js';
import { createAlertPosts } from '../../../src/slack/notifier/alertPosts.js';
import { createAlertsRepository } from '../../../src/store/repositories/alerts.js';
import { type FakeSlack, startFakeSlack } from '../../helpers/fakeSlack.js';
import { createTempDb, type TempDb } from '../../helpers/tempDb.js';

/**
 * Someone tidying the alert channel deletes an open alert's message. Slack then answers `message_not_found` to every
 * edit of it: the alert's change and its end must still be told in the channel, once, and not owed for ever.
 */

const CHANNEL = 'C0ALERTS01';
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

function alertsOnFakeSlack() {
  const posts = createAlertPosts({
    slack: new webApi.WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 } }),
    channel: CHANNEL,
    now: t.clock.now,
  });
  return createAlerts({
    alerts: createAlertsRepository(t.db, t.clock.now),
    notifier: { alert: posts },
    logger: createLogger({ level: 'silent', sink: () => {} }),
    now: t.clock.now,
  });
}

const failing = (failed: number) => ({
  rule: 'failure_rate' as const,
  subjectKey: '14155550100',
  severity: 'warning' as const,
  facts: { number: '14155550100', failed, finished: 100, topFailure: null, thresholdPct: 20 },
});

describe('an alert whose message was deleted in Slack', () => {
  it('is posted anew when it changes, and its end is said, instead of editing the deleted message for ever', async () => {
    const alerts = alertsOnFakeSlack();
    await alerts.raise(failing(40));
    const deleted = slack.callsTo('chat.postMessage')[0]?.result?.ts as string;
    const gone = (call: { args: Record<string, unknown> }) => call.args.ts === deleted || call.args.thread_ts === deleted;
    slack.handle('chat.update', (call) => (gone(call) ? { ok: false, error: 'message_not_found' } : { ts: call.args.ts }));
    slack.handle('chat.postMessage', (call) =>
      gone(call) ? { ok: false, error: 'thread_not_found' } : { ts: slack.nextTs(), channel: call.args.channel },
    );

    expect(await alerts.raise(failing(60))).toEqual([]);
    const reposted = slack.callsTo('chat.postMessage').filter((c) => !c.error && !c.args.thread_ts && c.result?.ts !== deleted);
    expect(reposted).toHaveLength(1);
    expect(alerts.notShown()).toBeUndefined();

    expect(await alerts.resolve('failure_rate', '14155550100')).toEqual([]);
    expect(alerts.notShown()).toBeUndefined();
    const newTs = reposted[0]?.result?.ts;
    expect(slack.callsTo('chat.postMessage').filter((c) => !c.error && c.args.thread_ts === newTs)).toHaveLength(1);
  });

  it('says its end in one new post when it ends after its message was deleted', async () => {
    const alerts = alertsOnFakeSlack();
    await alerts.raise(failing(40));
    const deleted = slack.callsTo('chat.postMessage')[0]?.result?.ts as string;
    slack.handle('chat.update', (call) =>
      call.args.ts === deleted ? { ok: false, error: 'message_not_found' } : { ts: call.args.ts },
    );

    expect(await alerts.resolve('failure_rate', '14155550100')).toEqual([]);
    expect(alerts.notShown()).toBeUndefined();
    const posts = slack.callsTo('chat.postMessage');
    expect(posts).toHaveLength(2);
    expect(JSON.stringify(posts[1]?.args)).toContain('Resolved');
  });
});

describe('a muted or snoozed alert whose message was deleted in Slack', () => {
  function rig() {
    const repo = createAlertsRepository(t.db, t.clock.now);
    const posts = createAlertPosts({
      slack: new webApi.WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 } }),
      channel: CHANNEL,
      now: t.clock.now,
    });
    const alerts = createAlerts({
      alerts: repo,
      notifier: { alert: posts },
      logger: createLogger({ level: 'silent', sink: () => {} }),
      now: t.clock.now,
    });
    return { repo, alerts };
  }
  const deleteFirstPost = () => {
    const deleted = slack.callsTo('chat.postMessage')[0]?.result?.ts as string;
    const gone = (call: { args: Record<string, unknown> }) => call.args.ts === deleted || call.args.thread_ts === deleted;
    slack.handle('chat.update', (call) => (gone(call) ? { ok: false, error: 'message_not_found' } : { ts: call.args.ts }));
    slack.handle('chat.postMessage', (call) =>
      gone(call) ? { ok: false, error: 'thread_not_found' } : { ts: slack.nextTs(), channel: call.args.channel },
    );
  };
  const topLevelPosts = () => slack.callsTo('chat.postMessage').filter((c) => !c.error && !c.args.thread_ts);

  it('is not posted anew in the channel while muted, through its changes and its end, and nothing stays owed', async () => {
    const { repo, alerts } = rig();
    await alerts.raise(failing(40));
    const alert = repo.findOpen('failure_rate', '14155550100');
    if (!alert) throw new Error('not raised');
    deleteFirstPost();

    repo.mute('failure_rate', 'U0ADMIN01');
    await alerts.refresh(alert.id);
    expect(await alerts.raise(failing(60))).toEqual([]);
    expect(topLevelPosts()).toHaveLength(1);
    expect(await alerts.resolve('failure_rate', '14155550100')).toEqual([]);
    expect(topLevelPosts()).toHaveLength(1);
    expect(alerts.notShown()).toBeUndefined();
    // Owed nothing: later evaluations make no call about it.
    const calls = slack.calls.length;
    await alerts.resolveAllBut('failure_rate', []);
    expect(slack.calls.length).toBe(calls);
  });

  it('is not posted anew when snoozed, and is posted anew once unmuted while it still fires', async () => {
    const { repo, alerts } = rig();
    await alerts.raise(failing(40));
    const alert = repo.findOpen('failure_rate', '14155550100');
    if (!alert) throw new Error('not raised');
    deleteFirstPost();

    repo.snooze('failure_rate', '14155550100', t.clock.now() + 3_600_000, 'U0ONCALL1');
    await alerts.refresh(alert.id);
    expect(topLevelPosts()).toHaveLength(1);

    repo.mute('failure_rate', 'U0ADMIN01');
    repo.unmute('failure_rate');
    repo.snooze('failure_rate', '14155550100', t.clock.now() - 1, 'U0ONCALL1');
    t.clock.advance(1_000);
    await alerts.raise(failing(40));
    expect(topLevelPosts()).toHaveLength(2);
  });
});
