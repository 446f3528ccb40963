import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAlerts } from '../../../src/core/alerts.js';
import { createLogger } from '../../../src/log.js';
import { createAlertPosts } from '../../../src/slack/notifier/alertPosts.js';
import { createAlertsRepository } from '../../../src/store/repositories/alerts.js';
import { type FakeSlack, startFakeSlack } from '../../helpers/fakeSlack.js';
import { createTempDb, type TempDb } from '../../helpers/tempDb.js';
import { waitUntil } from '../../helpers/waitUntil.js';

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

function alertsInSlack() {
  return createAlerts({
    alerts: createAlertsRepository(t.db, t.clock.now),
    notifier: {
      alert: createAlertPosts({
        slack: new webApi.WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 } }),
        channel: CHANNEL,
        now: t.clock.now,
      }),
    },
    logger: createLogger({ level: 'silent', sink: () => {} }),
    now: t.clock.now,
  });
}

/** A failure-rate alert on one number: `failed` of 100 SMS. */
const failing = (failed: number, number = '14155550100') => ({
  rule: 'failure_rate' as const,
  subjectKey: number,
  severity: 'warning' as const,
  facts: { number, failed, finished: 100, topFailure: null, thresholdPct: 20 },
});

const alertPosts = () => slack.callsTo('chat.postMessage').filter((c) => !c.error && !c.args.thread_ts);
const textOf = (call: { args: Record<string, unknown> } | undefined) => JSON.stringify(call?.args.blocks ?? '');

describe('one alert raised twice while its first post is on its way', () => {
  it('posts it once and edits that message to the second raise’s facts', async () => {
    const alerts = alertsInSlack();
    const release = slack.hang('chat.postMessage');
    // The traffic watch and a `/sms jobs run` overlapping it judge the same number at the same moment.
    const first = alerts.raise(failing(40));
    await waitUntil(() => slack.callsTo('chat.postMessage').length === 1, 5_000, 'the first post');
    const second = alerts.raise(failing(55));
    await new Promise((r) => setTimeout(r, 50));
    release();
    expect([...(await first), ...(await second)]).toEqual([]);

    expect(alertPosts()).toHaveLength(1);
    const posted = alertPosts()[0];
    const edits = slack.callsTo('chat.update').filter((c) => !c.error);
    // What the channel reads in the end is the latest verdict, in the one message.
    expect(edits.map((c) => c.args.ts)).toEqual([posted?.result?.ts]);
    expect(textOf(edits.at(-1))).toContain('55 %');
    const row = createAlertsRepository(t.db).findOpen('failure_rate', '14155550100');
    expect(row).toMatchObject({ slackChannel: CHANNEL, slackTs: posted?.result?.ts });
  });

  it('says an alert ended while its first post was on its way in that one message, not in a second one', async () => {
    const alerts = alertsInSlack();
    const release = slack.hang('chat.postMessage');
    const raised = alerts.raise(failing(40));
    await waitUntil(() => slack.callsTo('chat.postMessage').length === 1, 5_000, 'the first post');
    const resolved = alerts.resolve('failure_rate', '14155550100');
    await new Promise((r) => setTimeout(r, 50));
    release();
    await Promise.all([raised, resolved]);
    expect(alertPosts()).toHaveLength(1);
    const edits = slack.callsTo('chat.update').filter((c) => !c.error);
    expect(edits.map((c) => c.args.ts)).toEqual([alertPosts()[0]?.result?.ts]);
    expect(String(edits[0]?.args.text)).toMatch(/^Resolved/);
  });

  it('edits, instead of posting again, an alert a restart re-posts while the watch raises it anew', async () => {
    slack.failNext('chat.postMessage', 'not_in_channel');
    await alertsInSlack().raise(failing(40)); // not shown before the restart
    t.reopen();
    const restarted = alertsInSlack();
    const release = slack.hang('chat.postMessage');
    // Another rule's evaluation posts what the last run could not, as the traffic watch judges the number again.
    const sweep = restarted.resolveAllBut('config_drift', []);
    await waitUntil(() => slack.callsTo('chat.postMessage').length === 2, 5_000, 'the re-post');
    const raised = restarted.raise(failing(55));
    await new Promise((r) => setTimeout(r, 50));
    release();
    expect([...(await sweep), ...(await raised)]).toEqual([]);
    expect(alertPosts()).toHaveLength(1);
    const edits = slack.callsTo('chat.update').filter((c) => !c.error);
    expect(edits.map((c) => c.args.ts)).toEqual([alertPosts()[0]?.result?.ts]);
    expect(textOf(edits.at(-1))).toContain('55 %');
  });

  it('does not hold another alert’s post behind the one on its way', async () => {
    const alerts = alertsInSlack();
    const release = slack.hang('chat.postMessage', (c) => JSON.stringify(c.args).includes('415 555 0100'));
    const first = alerts.raise(failing(40));
    await waitUntil(() => slack.callsTo('chat.postMessage').length === 1, 5_000, 'the first post');
    const again = alerts.raise(failing(55));
    // Another number's alert is posted while the first is held.
    await alerts.raise(failing(30, '14155550199'));
    expect(alertPosts().filter((c) => JSON.stringify(c.args).includes('415 555 0199'))).toHaveLength(1);
    release();
    await Promise.all([first, again]);
    expect(alertPosts()).toHaveLength(2);
  });
});

describe('an alert whose snooze ends while Slack holds an edit of it', () => {
  it('does not hold another alert’s first post behind that edit', async () => {
    const records = createAlertsRepository(t.db, t.clock.now);
    const alerts = alertsInSlack();
    await alerts.raise(failing(40, '14155550111'));
    records.snooze('failure_rate', '14155550111', t.clock.now() + 60_000, 'U0ADMIN001');
    // Its facts change while snoozed: its message is edited (no notification), and Slack holds that edit.
    const release = slack.hang('chat.update');
    const held = alerts.raise(failing(60, '14155550111'));
    await waitUntil(() => slack.callsTo('chat.update').length === 1, 5_000, 'the held edit');
    t.clock.advance(61_000); // the snooze ends meanwhile
    // A new alert on another number: its post must not wait for the held edit.
    const other = alerts.raise(failing(50, '14155550222'));
    const outcome = await Promise.race([
      other.then(() => 'posted'),
      new Promise((r) => setTimeout(() => r('held behind the other alert’s edit'), 2_000)),
    ]);
    release();
    await Promise.all([held, other]);
    expect(outcome).toBe('posted');
    // The snoozed alert is still re-announced once its edit is done.
    await waitUntil(() => alertPosts().length === 3, 5_000, 'the re-announcement');
  });
});
