import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAlerts } from '../../src/core/alerts.js';
import type { Announcement, Notifier } from '../../src/core/ports/notifier.js';
import { findSenderIds, requestSenderId, senderIdRequestAnnounced } from '../../src/core/senderIds.js';
import type { SetupServices } from '../../src/core/services.js';
import { createSenderIdApprovalJob } from '../../src/jobs/senderIdApprovalJob.js';
import { createLogger } from '../../src/log.js';
import { startWavixEmulator, type WavixEmulator } from '../../src/sandbox/emulator/server.js';
import { createAlertPosts } from '../../src/slack/notifier/alertPosts.js';
import { senderIdStatusMessage } from '../../src/slack/ui/senderIds.js';
import type { Db } from '../../src/store/database.js';
import { createAlertsRepository } from '../../src/store/repositories/alerts.js';
import { createAuditRepository } from '../../src/store/repositories/audit.js';
import { createRoutesRepository } from '../../src/store/repositories/routes.js';
import { createSenderIdsRepository } from '../../src/store/repositories/senderIds.js';
import { createSettingsRepository } from '../../src/store/repositories/settings.js';
import { createWavixClient } from '../../src/wavix/client.js';
import { everyoneAdminDirectory } from '../helpers/directory.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fakeSlack.js';
import { recordingAlerts } from '../helpers/recordingAlerts.js';
import { slackAnnouncements } from '../helpers/slackAnnouncements.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

const BOT_TOKEN = 'xoxb-test-bot-token-0123456789';
const CHANNEL = 'C0ALERTS01';
const ALICE = 'U0ALICE001';

let t: TempDb;
let emulator: WavixEmulator;
let fakeSlack: FakeSlack;

beforeEach(async () => {
  t = createTempDb();
  emulator = await startWavixEmulator({});
  fakeSlack = await startFakeSlack();
});
afterEach(async () => {
  await emulator.close();
  await fakeSlack.close();
  t.cleanup();
});

/** smsops as the job runs in it; calling it again on the same file is a restart (new repositories, new job). */
function smsops(
  options: {
    db?: Db;
    wavixUrl?: string;
    alerts?: ReturnType<typeof recordingAlerts>;
    slackAlerts?: boolean;
    notifier?: Pick<Notifier, 'announce'>;
  } = {},
) {
  const db = options.db ?? t.db;
  const wavix = createWavixClient({
    baseUrl: options.wavixUrl ?? emulator.url,
    apiKey: emulator.apiKey,
    retry: { maxRetries: 0 },
  });
  const senderIds = createSenderIdsRepository(db, t.clock.now);
  const alerts = options.alerts ?? recordingAlerts();
  const alertsTable = createAlertsRepository(db, t.clock.now);
  const slack = new webApi.WebClient(BOT_TOKEN, { slackApiUrl: fakeSlack.url, retryConfig: { retries: 0 } });
  const job = createSenderIdApprovalJob({
    wavix,
    senderIds,
    settings: createSettingsRepository(db, t.clock.now),
    // The alert lifecycle as the app has it (stored, posted in the fake Slack), or a recording of what it was told.
    alerts: options.slackAlerts
      ? createAlerts({
          alerts: alertsTable,
          notifier: { alert: createAlertPosts({ slack, channel: CHANNEL, now: t.clock.now }) },
          logger: createLogger({ level: 'silent' }),
        })
      : alerts.notifier,
    openAlerts: alertsTable,
    notifier: options.notifier ?? slackAnnouncements(slack, CHANNEL),
    logger: createLogger({ level: 'silent' }),
    now: t.clock.now,
  });
  const services: SetupServices = {
    wavix,
    senderIds,
    routes: createRoutesRepository(db, t.clock.now),
    audit: createAuditRepository(db, t.clock.now),
    adminUsers: [],
    alertUsers: [],
    replyUsers: [],
    directory: everyoneAdminDirectory,
    smsopsWebhooks: null,
    defaultPortsipUrl: null,
  };
  return { job, senderIds, alerts, alertsTable, services };
}

/** Alice asks for "Acme" in GB (allowlisted at once) and FR (carrier review) through smsops. */
async function requestAcme(services: SetupServices): Promise<string> {
  const created = await requestSenderId(
    services,
    { userId: ALICE },
    {
      type: 'alphanumeric',
      value: 'Acme',
      countries: ['FR', 'GB'],
      usecase: 'transactional',
      samples: ['Your code is 1234'],
    },
  );
  if (!created.ok) throw created.error;
  // As the form does once Slack accepted the request's announcement, which says GB is approved.
  senderIdRequestAnnounced(services, created.value, undefined);
  return created.value.record.wavixId;
}

async function emulatorAdmin(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${emulator.url}/_emulator${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

const posts = () => fakeSlack.callsTo('chat.postMessage').filter((c) => !c.error);
const postedText = () => posts().map((c) => String(c.args.text));

describe('Sender ID approval job', () => {
  it('emits a decision as data: the Sender ID, who asked, and each country with its status', async () => {
    const said: Announcement[] = [];
    const { job, services } = smsops({ notifier: { announce: async (event) => void said.push(event) } });
    const wavixId = await requestAcme(services);
    await job.run();
    await emulatorAdmin(`/sender-ids/${wavixId}/approve`, { countries: ['FR'] });
    expect(await job.run()).toMatchObject({ outcome: 'ok' });
    expect(said).toEqual([
      {
        type: 'senderIdDecided',
        senderId: { value: 'Acme', type: 'alphanumeric', wavixId, origin: 'smsops', requestedBy: ALICE },
        announcement: null,
        decisions: [{ country: 'FR', status: 'approved', reason: null }],
      },
    ]);
    expect(posts()).toHaveLength(0);
  });

  it('announces an approval decided on Wavix once, mentioning the requester, and not again after a restart', async () => {
    const first = smsops();
    const wavixId = await requestAcme(first.services);
    expect(await first.job.run()).toMatchObject({ outcome: 'ok' });
    // GB was confirmed to Alice when she asked; FR is still with the carrier; the seeded portal Sender ID is the baseline.
    expect(posts()).toHaveLength(0);

    await emulatorAdmin(`/sender-ids/${wavixId}/approve`, { countries: ['FR'] });
    expect(await first.job.run()).toMatchObject({ outcome: 'ok' });
    expect(postedText()).toEqual([`Sender ID Acme (requested by <@${ALICE}>): approved in FR`]);
    expect(posts()[0]?.args.channel).toBe(CHANNEL);
    expect(JSON.stringify(posts()[0]?.args.blocks)).toContain('*Approved* in France (FR)');
    expect(first.senderIds.getByWavixId(wavixId)?.final).toBe(true);

    await first.job.run();
    const restarted = smsops({ db: t.reopen() });
    expect(await restarted.job.run()).toMatchObject({ outcome: 'ok' });
    expect(posts()).toHaveLength(1);
  });

  it('picks up a Sender ID created in the Wavix portal and announces its approvals as such', async () => {
    const { job, senderIds } = smsops();
    await job.run();
    expect(posts()).toHaveLength(0);

    // Created directly on Wavix, not through smsops: DE is allowlisted at once, FR goes to review.
    const created = await fetch(`${emulator.url}/v3/messages/sender-ids`, {
      method: 'POST',
      headers: { authorization: `Bearer ${emulator.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sender_id: 'Portal1', type: 'alphanumeric', countries: ['DE', 'FR'], usecase: 'promo' }),
    });
    const portal = (await created.json()) as { id: string };

    await job.run();
    expect(postedText()).toEqual(['Sender ID Portal1 (created in the Wavix portal): approved in DE']);
    expect(senderIds.getByWavixId(portal.id)?.origin).toBe('wavix_portal');

    await emulatorAdmin(`/sender-ids/${portal.id}/approve`, { countries: ['FR'] });
    await job.run();
    expect(postedText()).toEqual([
      'Sender ID Portal1 (created in the Wavix portal): approved in DE',
      'Sender ID Portal1 (created in the Wavix portal): approved in FR',
    ]);
  });

  it('announces a recorded rejection with its reason, escaped, and raises one sender_id_rejected alert', async () => {
    const { job, senderIds, alerts, services } = smsops();
    const wavixId = await requestAcme(services);
    await job.run();

    // Wavix's API has no rejected state: a rejection on Wavix alone leaves the country pending in smsops.
    await emulatorAdmin(`/sender-ids/${wavixId}/reject`, { countries: ['FR'], reason: 'Documents missing' });
    await job.run();
    expect(posts()).toHaveLength(0);
    const acme = senderIds.getByWavixId(wavixId);
    expect(acme?.countries.find((c) => c.country === 'FR')?.status).toBe('pending');

    // Someone records what Wavix's staff wrote.
    senderIds.setCountryStatus(acme?.id ?? 0, 'FR', 'rejected', 'Documents missing <!channel>');
    expect(await job.run()).toMatchObject({ outcome: 'ok' });
    expect(postedText()).toEqual([`Sender ID Acme (requested by <@${ALICE}>): rejected in FR`]);
    const blocks = JSON.stringify(posts()[0]?.args.blocks);
    expect(blocks).toContain('*Rejected* in France (FR): Documents missing &lt;!channel&gt;');
    expect(blocks).not.toContain('<!channel>');
    expect(alerts.raised).toEqual([
      expect.objectContaining({ rule: 'sender_id_rejected', subjectKey: `${wavixId}:FR`, severity: 'warning' }),
    ]);
    expect(alerts.raised[0]?.facts).toMatchObject({ country: 'FR', reason: 'Documents missing <!channel>' });

    await job.run();
    expect(posts()).toHaveLength(1);
    expect(alerts.raised).toHaveLength(1);
  });

  it('raises one wavix_unreachable alert after 3 failed runs in a row, counted across a restart, and resolves it', async () => {
    const alerts = recordingAlerts();
    const closedPort = 'http://127.0.0.1:1';
    const down = smsops({ wavixUrl: closedPort, alerts });
    expect(await down.job.run()).toMatchObject({ outcome: 'failed', error: expect.stringContaining('Wavix could not be read') });
    await down.job.run();
    expect(alerts.raised).toHaveLength(0);

    const restarted = smsops({ db: t.reopen(), wavixUrl: closedPort, alerts });
    await restarted.job.run();
    await restarted.job.run();
    expect(alerts.raised).toEqual([
      expect.objectContaining({ rule: 'wavix_unreachable', subjectKey: 'account', severity: 'critical' }),
    ]);
    expect(alerts.resolved).toHaveLength(0);

    const back = smsops({ db: t.db, alerts });
    expect(await back.job.run()).toMatchObject({ outcome: 'ok' });
    expect(alerts.resolved).toEqual([{ rule: 'wavix_unreachable', subjectKey: 'account' }]);
    await back.job.run();
    expect(alerts.resolved).toHaveLength(1);
  });

  it('fails the run in words when Slack refuses the wavix_unreachable alert', async () => {
    const down = smsops({ wavixUrl: 'http://127.0.0.1:1', slackAlerts: true });
    await down.job.run();
    await down.job.run();
    fakeSlack.failNext('chat.postMessage', 'not_in_channel');
    expect(await down.job.run()).toMatchObject({
      outcome: 'failed',
      error: expect.stringMatching(/Wavix could not be read.*1 alert message could not be posted or edited in Slack/),
    });
    expect(down.alertsTable.findOpen('wavix_unreachable', 'account')).toMatchObject({ slackChannel: null });
  });

  it('a run smsops stops while it reads Wavix is recorded stopped, and three such stops raise no wavix_unreachable', async () => {
    const { job, alerts } = smsops();
    for (let stop = 1; stop <= 3; stop++) {
      // Wavix is slow, not failing: smsops stops before it answers.
      emulator.injectFault({ path: '/v3/messages/sender-ids', latencyMs: 60_000 });
      const stopping = new AbortController();
      const run = job.run(stopping.signal);
      setTimeout(() => stopping.abort(new Error('smsops is stopping')), 50);
      expect(await run).toEqual({ outcome: 'skipped', reason: 'stopped before it finished: smsops is stopping' });
    }
    expect(alerts.raised).toEqual([]);
    // Two real failures after the stops are two, not five: still no alert.
    emulator.injectFault({ path: '/v3/messages/sender-ids', status: 503, times: 2 });
    await job.run();
    await job.run();
    expect(alerts.raised).toEqual([]);
  });

  it('does not alert on 2 failed runs, and a success starts the count again', async () => {
    const { job, alerts } = smsops();
    emulator.injectFault({ path: '/v3/messages/sender-ids', status: 503, times: 2 });
    await job.run();
    await job.run();
    expect(await job.run()).toMatchObject({ outcome: 'ok' });
    emulator.injectFault({ path: '/v3/messages/sender-ids', status: 503, times: 2 });
    await job.run();
    expect(await job.run()).toMatchObject({ outcome: 'failed' });
    expect(alerts.raised).toHaveLength(0);
    expect(alerts.resolved).toHaveLength(0);
  });

  it('keeps an announcement whose Slack post failed and posts it on the next run', async () => {
    const { job, services } = smsops();
    const wavixId = await requestAcme(services);
    await job.run();
    await emulatorAdmin(`/sender-ids/${wavixId}/approve`, { countries: ['FR'] });

    fakeSlack.failNext('chat.postMessage', 'channel_not_found');
    expect(await job.run()).toMatchObject({ outcome: 'failed', error: expect.stringContaining('retried on the next run') });
    expect(posts()).toHaveLength(0);

    expect(await job.run()).toMatchObject({ outcome: 'ok' });
    expect(postedText()).toEqual([`Sender ID Acme (requested by <@${ALICE}>): approved in FR`]);
    await job.run();
    expect(posts()).toHaveLength(1);
  });
});

describe('a Sender ID deleted in the Wavix portal', () => {
  async function deleteOnWavix(wavixId: string): Promise<void> {
    const response = await fetch(`${emulator.url}/v3/messages/sender-ids/${wavixId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${emulator.apiKey}` },
    });
    expect(response.ok).toBe(true);
  }

  it('is announced once as deleted, with where it can no longer send, instead of its unannounced decisions', async () => {
    const { job, senderIds, alerts, services } = smsops();
    const requested = await requestSenderId(
      services,
      { userId: ALICE },
      { type: 'alphanumeric', value: 'Beta', countries: ['FR', 'GB', 'IN'], usecase: 'transactional', samples: [] },
    );
    if (!requested.ok) throw requested.error;
    senderIdRequestAnnounced(services, requested.value, undefined);
    const { wavixId, id } = requested.value.record;
    await job.run();
    await emulatorAdmin(`/sender-ids/${wavixId}/approve`, { countries: ['FR'] });
    senderIds.setCountryStatus(id, 'IN', 'rejected', 'Brand not registered');
    // Slack refuses the post of FR's approval and IN's rejection; then Beta is deleted in the portal.
    fakeSlack.failNext('chat.postMessage', 'internal_error');
    expect(await job.run()).toMatchObject({ outcome: 'failed' });
    expect(alerts.raised).toEqual([expect.objectContaining({ rule: 'sender_id_rejected', subjectKey: `${wavixId}:IN` })]);
    await deleteOnWavix(wavixId);

    expect(await job.run()).toMatchObject({ outcome: 'ok' });
    expect(postedText()).toEqual([
      `Sender ID Beta (requested by <@${ALICE}>): deleted in the Wavix portal: no longer approved in FR, GB`,
    ]);
    expect(alerts.resolved).toContainEqual({ rule: 'sender_id_rejected', subjectKey: `${wavixId}:IN` });
    await job.run();
    expect(posts()).toHaveLength(1);

    const status = JSON.stringify(senderIdStatusMessage('Beta', await findSenderIds(services, 'Beta')));
    expect(status).toContain('Deleted in the Wavix portal* on <!date^');
    expect(status).toContain('France (FR): was approved');
  });

  it('says which countries were still pending, and is not announced again after a restart', async () => {
    const first = smsops();
    const wavixId = await requestAcme(first.services);
    await first.job.run();
    await deleteOnWavix(wavixId);
    await first.job.run();
    expect(postedText()).toEqual([
      `Sender ID Acme (requested by <@${ALICE}>): deleted in the Wavix portal: no longer approved in GB; no longer pending in FR`,
    ]);

    const restarted = smsops({ db: t.reopen() });
    expect(await restarted.job.run()).toMatchObject({ outcome: 'ok' });
    expect(posts()).toHaveLength(1);
  });
});

describe('a rejection whose alert Slack refused to post', () => {
  const alertPosts = () => postedText().filter((text) => text.includes('was rejected in France'));
  const threadPosts = () => postedText().filter((text) => text.endsWith('rejected in FR'));

  it('is posted as an alert although its announcement went out, and not again once shown', async () => {
    const { job, senderIds, alertsTable, services } = smsops({ slackAlerts: true });
    const wavixId = await requestAcme(services);
    await job.run();
    senderIds.setCountryStatus(senderIds.getByWavixId(wavixId)?.id ?? 0, 'FR', 'rejected', 'Brand not registered');

    // The alert's post is refused; the announcement that follows is accepted.
    fakeSlack.failNext('chat.postMessage', 'internal_error');
    expect(await job.run()).toMatchObject({ outcome: 'ok' });
    expect(threadPosts()).toHaveLength(1);
    expect(alertPosts()).toHaveLength(1);
    expect(alertsTable.findOpen('sender_id_rejected', `${wavixId}:FR`)?.slackTs).toBe(
      posts().find((c) => String(c.args.text).includes('was rejected'))?.result?.ts,
    );

    await job.run();
    expect(alertPosts()).toHaveLength(1);
    expect(threadPosts()).toHaveLength(1);
  });

  it('makes the run fail while Slack refuses it, and is posted on the next run', async () => {
    const { job, senderIds, alertsTable, services } = smsops({ slackAlerts: true });
    const wavixId = await requestAcme(services);
    await job.run();
    senderIds.setCountryStatus(senderIds.getByWavixId(wavixId)?.id ?? 0, 'FR', 'rejected', 'Brand not registered');

    // Slack refuses the alert's posts for a whole run, and accepts the rest.
    let ts = 0;
    fakeSlack.handle('chat.postMessage', ({ args }) =>
      String(args.text).includes('was rejected in')
        ? { ok: false, error: 'internal_error' }
        : { channel: args.channel, ts: `1700000000.${String(++ts).padStart(6, '0')}` },
    );
    expect(await job.run()).toMatchObject({
      outcome: 'failed',
      error: expect.stringContaining('1 rejection alert could not be posted in Slack (retried on the next run)'),
    });
    expect(alertPosts()).toHaveLength(0);
    expect(alertsTable.findOpen('sender_id_rejected', `${wavixId}:FR`)?.slackTs).toBeNull();
    expect(threadPosts()).toHaveLength(1);

    fakeSlack.handle('chat.postMessage', undefined);
    expect(await job.run()).toMatchObject({ outcome: 'ok' });
    expect(alertPosts()).toHaveLength(1);
    expect(threadPosts()).toHaveLength(1);
  });
});

describe('a rejected Sender ID requested again', () => {
  /** Alice asks again for "Acme", in the countries given: a second Wavix record of the same name (Wavix has no update). */
  async function requestAcmeAgain(services: SetupServices, countries: string[]): Promise<string> {
    const created = await requestSenderId(
      services,
      { userId: ALICE },
      { type: 'alphanumeric', value: 'Acme', countries, usecase: 'transactional', samples: ['Your code is 1234'] },
    );
    if (!created.ok) throw created.error;
    senderIdRequestAnnounced(services, created.value, undefined);
    return created.value.record.wavixId;
  }

  it('ends the rejection alert once the corrected request is approved in that country, not before', async () => {
    const { job, senderIds, alertsTable, services } = smsops({ slackAlerts: true });
    const first = await requestAcme(services);
    await job.run();
    senderIds.setCountryStatus(senderIds.getByWavixId(first)?.id ?? 0, 'FR', 'rejected', 'Brand not registered');
    await job.run();
    expect(alertsTable.findOpen('sender_id_rejected', `${first}:FR`)).toBeDefined();

    // The team registers the brand and asks for FR again: still under review, the alert stays.
    const second = await requestAcmeAgain(services, ['FR']);
    await job.run();
    expect(alertsTable.findOpen('sender_id_rejected', `${first}:FR`)).toBeDefined();

    // Approved: "Acme can send to FR" and an open "Acme was rejected in FR" alert would contradict each other.
    await emulatorAdmin(`/sender-ids/${second}/approve`, { countries: ['FR'] });
    expect(await job.run()).toMatchObject({ outcome: 'ok' });
    expect(alertsTable.findOpen('sender_id_rejected', `${first}:FR`)).toBeUndefined();
  });

  it('keeps the alert when another Sender ID, or the same name in another country, is approved', async () => {
    const { job, senderIds, alertsTable, services } = smsops({ slackAlerts: true });
    const first = await requestAcme(services);
    await job.run();
    senderIds.setCountryStatus(senderIds.getByWavixId(first)?.id ?? 0, 'FR', 'rejected', 'Brand not registered');
    await job.run();
    await requestAcmeAgain(services, ['DE']);
    const other = await requestSenderId(
      services,
      { userId: ALICE },
      { type: 'alphanumeric', value: 'Acme2', countries: ['FR'], usecase: 'transactional', samples: ['x'] },
    );
    if (!other.ok) throw other.error;
    await emulatorAdmin(`/sender-ids/${other.value.record.wavixId}/approve`, { countries: ['FR'] });
    await job.run();
    expect(alertsTable.findOpen('sender_id_rejected', `${first}:FR`)).toBeDefined();
  });
});

describe('countries Wavix approves at once', () => {
  it('are announced by the job when the request itself could not be announced, and once only when it was', async () => {
    const { job, services } = smsops();
    const created = await requestSenderId(
      services,
      { userId: ALICE },
      { type: 'alphanumeric', value: 'Muon', countries: ['DE', 'FR', 'GB'], usecase: 'transactional', samples: [] },
    );
    if (!created.ok) throw created.error;
    expect(created.value.approvedNow).toEqual(['DE', 'GB']);
    // No senderIdRequestAnnounced: Slack refused the request's announcement.
    expect(await job.run()).toMatchObject({ outcome: 'ok', summary: expect.stringContaining('1 announcement') });
    expect(postedText()).toEqual([`Sender ID Muon (requested by <@${ALICE}>): approved in DE, GB`]);
    await job.run();
    expect(posts()).toHaveLength(1);
  });
});

describe("Wavix's Retry-After", () => {
  const listings = () => emulator.requests().filter((r) => r.method === 'GET' && r.path === '/v3/messages/sender-ids');

  it('is waited out across runs and a restart, the runs skipped saying until when, then Wavix is read again', async () => {
    const { job } = smsops();
    await job.run();
    emulator.injectFault({ path: '/v3/messages/sender-ids', status: 429, retryAfterSeconds: 3600, times: 10 });

    const limited = await job.run();
    expect(limited).toMatchObject({
      outcome: 'failed',
      error: expect.stringContaining('Wavix is rate-limiting requests (429); Wavix asks to wait 1 h before trying again'),
    });
    expect(limited).not.toMatchObject({ error: expect.stringContaining('a minute') });
    expect(listings()).toHaveLength(2);

    t.clock.advance(10 * 60_000);
    const waitedUntil = new Date(t.clock.now() + 50 * 60_000).toISOString().replace('T', ' ').slice(0, 16);
    expect(await job.run()).toEqual({
      outcome: 'skipped',
      reason: `Wavix not read: it asked smsops to wait until ${waitedUntil} UTC (50 min from now)`,
    });
    const restarted = smsops({ db: t.reopen() });
    t.clock.advance(40 * 60_000);
    expect(await restarted.job.run()).toMatchObject({ outcome: 'skipped' });
    expect(listings()).toHaveLength(2);

    emulator.clearFaults();
    t.clock.advance(10 * 60_000);
    expect(await restarted.job.run()).toMatchObject({ outcome: 'ok' });
    expect(listings()).toHaveLength(3);
  });

  it('counts towards wavix_unreachable only the reads it made, and a 503 without one is read again next run', async () => {
    const alerts = recordingAlerts();
    const { job } = smsops({ alerts });
    emulator.injectFault({ path: '/v3/messages/sender-ids', status: 503, times: 2 });
    await job.run();
    await job.run();
    emulator.injectFault({ path: '/v3/messages/sender-ids', status: 503, retryAfterSeconds: 120, times: 1 });
    expect(await job.run()).toMatchObject({
      outcome: 'failed',
      error: expect.stringContaining('Wavix is unavailable right now (503); Wavix asks to wait 2 min before trying again'),
    });
    expect(alerts.raised).toEqual([
      expect.objectContaining({ rule: 'wavix_unreachable', facts: { runs: 3, lastError: expect.any(String) } }),
    ]);
    expect(listings()).toHaveLength(3);

    t.clock.advance(60_000);
    expect(await job.run()).toMatchObject({ outcome: 'skipped' });
    expect(alerts.resolved).toEqual([]);
    t.clock.advance(60_000);
    expect(await job.run()).toMatchObject({ outcome: 'ok' });
    expect(alerts.resolved).toEqual([{ rule: 'wavix_unreachable', subjectKey: 'account' }]);
  });
});
