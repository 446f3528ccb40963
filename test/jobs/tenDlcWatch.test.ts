import { webApi } from '@slack/bolt';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAlerts } from '../../src/core/alerts.js';
import type { AlertNotShown } from '../../src/core/ports/notifier.js';
import { type HttpServer, startHttpServer } from '../../src/http/server.js';
import { tenDlcWebhookRoutes } from '../../src/http/tenDlcWebhookRoutes.js';
import { WEBHOOK_BODY_LIMIT } from '../../src/http/webhookRoutes.js';
import { createTenDlcWatch } from '../../src/jobs/tenDlcWatch.js';
import { tenDlcWebhookUrls } from '../../src/jobs/tenDlcWebhookUrls.js';
import { createLogger } from '../../src/log.js';
import { startWavixEmulator, type WavixEmulator } from '../../src/sandbox/emulator/server.js';
import { createAlertPosts } from '../../src/slack/notifier/alertPosts.js';
import { alertText } from '../../src/slack/ui/alerts.js';
import type { Db } from '../../src/store/database.js';
import { createAlertsRepository } from '../../src/store/repositories/alerts.js';
import { createRejectedWebhooksRepository } from '../../src/store/repositories/rejectedWebhooks.js';
import { createTenDlcRepository } from '../../src/store/repositories/tenDlc.js';
import { createWavixClient } from '../../src/wavix/client.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fakeSlack.js';
import { recordingAlerts } from '../helpers/recordingAlerts.js';
import { slackAnnouncements } from '../helpers/slackAnnouncements.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';
import { waitUntil } from '../helpers/waitUntil.js';

const BOT_TOKEN = 'xoxb-test-bot-token-0123456789';
const CHANNEL = 'C0ALERTS01';
const SECRET = 'whsec_test_0123456789abcdefghijkl';
const logger = createLogger({ level: 'silent' });

let t: TempDb;
let emulator: WavixEmulator;
let fakeSlack: FakeSlack;
let server: HttpServer | undefined;

beforeEach(async () => {
  t = createTempDb();
  emulator = await startWavixEmulator({});
  fakeSlack = await startFakeSlack();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await emulator.close();
  await fakeSlack.close();
  t.cleanup();
});

/** smsops' 10DLC watch on a database file; calling it again on the same file is a restart. */
function smsops(db: Db = t.db, options: { alertsNotShown?: AlertNotShown[]; publicBaseUrl?: string; realAlerts?: boolean } = {}) {
  const tenDlc = createTenDlcRepository(db, t.clock.now);
  const alerts = recordingAlerts();
  const openAlerts = createAlertsRepository(db, t.clock.now);
  const slack = new webApi.WebClient(BOT_TOKEN, { slackApiUrl: fakeSlack.url, retryConfig: { retries: 0 } });
  // `realAlerts`: the alert lifecycle itself on the database, posting to the fake Slack (what the channel reads).
  const lifecycle = options.realAlerts
    ? createAlerts({
        alerts: openAlerts,
        notifier: { alert: createAlertPosts({ slack, channel: CHANNEL, now: t.clock.now }) },
        logger,
        now: t.clock.now,
      })
    : alerts.notifier;
  const watch = createTenDlcWatch({
    wavix: createWavixClient({ baseUrl: emulator.url, apiKey: emulator.apiKey, retry: { maxRetries: 0 } }),
    tenDlc,
    // What the alert lifecycle answers when Slack did not show an alert (core/alerts.ts, tested against the fake Slack).
    alerts: options.alertsNotShown
      ? {
          ...alerts.notifier,
          raise: async (alert) => [...(await alerts.notifier.raise(alert)), ...(options.alertsNotShown ?? [])],
        }
      : lifecycle,
    openAlerts,
    notifier: slackAnnouncements(slack, CHANNEL),
    webhookSecret: SECRET,
    publicBaseUrl: options.publicBaseUrl,
    logger,
  });
  return { watch, tenDlc, alerts, openAlerts, rejected: createRejectedWebhooksRepository(db, { now: t.clock.now }) };
}

/** smsops' HTTP listener with the 10DLC webhook routes, reachable by the emulator. */
async function listen(app: ReturnType<typeof smsops>): Promise<HttpServer> {
  server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    routes: tenDlcWebhookRoutes({ secret: SECRET, rejected: app.rejected, receive: app.watch.receive }),
    logger,
  });
  return server;
}

async function setStatus(path: string, status: string): Promise<void> {
  const response = await fetch(`${emulator.url}/_emulator/10dlc/brands/BM20QP9${path}/status`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ status }),
  });
  expect(response.status).toBe(200);
}

const post = (url: string, body: string | Buffer, contentType = 'application/json') =>
  fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });

const posts = () => fakeSlack.callsTo('chat.postMessage').filter((c) => !c.error);
const postedText = () => posts().map((c) => String(c.args.text));

describe('10DLC status watch', () => {
  it('takes the first poll as a baseline, then announces a campaign change seen by a poll once, also after a restart', async () => {
    const first = smsops();
    expect(await first.watch.run()).toMatchObject({ outcome: 'ok' });
    expect(posts()).toHaveLength(0);
    expect(first.tenDlc.get('campaign', 'CKLCK95')?.status).toBe('REVIEW');

    await setStatus('/campaigns/CKLCK95', 'APPROVED');
    expect(await first.watch.run()).toMatchObject({ outcome: 'ok' });
    expect(postedText()).toEqual([
      '10DLC campaign CKLCK95 (Customer care, brand Example BM20QP9) is now `APPROVED` (was `REVIEW`)',
    ]);
    expect(posts()[0]?.args.channel).toBe(CHANNEL);
    expect(first.alerts.resolved).toEqual([{ rule: 'ten_dlc', subjectKey: 'CKLCK95' }]);

    await first.watch.run();
    await smsops(t.reopen()).watch.run();
    expect(posts()).toHaveLength(1);
  });

  it('announces a change reported by the webhook and then seen by the poll once, and alerts on DECLINED', async () => {
    const app = smsops();
    const http = await listen(app);
    expect(await app.watch.ensureSubscriptions(http.url)).toEqual({
      ok: true,
      value: { subscribed: ['brand', 'campaign', 'number'], alreadySubscribed: [] },
    });
    expect(emulator.state().subscriptions.map((s) => s.url)).toEqual(Object.values(tenDlcWebhookUrls(http.url, SECRET)));
    await app.watch.run();

    await setStatus('/campaigns/CKLCK95', 'DECLINED');
    expect(emulator.state().webhookAttempts.at(-1)).toMatchObject({ event: 'CampaignStatusChanged', status: 200 });
    await fakeSlack.waitFor('chat.postMessage', 1);
    expect(postedText()).toEqual([
      '10DLC campaign CKLCK95 (Customer care, brand Example BM20QP9) is now `DECLINED` (was `REVIEW`)',
    ]);
    expect(JSON.stringify(posts()[0]?.args.blocks)).toContain("reported by Wavix's status webhook");

    await app.watch.run();
    // Wavix repeating the webhook late changes nothing either.
    const repeat = await post(
      tenDlcWebhookUrls(http.url, SECRET).campaign,
      JSON.stringify({ brand_id: 'BM20QP9', campaign_id: 'CKLCK95', status: 'DECLINED' }),
    );
    expect(await repeat.json()).toEqual({ ok: true, changed: false });
    await app.watch.run();
    expect(posts()).toHaveLength(1);
    expect(app.alerts.raised).toEqual([expect.objectContaining({ rule: 'ten_dlc', subjectKey: 'CKLCK95', severity: 'warning' })]);
  });

  it('subscribes only the categories whose URL differs from what Wavix lists', async () => {
    const app = smsops();
    const urls = tenDlcWebhookUrls('https://smsops.example.com/', SECRET);
    emulator.state().subscriptions.push({ subscription_category: 'brand', url: urls.brand });
    emulator.state().subscriptions.push({ subscription_category: 'number', url: 'https://elsewhere.example.com/hook' });

    const report = await app.watch.ensureSubscriptions('https://smsops.example.com/');
    expect(report).toEqual({ ok: true, value: { subscribed: ['campaign', 'number'], alreadySubscribed: ['brand'] } });
    const again = await app.watch.ensureSubscriptions('https://smsops.example.com');
    expect(again).toEqual({ ok: true, value: { subscribed: [], alreadySubscribed: ['brand', 'campaign', 'number'] } });
    const creates = emulator.requests().filter((r) => r.method === 'POST' && r.path === '/v3/10dlc/subscriptions');
    expect(creates).toHaveLength(2);
  });

  it('points the status webhooks Wavix refused at start at smsops at the next run, then leaves them alone', async () => {
    const base = 'https://smsops.example.com';
    // Where an earlier start, with another WEBHOOK_SECRET, pointed them.
    for (const [category, url] of Object.entries(tenDlcWebhookUrls(base, 'whsec_before_0123456789abcdefgh')))
      emulator.state().subscriptions.push({ subscription_category: category, url });
    const wanted = Object.values(tenDlcWebhookUrls(base, SECRET));
    const subscriptionCalls = () => emulator.requests().filter((r) => r.path === '/v3/10dlc/subscriptions').length;
    const app = smsops(t.db, { publicBaseUrl: base });

    emulator.injectFault({ path: '/v3/10dlc/subscriptions', status: 503 });
    expect(await app.watch.ensureSubscriptions(base)).toMatchObject({ ok: false });
    emulator.injectFault({ path: '/v3/10dlc/subscriptions', status: 503 });
    const failed = await app.watch.run();
    expect(failed).toMatchObject({ outcome: 'failed' });
    expect(failed.outcome === 'failed' && failed.error).toMatch(
      /^10DLC status webhooks not pointed at smsops, tried again next run \(until then changes are found by polling only\): Wavix is unavailable.*\(2 brands and campaigns checked/,
    );
    expect(app.tenDlc.baselineRecorded()).toBe(true);
    expect(await app.watch.inspectSubscriptions()).toMatchObject({
      ok: true,
      value: { categories: [{ category: 'brand', pointsAtSmsops: false }, {}, {}], lastFailure: expect.stringContaining('503') },
    });

    expect(await app.watch.run()).toMatchObject({
      outcome: 'ok',
      summary: expect.stringContaining('status webhooks pointed at smsops (brand, campaign, number)'),
    });
    expect(emulator.state().subscriptions.map((s) => s.url)).toEqual(wanted);
    const calls = subscriptionCalls();
    expect(await app.watch.run()).toMatchObject({ outcome: 'ok' });
    expect(subscriptionCalls()).toBe(calls);

    // Moved in the Wavix portal since: doctor's read sees it, and the next run points it back.
    const brand = emulator.state().subscriptions.find((s) => s.subscription_category === 'brand');
    if (brand) brand.url = 'https://elsewhere.example.com/hook';
    expect(await app.watch.inspectSubscriptions()).toMatchObject({
      ok: true,
      value: { categories: [{ category: 'brand', urls: ['https://elsewhere.example.com/hook'], pointsAtSmsops: false }, {}, {}] },
    });
    expect(await app.watch.run()).toMatchObject({ outcome: 'ok', summary: expect.stringContaining('pointed at smsops (brand)') });
    expect(
      emulator
        .state()
        .subscriptions.map((s) => s.url)
        .sort(),
    ).toEqual([...wanted].sort());
  });

  it("announces a number's status, which only the webhook reports, and alerts when it is rejected", async () => {
    const app = smsops();
    await app.watch.ensureSubscriptions((await listen(app)).url);
    await app.watch.run();

    await setStatus('/campaigns/CKLCK95/numbers/14155550100', 'REJECTED');
    await fakeSlack.waitFor('chat.postMessage', 1);
    expect(postedText()).toEqual([
      '10DLC number +1 415 555 0100 on campaign CKLCK95 (Customer care, brand Example BM20QP9) is now `REJECTED` (first seen)',
    ]);
    await app.watch.run();
    expect(posts()).toHaveLength(1);
    expect(app.alerts.raised).toEqual([expect.objectContaining({ rule: 'ten_dlc', subjectKey: 'CKLCK95:14155550100' })]);
  });

  it('escapes names from Wavix and raises a critical alert for a suspended brand', async () => {
    const brand = emulator.state().brands[0];
    if (brand) brand.dba_name = '<!channel> Corp';
    const app = smsops();
    await app.watch.run();
    await setStatus('', 'SUSPENDED');
    await app.watch.run();

    expect(postedText()).toEqual(['10DLC brand &lt;!channel&gt; Corp BM20QP9 is now `SUSPENDED` (was `VERIFIED`)']);
    expect(JSON.stringify(posts()[0]?.args.blocks)).not.toContain('<!channel>');
    expect(app.alerts.raised).toEqual([
      expect.objectContaining({ rule: 'ten_dlc', subjectKey: 'BM20QP9', severity: 'critical' }),
    ]);
  });

  it('fails the run in words when Slack did not show its alert, though the change was announced', async () => {
    const notInChannel: AlertNotShown = { reason: 'not_in_channel', words: 'the bot is not in the alert channel' };
    const app = smsops(t.db, { alertsNotShown: [notInChannel] });
    await app.watch.run();
    await setStatus('', 'SUSPENDED');
    expect(await app.watch.run()).toMatchObject({
      outcome: 'failed',
      error: expect.stringContaining(
        '1 alert message could not be posted or edited in Slack: the bot is not in the alert channel',
      ),
    });
    expect(postedText()).toEqual(['10DLC brand Example BM20QP9 is now `SUSPENDED` (was `VERIFIED`)']);
  });

  it('is skipped, not failed, when 10DLC is not enabled on the account; other errors fail', async () => {
    const app = smsops();
    const disabled = { success: false, message: 'Request failed. The feature is disabled for the account.' };
    emulator.injectFault({ path: '/v3/10dlc', status: 403, body: disabled, times: 2 });
    expect(await app.watch.run()).toEqual({
      outcome: 'skipped',
      reason: expect.stringContaining('10DLC is not enabled on this Wavix account'),
    });
    expect(await app.watch.ensureSubscriptions('https://smsops.example.com')).toMatchObject({
      ok: true,
      value: { subscribed: [], disabled: expect.stringContaining('feature is disabled') },
    });

    emulator.injectFault({ path: '/v3/10dlc', status: 503 });
    expect(await app.watch.run()).toMatchObject({ outcome: 'failed' });
    expect(app.tenDlc.baselineRecorded()).toBe(false);
  });
});

describe('10DLC webhook routes', () => {
  it('answers 404 to a wrong secret, 400 with the reason to a bad body (kept), 413 when too big, 200 once stored', async () => {
    const app = smsops();
    const http = await listen(app);
    const urls = tenDlcWebhookUrls(http.url, SECRET);

    const wrong = await post(`${http.url}/webhooks/wavix/10dlc/campaign/not-the-secret`, '{}');
    expect(wrong.status).toBe(404);

    const malformed = await post(urls.brand, '{"brand_id": ');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toMatch(/^malformed JSON/);
    // The reason says where the JSON broke, never what the body holds (V8's message quoted it).
    const notJson = await post(urls.brand, 'SMSTEXTLEAK-notjson');
    expect(await notJson.json()).toEqual({ error: 'malformed JSON: the body is not JSON' });
    const deep = await post(urls.brand, `${'['.repeat(20_000)}${']'.repeat(20_000)}`); // JSON, but no status change
    expect(await deep.json()).toEqual({ error: 'malformed JSON: the body is nested too deeply' });

    const wrongShape = await post(urls.campaign, JSON.stringify({ brand_id: 'BM20QP9', status: 'APPROVED' }));
    expect(wrongShape.status).toBe(400);
    expect(((await wrongShape.json()) as { error: string }).error).toMatch(/^not a Wavix CampaignStatusChanged: campaign_id/);

    const tooBig = await post(urls.number, Buffer.alloc(WEBHOOK_BODY_LIMIT + 1, 'x'));
    expect(tooBig.status).toBe(413);

    expect(app.rejected.recent(10).map((r) => r.route)).toEqual([
      '10dlc/number',
      '10dlc/campaign',
      '10dlc/brand',
      '10dlc/brand',
      '10dlc/brand',
    ]);
    expect(app.rejected.recent(10).map((r) => r.reason)).not.toContainEqual(expect.stringContaining('SMSTEXTLEAK'));
    expect(app.tenDlc.unannounced()).toEqual([]);

    const good = await post(urls.campaign, JSON.stringify({ brand_id: 'BM20QP9', campaign_id: 'CKLCK95', status: 'APPROVED' }));
    expect(good.status).toBe(200);
    expect(app.tenDlc.get('campaign', 'CKLCK95')).toMatchObject({ status: 'APPROVED', source: 'webhook' });
    await fakeSlack.waitFor('chat.postMessage', 1);
  });

  it('answers 503 with Retry-After while the database is locked, as the SMS webhooks do, and stores the status after', async () => {
    const app = smsops();
    const storeErrors: string[] = [];
    server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      routes: tenDlcWebhookRoutes({
        secret: SECRET,
        rejected: app.rejected,
        receive: app.watch.receive,
        onStoreError: (route) => storeErrors.push(route),
      }),
      logger,
    });
    const urls = tenDlcWebhookUrls(server.url, SECRET);
    const status = JSON.stringify({ brand_id: 'BM20QP9', campaign_id: 'CKLCK95', status: 'APPROVED' });
    // Another process holds the write lock (a backup tool, a second smsops being started by mistake).
    const other = new Database(t.path);
    other.exec('BEGIN IMMEDIATE');
    try {
      for (const body of [status, 'not json']) {
        const locked = await post(urls.campaign, body);
        expect(locked.status).toBe(503);
        expect(locked.headers.get('retry-after')).toBe('5');
        expect(((await locked.json()) as { error: string }).error).toMatch(/^not stored, try again: /);
      }
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(storeErrors).toEqual(['10dlc/campaign', '10dlc/campaign']);
    expect((await post(urls.campaign, status)).status).toBe(200);
    expect(app.tenDlc.get('campaign', 'CKLCK95')).toMatchObject({ status: 'APPROVED', source: 'webhook' });
  });

  it('keeps and shows a status holding a lone surrogate as one replacement character, not three', async () => {
    const app = smsops();
    const urls = tenDlcWebhookUrls((await listen(app)).url, SECRET);
    // A lone surrogate as a JSON escape: valid JSON, not valid UTF-16 text.
    const body = '{"brand_id":"BM20QP9","campaign_id":"CKLCK95","status":"APPROVED \\ud83d"}';
    expect((await post(urls.campaign, body)).status).toBe(200);
    expect(app.tenDlc.get('campaign', 'CKLCK95')?.status).toBe('APPROVED \uFFFD');
    await fakeSlack.waitFor('chat.postMessage', 1);
    expect(postedText()[0]).toContain('is now `APPROVED \uFFFD` (');
  });
});

/**
 * A 10DLC alert resolved only at APPROVED, VERIFIED or VETTED_VERIFIED, and said the status that opened it for good: a
 * campaign declined then deleted, then gone from Wavix's listing, stayed open saying "is DECLINED"; a brand suspended
 * then self-declared stayed "is SUSPENDED" (a probe).
 */
describe('10DLC alerts after the status that opened them', () => {
  const open = (app: ReturnType<typeof smsops>, subjectKey: string) => app.openAlerts.findOpen('ten_dlc', subjectKey);
  const resolvedEdits = () => fakeSlack.callsTo('chat.update').filter((c) => String(c.args.text).startsWith('Resolved:'));

  it('a campaign’s alert says each later status that still needs someone, and ends when the campaign is deleted', async () => {
    const app = smsops(t.db, { realAlerts: true });
    await app.watch.run();
    await setStatus('/campaigns/CKLCK95', 'DECLINED');
    await app.watch.run();
    expect(alertText(open(app, 'CKLCK95') ?? { rule: '', facts: null })).toContain('is `DECLINED`');

    // Resubmitted: still not sending, so still open, but no longer said to be declined.
    await setStatus('/campaigns/CKLCK95', 'REVIEW');
    await app.watch.run();
    const reviewed = open(app, 'CKLCK95');
    expect(reviewed).toMatchObject({ severity: 'warning' });
    expect(alertText(reviewed ?? { rule: '', facts: null })).toContain('is `REVIEW`: under review');
    expect(alertText(reviewed ?? { rule: '', facts: null })).not.toContain('DECLINED');

    await setStatus('/campaigns/CKLCK95', 'DELETED');
    expect(await app.watch.run()).toMatchObject({ outcome: 'ok' });
    expect(open(app, 'CKLCK95')).toBeUndefined();
    expect(resolvedEdits()).toHaveLength(1);
  });

  it('a brand’s alert ends when it is self-declared; a status that opens none keeps it open, saying it', async () => {
    const app = smsops(t.db, { realAlerts: true });
    await app.watch.run();
    await setStatus('', 'SUSPENDED');
    await app.watch.run();
    await setStatus('', 'UNVERIFIED');
    await app.watch.run();
    const unverified = open(app, 'BM20QP9');
    expect(unverified).toMatchObject({ severity: 'critical' });
    expect(alertText(unverified ?? { rule: '', facts: null })).toContain('is `UNVERIFIED`');

    await setStatus('', 'SELF_DECLARED');
    await app.watch.run();
    expect(open(app, 'BM20QP9')).toBeUndefined();
    // An EXPIRED after that is announced but opens no alert, as before.
    await setStatus('', 'EXPIRED');
    await app.watch.run();
    expect(app.openAlerts.open()).toEqual([]);
  });

  it('ends the alerts of a campaign Wavix no longer lists, and of its numbers', async () => {
    const app = smsops(t.db, { realAlerts: true });
    await app.watch.ensureSubscriptions((await listen(app)).url);
    await app.watch.run();
    await setStatus('/campaigns/CKLCK95/numbers/14155550100', 'REJECTED');
    await waitUntil(() => open(app, 'CKLCK95:14155550100') !== undefined, 5000, "the number's alert");
    await setStatus('/campaigns/CKLCK95', 'DECLINED');
    await app.watch.run();
    expect(app.openAlerts.open()).toHaveLength(2);

    emulator.state().campaigns.splice(0);
    expect(await app.watch.run()).toMatchObject({ outcome: 'ok' });
    expect(app.openAlerts.open()).toEqual([]);
    expect(resolvedEdits()).toHaveLength(2);
  });
});

describe('10DLC status store', () => {
  it('keeps a change that arrived while the previous one was being announced', () => {
    const tenDlc = createTenDlcRepository(t.db, t.clock.now);
    const campaign = { kind: 'campaign' as const, brandId: 'BM20QP9', campaignId: 'CKLCK95' };
    tenDlc.recordBaseline([{ ...campaign, status: 'REVIEW' }]);
    const approved = tenDlc.observe({ ...campaign, status: 'APPROVED' }, 'poll');
    // The announcement of APPROVED is in flight when Wavix reports SUSPENDED.
    tenDlc.observe({ ...campaign, status: 'SUSPENDED' }, 'webhook');
    expect(approved && tenDlc.markAnnounced(approved)).toBe(false);
    expect(tenDlc.unannounced()).toEqual([expect.objectContaining({ status: 'SUSPENDED', previousStatus: 'APPROVED' })]);
  });
});
