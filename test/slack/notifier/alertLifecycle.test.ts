import { webApi } from '@slack/bolt';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAlerts } from '../../../src/core/alerts.js';
import { AlertNotShownError } from '../../../src/core/ports/notifier.js';
import { createLogger } from '../../../src/log.js';
import { createAlertPosts } from '../../../src/slack/notifier/alertPosts.js';
import { createAlertsRepository } from '../../../src/store/repositories/alerts.js';
import { type FakeSlack, startFakeSlack } from '../../helpers/fakeSlack.js';
import { createTempDb, type TempDb } from '../../helpers/tempDb.js';

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

/** Set to make the next alert call fail as a Slack that did not answer does (a timeout, a refused connection). */
let noAnswerNext = false;

function notifier(db = t.db) {
  const posts = createAlertPosts({
    slack: new webApi.WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 } }),
    channel: CHANNEL,
    now: t.clock.now,
  });
  return createAlerts({
    alerts: createAlertsRepository(db, t.clock.now),
    notifier: {
      alert: async (event) => {
        if (noAnswerNext) {
          noAnswerNext = false;
          throw new AlertNotShownError({ reason: 'no_answer', words: 'Slack could not be reached or failed to answer' });
        }
        return posts(event);
      },
    },
    logger: createLogger({ level: 'silent', sink: () => {} }),
    now: t.clock.now,
  });
}

/** A failure-rate alert: `failed` of 100 SMS, mostly for `topFailure`. */
const failing = (failed: number, topFailure: string | null = null) => ({
  rule: 'failure_rate' as const,
  subjectKey: '14155550100',
  severity: 'warning' as const,
  facts: { number: '14155550100', failed, finished: 100, topFailure, thresholdPct: 20 },
});

/** Wavix unreachable: an alert raised only as it starts (at the third failed run), never again while it lasts. */
const unreachable = {
  rule: 'wavix_unreachable' as const,
  subjectKey: 'account',
  severity: 'critical' as const,
  facts: { runs: 3, lastError: 'Wavix did not answer' },
};

describe('alert lifecycle in Slack', () => {
  it('says an alert Slack did not take until that alert is shown, whatever other alerts Slack takes meanwhile', async () => {
    const alerts = notifier();
    slack.failNext('chat.postMessage', 'internal_error');
    expect(await alerts.raise(failing(40))).toHaveLength(1);
    expect(alerts.notShown()).toBeDefined();
    // Another alert posted fine: the first is still unshown, and /healthz's `alerts` field must keep saying so.
    await alerts.raise({ ...failing(40), subjectKey: '14155550199', facts: { ...failing(40).facts, number: '14155550199' } });
    expect(alerts.notShown()).toBeDefined();
    await alerts.raise(failing(40)); // its next evaluation posts it
    expect(alerts.notShown()).toBeUndefined();
  });

  it('posts an alert raised only once (as wavix_unreachable is) whose post Slack refused, at an evaluation a minute on', async () => {
    const alerts = notifier();
    slack.failNext('chat.postMessage', 'internal_error');
    expect(await alerts.raise(unreachable)).toHaveLength(1);
    const postsOf = (rule: string) =>
      slack.callsTo('chat.postMessage').filter((c) => !c.error && JSON.stringify(c.args).includes(rule));
    t.clock.advance(30_000);
    await alerts.resolveAllBut('failure_rate', []); // another rule's check, too soon to try it again
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    t.clock.advance(31_000);
    expect(await alerts.resolveAllBut('failure_rate', [])).toHaveLength(0);
    expect(postsOf('Wavix')).toHaveLength(1);
    expect(alerts.notShown()).toBeUndefined();
    t.clock.advance(120_000);
    await alerts.resolveAllBut('failure_rate', []);
    expect(postsOf('Wavix')).toHaveLength(1); // shown once
  });

  it('does not post again, every minute, an alert Slack took while another process held the database', async () => {
    const alerts = notifier();
    slack.failNext('chat.postMessage', 'not_in_channel');
    await alerts.raise(unreachable);
    const posted = () => slack.callsTo('chat.postMessage').filter((c) => !c.error && !c.args.thread_ts);
    const other = new Database(t.path);
    other.exec('BEGIN IMMEDIATE');
    try {
      for (let minute = 1; minute <= 4; minute += 1) {
        t.clock.advance(61_000);
        await alerts.resolveAllBut('failure_rate', []); // the sweep, as another rule's check runs it
      }
      expect(posted()).toHaveLength(1); // shown once, though its channel could not be written
      expect(alerts.notShown()).toBeUndefined();
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    t.clock.advance(61_000);
    await alerts.resolveAllBut('failure_rate', []);
    const row = t.db.prepare("SELECT slack_channel, slack_ts FROM alerts WHERE rule = 'wavix_unreachable'").get();
    expect(row).toEqual({ slack_channel: CHANNEL, slack_ts: posted()[0]?.result?.ts });
    // Its end edits that one post.
    await alerts.resolve('wavix_unreachable', 'account');
    expect(posted()).toHaveLength(1);
    expect(slack.callsTo('chat.update').map((c) => c.args.ts)).toEqual([posted()[0]?.result?.ts]);
  });

  it('posts an alert never shown once, as resolved, when it ends a minute or more after its post failed', async () => {
    const alerts = notifier();
    slack.failNext('chat.postMessage', 'internal_error');
    await alerts.raise(unreachable);
    t.clock.advance(61_000);
    await alerts.resolve('wavix_unreachable', 'account');
    const calls = slack.calls.filter((c) => c.method.startsWith('chat.') && !c.error);
    // Not first posted as an open, critical alert at the moment it ends, then edited and answered in its thread.
    expect(calls).toHaveLength(1);
    expect(String(calls[0]?.args.text)).toMatch(/^Resolved/);
  });

  it('says from the start of a restarted smsops that an open alert was never shown, and posts it at the first evaluation', async () => {
    slack.failNext('chat.postMessage', 'not_in_channel');
    await notifier().raise(failing(40));
    const restarted = notifier();
    expect(restarted.notShown()).toMatchObject({ since: t.clock.now(), latest: { words: expect.stringContaining('restart') } });
    t.clock.advance(5_000);
    await restarted.resolveAllBut('config_drift', []);
    expect(slack.callsTo('chat.postMessage').filter((c) => !c.error)).toHaveLength(1);
    expect(restarted.notShown()).toBeUndefined();
  });

  it('makes an edit skipped while Slack was not answering (an acknowledgement) at an evaluation a minute on', async () => {
    const alerts = notifier();
    const repository = createAlertsRepository(t.db, t.clock.now);
    await alerts.raise(failing(40));
    noAnswerNext = true;
    const other = { ...failing(40), subjectKey: '14155550199', facts: { ...failing(40).facts, number: '14155550199' } };
    expect(await alerts.raise(other)).toEqual([expect.objectContaining({ reason: 'no_answer' })]);
    const acknowledged = repository.acknowledge(repository.findOpen('failure_rate', '14155550100')?.id ?? 0, 'U0ONCALL01');
    await alerts.refresh(acknowledged?.id ?? 0); // within the quiet minute: not asked of Slack
    expect(slack.callsTo('chat.update')).toHaveLength(0);
    t.clock.advance(61_000);
    await alerts.resolveAllBut('config_drift', []);
    const edits = slack.callsTo('chat.update').filter((c) => !c.error);
    expect(edits).toHaveLength(1);
    expect(JSON.stringify(edits[0]?.args)).toContain('U0ONCALL01');
    expect(repository.open().every((a) => a.slackTs !== null)).toBe(true);
    expect(alerts.notShown()).toBeUndefined();
  });

  it('no longer says an alert of a muted rule is not shown, though its own text never changes again', async () => {
    const alerts = notifier();
    const repository = createAlertsRepository(t.db, t.clock.now);
    await alerts.raise(failing(40));
    slack.failNext('chat.postMessage', 'internal_error');
    const other = { ...failing(40), subjectKey: '14155550199', facts: { ...failing(40).facts, number: '14155550199' } };
    expect(await alerts.raise(other)).toHaveLength(1);
    repository.mute('failure_rate', 'U0ADMIN01');
    await alerts.refresh(repository.findOpen('failure_rate', '14155550100')?.id ?? 0); // as "Mute rule" does
    t.clock.advance(3_600_000);
    await alerts.resolveAllBut('config_drift', []);
    expect(alerts.notShown()).toBeUndefined();
  });

  it('no longer says an alert is not shown once people snoozed it, nor after it ended snoozed', async () => {
    const alerts = notifier();
    const repository = createAlertsRepository(t.db, t.clock.now);
    slack.failNext('chat.postMessage', 'not_in_channel');
    expect(await alerts.raise(failing(40))).toHaveLength(1);
    expect(alerts.notShown()).toMatchObject({ latest: { reason: 'not_in_channel' } });
    repository.snooze('failure_rate', '14155550100', t.clock.now() + 3_600_000, 'U0ONCALL01');
    await alerts.raise(failing(45)); // still firing, snoozed: not owed to Slack
    expect(alerts.notShown()).toBeUndefined();
    await alerts.resolveAllBut('failure_rate', []); // and it ends while snoozed
    t.clock.advance(24 * 3_600_000);
    await alerts.resolveAllBut('failure_rate', []);
    expect(alerts.notShown()).toBeUndefined();
    expect(slack.callsTo('chat.postMessage').filter((c) => !c.error)).toHaveLength(0);
  });

  it('posts an end Slack did not take at the next evaluation, instead of losing it', async () => {
    const alerts = notifier();
    await alerts.raise(failing(40));
    slack.failNext('chat.update', 'internal_error');
    expect(await alerts.resolve('failure_rate', '14155550100')).toHaveLength(1);
    const ends = () =>
      [...slack.callsTo('chat.update'), ...slack.callsTo('chat.postMessage')].filter(
        (c) => !c.error && /resolved/i.test(String(c.args.text)),
      );
    expect(ends()).toHaveLength(0);
    expect(alerts.notShown()).toBeDefined();
    await alerts.resolveAllBut('failure_rate', []); // the next check of the rule
    const shown = ends().length;
    expect(shown).toBeGreaterThan(0);
    expect(alerts.notShown()).toBeUndefined();
    await alerts.resolveAllBut('failure_rate', []);
    expect(ends()).toHaveLength(shown); // shown once, not at every check
  });

  it('fires once, is edited in place only when its facts change, and says when it is resolved', async () => {
    const alerts = notifier();
    await alerts.raise(failing(40));
    await alerts.raise(failing(40));
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect(slack.callsTo('chat.update')).toHaveLength(0);

    t.clock.advance(10 * 60_000);
    await alerts.raise(failing(55));
    const updates = slack.callsTo('chat.update');
    expect(updates).toHaveLength(1);
    expect(String(updates[0]?.args.text)).toContain('55 % of SMS from +1 415 555 0100 failed');
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);

    t.clock.advance(20 * 60_000);
    await alerts.resolve('failure_rate', '14155550100');
    const last = slack.callsTo('chat.update').at(-1);
    expect(String(last?.args.text)).toMatch(/^Resolved: 55 % of SMS/);
    const reply = slack.callsTo('chat.postMessage').at(-1);
    expect(reply?.args.thread_ts).toBe(updates[0]?.args.ts);
    expect(String(reply?.args.text)).toContain('Resolved after 30 min');
    // Resolving again (the next run) says nothing more.
    await alerts.resolve('failure_rate', '14155550100');
    expect(slack.callsTo('chat.postMessage')).toHaveLength(2);
  });

  it('does not fire again after a restart while the alert is still open, and a new episode fires anew', async () => {
    await notifier().raise(failing(40));
    const reopened = notifier(t.reopen());
    await reopened.raise(failing(40));
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    await reopened.resolveAllBut('failure_rate', []);
    await reopened.raise(failing(41));
    expect(slack.callsTo('chat.postMessage').filter((c) => !c.args.thread_ts)).toHaveLength(2);
  });

  it('keeps an alert whose post failed, and posts it on the next raise', async () => {
    slack.failNext('chat.postMessage', 'channel_not_found');
    const alerts = notifier();
    await alerts.raise(failing(40));
    expect(createAlertsRepository(t.db).open()).toHaveLength(1);
    await alerts.raise(failing(40));
    const posted = slack.callsTo('chat.postMessage');
    expect(posted).toHaveLength(2);
    expect(createAlertsRepository(t.db).open()[0]?.slackTs).not.toBeNull();
  });

  it('posts an alert once when Slack accepts the post without its ts, and says its end in a new message', async () => {
    // `{ok:true}` without a ts (a proxy, a Slack fault): it was posted every raise, i.e. every watch run.
    slack.handle('chat.postMessage', ({ args }) => ({ channel: args.channel }));
    const alerts = notifier();
    await alerts.raise(failing(40));
    await alerts.raise(failing(40));
    t.clock.advance(10 * 60_000);
    await alerts.raise(failing(55));
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    // Nothing to edit without a ts, and nothing posted twice.
    expect(slack.callsTo('chat.update')).toHaveLength(0);
    expect(createAlertsRepository(t.db).open()[0]).toMatchObject({ slackChannel: CHANNEL, slackTs: null });

    await alerts.resolve('failure_rate', '14155550100');
    const posts = slack.callsTo('chat.postMessage');
    expect(posts).toHaveLength(2);
    expect(String(posts[1]?.args.text)).toMatch(/^Resolved: 55 % of SMS/);
  });

  it('escapes the summary: an alert about hostile text cannot ping the channel', async () => {
    await notifier().raise(failing(40, '<!channel> call <https://evil.example|your bank>'));
    const text = JSON.stringify(slack.callsTo('chat.postMessage')[0]?.args.blocks);
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('&lt;!channel&gt;');
  });

  it('an acknowledged alert is edited silently; one that gets worse says so in its thread and needs a new acknowledgement', async () => {
    const alerts = notifier();
    const repository = createAlertsRepository(t.db, t.clock.now);
    await alerts.raise(failing(30));
    const id = repository.open()[0]?.id ?? 0;
    repository.acknowledge(id, 'U0ONCALL01');
    await alerts.refresh(id);
    expect(String(JSON.stringify(slack.callsTo('chat.update').at(-1)?.args.blocks))).toContain('Acknowledged by <@U0ONCALL01>');

    await alerts.raise(failing(35));
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect(repository.get(id)?.acknowledged?.by).toBe('U0ONCALL01');

    await alerts.raise({ ...failing(60), severity: 'critical' });
    const worse = slack.callsTo('chat.postMessage').at(-1);
    expect(worse?.args.thread_ts).toBe(repository.get(id)?.slackTs);
    expect(String(worse?.args.text)).toContain('Worse since <@U0ONCALL01> acknowledged it: now *critical* (was warning)');
    expect(repository.get(id)?.acknowledged).toBeNull();
    expect(JSON.stringify(slack.callsTo('chat.update').at(-1)?.args.blocks)).toContain('alert_acknowledge');
  });

  it('a snoozed rule and subject posts nothing new until the snooze ends, then posts the alert still firing', async () => {
    const alerts = notifier();
    const repository = createAlertsRepository(t.db, t.clock.now);
    repository.snooze('failure_rate', '14155550100', t.clock.now() + 3_600_000, 'U0ONCALL01');
    await alerts.raise(failing(40));
    t.clock.advance(59 * 60_000);
    await alerts.raise(failing(45));
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
    t.clock.advance(2 * 60_000);
    await alerts.resolveAllBut('other_rule', []);
    const posted = slack.callsTo('chat.postMessage');
    expect(posted).toHaveLength(1);
    expect(JSON.stringify(posted[0]?.args.blocks)).toContain('Its snooze ended and it still fires');
  });
});
