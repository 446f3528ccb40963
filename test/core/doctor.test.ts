import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { generate as generateCertificate } from 'selfsigned';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGuardedLookup } from '../../src/core/destinationGuard.js';
import { type CheckGroup, GroupProgress } from '../../src/core/doctor/context.js';
import type { DoctorDeps, DoctorReport, PortsipInboundRules } from '../../src/core/doctor/types.js';
import { runDoctor, runGroup, summaryLine } from '../../src/core/doctor.js';
import type { DeliveriesRepository } from '../../src/core/ports/deliveries.js';
import type { InboundRepository } from '../../src/core/ports/inbound.js';
import { requestSenderId } from '../../src/core/senderIds.js';
import type { SetupServices } from '../../src/core/services.js';
import { applyWebhookChange, smsopsWebhookUrls } from '../../src/core/webhooks.js';
import { ok } from '../../src/errors.js';
import { healthRoute } from '../../src/http/health.js';
import { getHealthOverHttp } from '../../src/http/healthProbe.js';
import { createTenDlcSubscriptions } from '../../src/jobs/tenDlcSubscriptions.js';
import { silentLogger } from '../../src/log.js';
import { createPortsipConnectionProbes, portsipConnectionProbes } from '../../src/portsip/connectionProbes.js';
import { startWavixEmulator, type WavixEmulator } from '../../src/sandbox/emulator/server.js';
import { createDoctorSlackClient } from '../../src/slack/app.js';
import { slackChannelMembership } from '../../src/slack/doctorChannels.js';
import type { Db } from '../../src/store/database.js';
import { storeOn } from '../../src/store/openStore.js';
import { createAlertsRepository } from '../../src/store/repositories/alerts.js';
import { createAuditRepository } from '../../src/store/repositories/audit.js';
import { createDeliveriesRepository } from '../../src/store/repositories/deliveries.js';
import { createInboundRepository } from '../../src/store/repositories/inbound.js';
import { createRoutesRepository } from '../../src/store/repositories/routes.js';
import { createSenderIdsRepository } from '../../src/store/repositories/senderIds.js';
import { createWavixClient } from '../../src/wavix/client.js';
import { everyoneAdminDirectory } from '../helpers/directory.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fakeSlack.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

/** smsops' /healthz over the test database. */
const healthOn = (db: Db) => {
  const store = storeOn(db, Date.now);
  return healthRoute({ ...store.repositories, migrationCount: store.migrationCount, now: Date.now });
};

const API_KEY = 'wavix-doctor-test-key-7c2f';
const SECRET = 'whsec_doctor_0123456789abcdefghij';
const ALERTS = 'C0ALERTS01';
const INBOX = 'C0INBOX001';
const US_CHANNEL = 'C0SMSUS001';
const SUPPORT = '+14155550100'; // SMS-enabled, US
const OTTAWA = '+16135550123'; // SMS-enabled, CA
const WASHINGTON = '+12025550143'; // US, SMS off
const PORTSIP_PATH = '/emc/Wavix - US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// ── Self-signed certificates, made by selfsigned (an independent X.509 encoder): ECDSA P-256 ─────────────────────

/** A self-signed CA:TRUE certificate with the given names and validity, as PEM, with its key. */
async function selfSignedCertificate(options: {
  cn: string;
  dns?: string[];
  ips?: string[];
  notBefore: number;
  notAfter: number;
}) {
  const pems = await generateCertificate([{ name: 'commonName', value: options.cn }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: new Date(options.notBefore),
    notAfterDate: new Date(options.notAfter),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...(options.dns ?? []).map((value) => ({ type: 2 as const, value })),
          ...(options.ips ?? []).map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

// ── Servers standing for PortSIP and for smsops' public address ─────────────────────────────────────────────────

const closers: Array<() => Promise<void>> = [];
const listening = async (server: Server | ReturnType<typeof createTlsServer> | ReturnType<typeof createTcpServer>) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
};

/** A TLS endpoint presenting `certificate`; it closes every connection at once (doctor sends nothing anyway). */
async function tlsEndpoint(certificate: { cert: string; key: string }): Promise<number> {
  return listening(createTlsServer(certificate, (socket) => socket.end()));
}

/** A port where nothing listens: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const now = Date.now();
const emptyOverview = { numbers: [], accountWebhook: null, accountPointsAtSmsops: false, smsopsUrlKnown: false };
let localhostCert: { cert: string; key: string };

// ── The doctor under test, on a real store, the Wavix emulator and the fake Slack ────────────────────────────────

let emulator: WavixEmulator;
let fakeSlack: FakeSlack;
let t: TempDb;
/** smsops' public address: its real health route, over HTTPS with a certificate the tests trust. */
let publicBaseUrl: string;
let services: SetupServices;
let deliveries: DeliveriesRepository;
let inbound: InboundRepository;

beforeAll(async () => {
  fakeSlack = await startFakeSlack();
  localhostCert = await selfSignedCertificate({
    cn: 'pbx.local',
    dns: ['localhost'],
    ips: ['127.0.0.1'],
    notBefore: now - DAY,
    notAfter: Date.UTC(2099, 0, 15),
  });
});
afterAll(() => fakeSlack.close());

beforeEach(async () => {
  emulator = await startWavixEmulator({ apiKey: API_KEY });
  t = createTempDb();
  const health = healthOn(t.db);
  const healthPort = await listening(createHttpsServer(localhostCert, (req, res) => health.handler(req, res, {})));
  publicBaseUrl = `https://127.0.0.1:${healthPort}`;
  services = {
    wavix: createWavixClient({
      baseUrl: emulator.url,
      apiKey: API_KEY,
      timeoutMs: 2_000,
      retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 },
      sleep: async () => {},
    }),
    senderIds: createSenderIdsRepository(t.db),
    routes: createRoutesRepository(t.db),
    audit: createAuditRepository(t.db),
    adminUsers: [],
    alertUsers: [],
    replyUsers: [],
    directory: everyoneAdminDirectory,
    smsopsWebhooks: smsopsWebhookUrls(publicBaseUrl, SECRET),
    defaultPortsipUrl: null,
    // Its Wavix is the emulator on this host, as in the sandbox: smsops on 127.0.0.1 stands in for a public address.
    wavixOnThisHost: true,
  };
  deliveries = createDeliveriesRepository(t.db, t.clock.now);
  inbound = createInboundRepository(t.db, t.clock.now);
  fakeSlack.reset();
});

afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
  await emulator.close();
  t.cleanup();
});

function doctorDeps(overrides: Partial<DoctorDeps> = {}): DoctorDeps {
  return {
    services,
    relay: { deliveries, inbound, now: t.clock.now },
    publicBaseUrl,
    channels: { alert: ALERTS, inbox: INBOX },
    channelMembership: slackChannelMembership(
      createDoctorSlackClient({ botToken: 'xoxb-doctor-test', apiUrl: fakeSlack.url }, silentLogger),
    ),
    healthProbe: getHealthOverHttp,
    portsipProbes: portsipConnectionProbes,
    trustedCa: [localhostCert.cert],
    ...overrides,
  };
}

function check(report: DoctorReport, id: string) {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id}; got ${report.checks.map((c) => c.id).join(', ')}`);
  return found;
}

/** The check `id` ended `status`, and its reason says `words` (what the person running the doctor reads). */
function expectFinding(report: DoctorReport, id: string, status: DoctorReport['checks'][number]['status'], words: string) {
  expect(check(report, id)).toMatchObject({ status, reason: expect.stringContaining(words) });
}

const pointDefaultAtSmsops = async () => {
  const result = await applyWebhookChange(services, { userId: 'U0ADMIN001' }, { target: 'default' });
  if (!result.ok) throw result.error;
};

const setRoute = (number: string, portsipUrl: string | null, slackChannel: string | null = null) =>
  services.routes.set({ number, portsipUrl, slackChannel, by: 'U0ADMIN001' });

/** An inbound SMS for `destination` (PortSIP) stored now; its one delivery. */
function storedFor(destination: string, id: string) {
  const stored = inbound.insertWithDeliveries(
    {
      wavixMessageId: id,
      fromNumber: '12125550107',
      toNumber: '14155550100',
      messageType: 'sms',
      text: 'hello',
      media: null,
      receivedAtText: '2026-11-25 12:00:00',
      receivedAt: t.clock.now(),
      contentType: 'application/json',
      rawBody: Buffer.from('{}'),
    },
    [{ kind: 'portsip', destination }],
  );
  const delivery = deliveries.forMessage(stored.id)[0];
  if (!delivery) throw new Error('no delivery stored');
  return delivery;
}

/** Inbound SMS for `destination` stored now, each with its one delivery failed with `failure`. */
function failingDeliveries(destination: string, ids: string[], failure: { statusCode: number; error: string }) {
  for (const id of ids) deliveries.markFailed(storedFor(destination, id).id, { ...failure, nextAttemptAt: t.clock.now() + HOUR });
}

describe('a healthy chain', () => {
  it('is ok link by link once the account default points at smsops', async () => {
    await pointDefaultAtSmsops();
    const port = await tlsEndpoint(localhostCert);
    setRoute('default', `https://127.0.0.1:${port}${PORTSIP_PATH}`);

    const report = await runDoctor(doctorDeps());

    expect(check(report, 'wavix-key')).toMatchObject({ status: 'ok', reason: expect.stringContaining('accepts the key') });
    expect(check(report, `number:${SUPPORT}`)).toMatchObject({ status: 'ok', reason: 'SMS enabled; inbound SMS active.' });
    expect(check(report, `number:${OTTAWA}`).status).toBe('ok');
    expect(check(report, 'webhook:default')).toMatchObject({ status: 'ok', reason: 'Points at smsops.' });
    expect(check(report, `webhook:${SUPPORT}`)).toMatchObject({
      status: 'ok',
      reason: 'Uses the account default, which points at smsops.',
    });
    expect(check(report, 'senderid:5108c63f-2b4e-4b5f-9a1d-0c3e7f2a9b11')).toMatchObject({
      status: 'ok',
      reason: 'Approved for GB.',
    });
    const publicUrl = check(report, 'public-url');
    expect(publicUrl.status).toBe('ok');
    expect(publicUrl.reason).toContain('answers with smsops’ health report');
    expect(publicUrl.reason).toContain('hairpin');
    const portsip = check(report, 'portsip:default');
    expect(portsip).toMatchObject({ status: 'ok', reason: expect.stringContaining('valid for 127.0.0.1') });
    expect(portsip.reason).toContain('expires 2099-01-15');
    // The route's credential (PortSIP's UUID) is masked wherever it is shown.
    expect(JSON.stringify(report)).not.toContain('a558d635-66e0');
    expect(check(report, `channel:${ALERTS}`)).toMatchObject({ status: 'ok', reason: 'The bot is a member.' });
    expectFinding(report, 'portsip-rules', 'skipped', 'set PORTSIP_API_URL');
    // Nothing fails; the seed's numbers without SMS (Washington among them: smsops routes nothing for it) are voice DIDs.
    const failures = report.checks.filter((c) => c.status === 'failure').map((c) => c.id);
    expect(failures).toEqual([]);
    expect(check(report, `number:${WASHINGTON}`)).toMatchObject({ status: 'ok', finding: 'voice-only' });
    expect(summaryLine(report.counts)).toBe(
      `${report.counts.ok} ok, ${report.counts.warning} warnings, 0 failures, ${report.counts.skipped} skipped`,
    );
  });
});

describe('each broken link', () => {
  it('a US number smsops routes SMS for, with inbound SMS off, is a failure with the enable-inbound fix', async () => {
    const support = emulator.state().numbers.find((n) => n.number === '14155550100');
    if (support) support.sms_enabled = false;
    setRoute(SUPPORT, null, ALERTS);
    setRoute('+4930901820', null, ALERTS);
    const report = await runDoctor(doctorDeps());
    expect(check(report, `number:${SUPPORT}`)).toEqual({
      id: `number:${SUPPORT}`,
      title: 'Number +1 415 555 0100 (US) · Support line',
      number: SUPPORT,
      finding: 'inbound-inactive',
      status: 'failure',
      reason: expect.stringContaining('Inbound SMS is not active'),
      fix: { actionId: 'enable_inbound', value: SUPPORT, label: 'Enable inbound SMS' },
    });
    // A routed German number without SMS cannot be fixed through the API: a warning that says whom to ask.
    expect(check(report, 'number:+4930901820')).toMatchObject({
      status: 'warning',
      finding: 'sms-not-enabled',
      reason: expect.stringContaining('Wavix support'),
    });
    expect(check(report, 'number:+4930901820').fix).toBeUndefined();
    // Without a route, a number without SMS is a voice DID: counted as fine, said once per kind by the report.
    expect(check(report, 'number:+31201234567')).toMatchObject({ status: 'ok', finding: 'voice-only' });
    expect(check(report, `number:${WASHINGTON}`)).toMatchObject({
      status: 'ok',
      finding: 'voice-only',
      fix: { actionId: 'enable_inbound', value: WASHINGTON },
    });
  });

  it('does not count the findings of an ignored number, and keeps them in the report marked as ignored', async () => {
    setRoute(WASHINGTON, null, ALERTS);
    const counted = await runDoctor(doctorDeps());
    expect(check(counted, `number:${WASHINGTON}`).status).toBe('failure');
    const entry = { number: WASHINGTON, reason: 'ported away', by: 'U0ADMIN001', at: 1 };
    const report = await runDoctor(doctorDeps({ ignoredNumbers: [entry] }));
    expect(check(report, `number:${WASHINGTON}`)).toMatchObject({ status: 'failure', ignored: entry });
    expect(report.counts.failure).toBe(counted.counts.failure - 1);
    expect(report.ignored).toEqual([entry]);
  });

  it('an account default changed on Wavix behind smsops’ back fails, with the point-at-smsops fix', async () => {
    await pointDefaultAtSmsops();
    emulator.state().profile.sms_relay_url = 'https://elsewhere.example.com/hook';
    const report = await runDoctor(doctorDeps());
    expect(check(report, 'webhook:default')).toMatchObject({
      status: 'failure',
      reason: expect.stringContaining('`https://elsewhere.example.com/hook`, not smsops'),
      fix: { actionId: 'point_webhook_at_smsops', value: 'default' },
    });
    expectFinding(report, `webhook:${SUPPORT}`, 'failure', 'uses the account default, which does not point at smsops');
  });

  it('a Sender ID still pending for a country is a warning naming the countries', async () => {
    // Wavix allowlists DE at once and sends FR to carrier review (the emulator's manual-review countries).
    const requested = await requestSenderId(
      services,
      { userId: 'U0ADMIN001' },
      { type: 'alphanumeric', value: 'Acme', countries: ['FR', 'DE'], usecase: 'transactional', samples: ['Your code is 1234'] },
    );
    if (!requested.ok) throw requested.error;
    const report = await runDoctor(doctorDeps());
    expect(check(report, `senderid:${requested.value.record.wavixId}`)).toMatchObject({
      title: 'Sender ID Acme (alphanumeric)',
      status: 'warning',
      reason: expect.stringContaining('Approved for DE. Pending for FR'),
    });
  });

  it('a number-level override is named as such, with the fix for that number', async () => {
    await pointDefaultAtSmsops();
    const support = emulator.state().numbers.find((n) => n.number === '14155550100');
    if (support) support.sms_relay_url = `https://pbx.example.com:8887${PORTSIP_PATH.replaceAll(' ', '%20')}`;
    const report = await runDoctor(doctorDeps());
    expect(check(report, 'webhook:default').status).toBe('ok');
    const override = check(report, `webhook:${SUPPORT}`);
    expect(override).toMatchObject({
      status: 'failure',
      fix: { actionId: 'point_webhook_at_smsops', value: SUPPORT, label: 'Point webhook at smsops' },
    });
    expect(override.reason).toContain('number-level override');
    expect(override.reason).toContain('`https://pbx.example.com:8887/emc/Wavix%20-%20US/a558…`');
  });

  it('webhooks left on smsops’ previous secret mid-rotation are warnings with the fix, not “elsewhere” failures', async () => {
    const OLD = 'whsec_doctor_previous_0123456789abcd';
    const before = smsopsWebhookUrls(publicBaseUrl, OLD);
    if (!before) throw new Error('no smsops URL');
    services = { ...services, smsopsWebhooks: smsopsWebhookUrls(publicBaseUrl, SECRET, [OLD]) };
    emulator.state().profile.sms_relay_url = before.inbound;
    const support = emulator.state().numbers.find((n) => n.number === '14155550100');
    if (support) support.sms_relay_url = before.inbound;
    const report = await runDoctor(doctorDeps());
    expect(check(report, 'webhook:default')).toMatchObject({
      status: 'warning',
      reason: expect.stringContaining('smsops’ URL with its previous webhook secret'),
      fix: { actionId: 'point_webhook_at_smsops', value: 'default' },
    });
    expect(check(report, `webhook:${SUPPORT}`)).toMatchObject({
      status: 'warning',
      finding: 'webhook-previous-secret',
      reason: expect.stringContaining('WEBHOOK_SECRET_PREVIOUS'),
      fix: { actionId: 'point_webhook_at_smsops', value: SUPPORT },
    });
    expect(check(report, `webhook:${OTTAWA}`)).toMatchObject({ status: 'warning', finding: 'webhook-previous-secret' });
    expect(JSON.stringify(report)).not.toContain('elsewhere');
  });

  it('a refused Wavix key is a failure in words, and the Wavix reads after it are skipped, not repeated', async () => {
    emulator.injectFault({ status: 401, times: Number.POSITIVE_INFINITY });
    const report = await runDoctor(doctorDeps());
    expectFinding(report, 'wavix-key', 'failure', 'Wavix refused the API key (401 Unauthorized)');
    expect(check(report, 'wavix-key').reason).toContain('WAVIX_API_KEY');
    for (const id of ['numbers', 'senderids', 'webhooks']) {
      expect(check(report, id)).toMatchObject({ status: 'skipped', reason: expect.stringContaining('refused the API key') });
    }
    // The links that do not go through Wavix are still checked.
    expect(check(report, 'public-url').status).toBe('ok');
  });

  it('a Wavix outage is one failure, on the key, and the other Wavix checks are skipped saying why', async () => {
    const wavix = createWavixClient({ baseUrl: emulator.url, apiKey: API_KEY, retry: { maxRetries: 0 } });
    const tenDlc = createTenDlcSubscriptions({ wavix, webhookSecret: SECRET, publicBaseUrl });
    // A route of a number of its own: its check needs the numbers, so it is skipped with them.
    setRoute('+12025550199', null, INBOX);
    const wavixChecks = ['wavix-key', 'numbers', 'route-numbers', 'senderids', 'webhooks', 'ten-dlc-webhooks'];
    const wavixFailures = (report: DoctorReport) =>
      report.checks.filter((c) => wavixChecks.includes(c.id) && c.status === 'failure').map((c) => c.id);
    const skippedSaying = (report: DoctorReport, why: string) => {
      for (const id of wavixChecks.slice(1)) {
        expect(check(report, id)).toMatchObject({
          status: 'skipped',
          reason: `Not checked: Wavix ${why} (see “Wavix API key”).`,
        });
      }
    };

    emulator.injectFault({ status: 500, times: Number.POSITIVE_INFINITY });
    let report = await runDoctor(doctorDeps({ tenDlcSubscriptions: tenDlc.inspect }));
    expect(wavixFailures(report)).toEqual(['wavix-key']);
    expect(check(report, 'wavix-key').reason).toMatch(
      /^Wavix could not be read, so the key was not checked: Wavix is unavailable right now \(500\)( after \d attempts)?; try again in a few minutes\.$/,
    );
    skippedSaying(report, 'could not be read');

    emulator.clearFaults();
    emulator.injectFault({ status: 403, times: Number.POSITIVE_INFINITY, body: { message: 'Service not enabled' } });
    report = await runDoctor(doctorDeps({ tenDlcSubscriptions: tenDlc.inspect }));
    expect(wavixFailures(report)).toEqual(['wavix-key']);
    expect(check(report, 'wavix-key').reason).toContain('(403). Wavix said: "Service not enabled".');
    expect(check(report, 'wavix-key').reason).toContain('Nothing else could be read from Wavix.');
    skippedSaying(report, 'could not be read');

    // Wavix down for the profile only: what could be read is reported, what could not is said once.
    emulator.clearFaults();
    emulator.injectFault({ path: '/v1/profile', status: 503, times: Number.POSITIVE_INFINITY });
    report = await runDoctor(doctorDeps({ tenDlcSubscriptions: tenDlc.inspect }));
    expect(wavixFailures(report)).toEqual(['wavix-key']);
    expect(check(report, 'numbers')).toMatchObject({ status: 'skipped' });
    expect(check(report, 'senderid:5108c63f-2b4e-4b5f-9a1d-0c3e7f2a9b11').status).toBe('ok');
  });

  it('Wavix rate-limiting its reads is said as rate limiting at once, and nothing is asked of Wavix after the report', async () => {
    // Retries and their waits as in production: a Retry-After is waited out when it fits, never past the report.
    services.wavix = createWavixClient({ baseUrl: emulator.url, apiKey: API_KEY });
    emulator.injectFault({ path: '/v1/profile', status: 429, retryAfterSeconds: 10, times: 20 });
    const report = await runDoctor(doctorDeps({ wavixTimeoutMs: 3_000, timeoutMs: 3_000 }));
    expect(check(report, 'wavix-key')).toEqual({
      id: 'wavix-key',
      title: 'Wavix API key',
      status: 'warning',
      reason:
        'Wavix rate-limited these checks (429, retry after 10 s), so the key was not checked: run `/sms doctor` again after that.',
    });
    expect(JSON.stringify(report)).not.toContain('No answer within');
    expect(check(report, 'numbers')).toMatchObject({
      status: 'skipped',
      reason: 'Not checked: Wavix rate-limited these checks (see “Wavix API key”).',
    });
    const profileReads = () => emulator.requests().filter((r) => r.path === '/v1/profile').length;
    // One read of the profile, shared by the checks that need it, and no retry of it after the report.
    expect(profileReads()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(profileReads()).toBe(1);
  });

  it('a slow Wavix is said as slow with the numbers read so far, and its listing stops with the report', async () => {
    const numbers = emulator.state().numbers;
    const template = numbers[0];
    for (let i = 0; i < 1_000; i++)
      numbers.push({ ...structuredClone(template), id: 9000 + i, number: `1202557${String(i).padStart(4, '0')}` } as never);
    emulator.injectFault({ path: '/v1/numbers', latencyMs: 300, times: Number.POSITIVE_INFINITY });
    const portsip: PortsipInboundRules = { checkInboundRules: async (dids) => ok(dids.map((did) => ({ did, rule: 'Queue' }))) };
    const report = await runDoctor(doctorDeps({ wavixTimeoutMs: 2_500, timeoutMs: 1_000, portsip }));
    const listed = check(report, 'numbers');
    expect(listed).toMatchObject({
      status: 'warning',
      reason: expect.stringMatching(
        /^Wavix answers, but slowly: it had listed [1-9]\d* numbers in \d+ s when doctor stopped waiting, not all of them/,
      ),
    });
    expect(check(report, 'webhooks')).toMatchObject({ status: 'skipped', reason: expect.stringContaining('see “Numbers”') });
    // PortSIP's rules wait on the numbers: out of their own time, they say so instead of blaming the PortSIP API.
    expect(check(report, 'portsip-rules')).toMatchObject({
      status: 'skipped',
      reason: 'Not checked within 1 s: it needs the numbers, which Wavix was still listing (see “Numbers”).',
    });
    expect(JSON.stringify(report)).not.toContain('No answer within');
    // The page asked for when the report was made is answered (the emulator counts it then); none is asked after.
    const pagesRead = () => emulator.requests().filter((r) => r.path === '/v1/numbers').length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const atReport = pagesRead();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(pagesRead()).toBe(atReport);
  });

  it('without PUBLIC_BASE_URL the webhooks fail with the explanation and the probe is skipped', async () => {
    services.smsopsWebhooks = null;
    const report = await runDoctor(doctorDeps({ publicBaseUrl: null }));
    expectFinding(report, 'webhooks', 'failure', 'PUBLIC_BASE_URL is not set');
    expect(check(report, 'public-url').status).toBe('skipped');
  });

  it('a PUBLIC_BASE_URL over plain HTTP is a warning; one that answers as something else, or not at all, fails', async () => {
    const plainHealth = healthOn(t.db);
    const plainPort = await listening(createHttpServer((req, res) => plainHealth.handler(req, res, {})));
    const plain = check(await runDoctor(doctorDeps({ publicBaseUrl: `http://127.0.0.1:${plainPort}` })), 'public-url');
    expect(plain).toMatchObject({ status: 'warning', reason: expect.stringContaining('over plain HTTP') });
    expect(plain.reason).toContain('answers with smsops’ health report');

    const other = createHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>It works!</h1>'));
    const otherPort = await listening(other);
    let report = await runDoctor(doctorDeps({ publicBaseUrl: `http://127.0.0.1:${otherPort}` }));
    expectFinding(report, 'public-url', 'failure', 'not with smsops’ health report');

    report = await runDoctor(doctorDeps({ publicBaseUrl: `http://127.0.0.1:${await closedPort()}` }));
    const down = check(report, 'public-url');
    expect(down.status).toBe('failure');
    expect(down.reason).toContain('does not answer: connection refused (ECONNREFUSED).');
    expect(down.reason).toContain('hairpin NAT');

    // https:// to the plain-HTTP port: OpenSSL's "write EPROTO 80…:SSL routines:…" said in words.
    report = await runDoctor(doctorDeps({ publicBaseUrl: `https://127.0.0.1:${plainPort}` }));
    const noTls = check(report, 'public-url');
    expect(noTls.reason).toContain('does not answer: the server does not speak HTTPS (ERR_SSL_WRONG_VERSION_NUMBER).');
    expect(noTls.reason).not.toMatch(/SSL routines|EPROTO/);
  });

  it('a PUBLIC_BASE_URL reaching an smsops that reports itself failing is reachable, its reasons quoted', async () => {
    // One SMS owed for 5 min under `/sms alerts set backlog_minutes 1`: smsops' own /healthz answers 503.
    createAlertsRepository(t.db).changeSetting('backlog_minutes', '1', 'U0ADMIN001');
    const fiveMinutesAgo = createInboundRepository(t.db, () => Date.now() - 5 * 60_000);
    fiveMinutesAgo.insertWithDeliveries(
      {
        wavixMessageId: 'm-owed',
        fromNumber: '12125550107',
        toNumber: '14155550100',
        messageType: 'sms',
        text: 'hello',
        media: null,
        receivedAtText: '2026-11-25 12:00:00',
        receivedAt: Date.now() - 5 * 60_000,
        contentType: 'application/json',
        rawBody: Buffer.from('{}'),
      },
      [{ kind: 'portsip', destination: `https://pbx.example.com:8887${PORTSIP_PATH}` }],
    );
    const publicUrl = check(await runDoctor(doctorDeps()), 'public-url');
    expect(publicUrl).toMatchObject({ status: 'ok', reason: expect.stringContaining('answers with smsops’ health report') });
    expect(publicUrl.reason).toContain(
      'It reports itself failing there (HTTP 503): “the oldest undelivered inbound SMS is 5 min old (threshold 1 min)”',
    );
    expect(publicUrl.reason).toContain('`/sms relay status`');
  });

  it('a PUBLIC_BASE_URL on a loopback or private host is a warning even when it answers: the real Wavix cannot reach it', async () => {
    services.wavixOnThisHost = false;
    const answered = check(await runDoctor(doctorDeps()), 'public-url');
    expect(answered.status).toBe('warning');
    expect(answered.reason).toContain('answers with smsops’ health report, but only from here');
    expect(answered.reason).toContain(
      "PUBLIC_BASE_URL's host is a loopback address: Wavix calls this URL from the internet and cannot reach it",
    );
    expect(answered.reason).not.toContain('strong evidence');

    const down = check(await runDoctor(doctorDeps({ publicBaseUrl: `http://localhost:${await closedPort()}` })), 'public-url');
    expect(down.status).toBe('failure');
    expect(down.reason).toContain("PUBLIC_BASE_URL's host is a loopback name");
    expect(down.reason).not.toContain('hairpin');
  });

  it('a PortSIP route on a closed port fails; one over plain HTTP is a warning', async () => {
    setRoute('default', `http://127.0.0.1:${await closedPort()}${PORTSIP_PATH}`);
    const plain = await listening(createTcpServer((socket) => socket.end()));
    setRoute(SUPPORT, `http://127.0.0.1:${plain}${PORTSIP_PATH}`);
    const report = await runDoctor(doctorDeps());
    expectFinding(report, 'portsip:default', 'failure', 'connection refused');
    expectFinding(report, `portsip:${SUPPORT}`, 'warning', 'not encrypted');
  });

  it('a route whose host name hangs in DNS is said as DNS, not as a firewall or a host that is down', async () => {
    // The route's DNS servers down: the lookup never answers while the doctor waits (a probe: the real process said
    // "the connection was never accepted (a firewall dropping packets, or a host that is down)").
    const lookup = createGuardedLookup(() => {});
    const listeningPbx = await listening(createTcpServer((socket) => socket.end()));
    setRoute('default', `http://pbx.dns-down.test:${listeningPbx}${PORTSIP_PATH}`);
    setRoute(SUPPORT, `https://pbx.dns-down.test:${listeningPbx}${PORTSIP_PATH}`);
    const report = await runDoctor(doctorDeps({ timeoutMs: 5_000, portsipProbes: createPortsipConnectionProbes(lookup) }));
    for (const id of ['portsip:default', `portsip:${SUPPORT}`])
      expectFinding(
        report,
        id,
        'failure',
        "The host name pbx.dns-down.test did not resolve within 4 s: DNS is slow or not answering (this host's resolver, or the name's DNS servers), so PortSIP was never reached.",
      );
  });

  it('a route URL with no path (PortSIP’s web portal pasted for its webhook) is a warning, said without connecting', async () => {
    setRoute(SUPPORT, 'https://pbx.acme-corp.net:8887/');
    const report = await runDoctor(doctorDeps());
    expectFinding(
      report,
      `portsip:${SUPPORT}`,
      'warning',
      'The URL has no path: PortSIP’s SMS webhook URL ends with its configuration’s ID',
    );
    expect(check(report, `portsip:${SUPPORT}`).reason).toContain('Set the route again with the SMS webhook URL');
  });

  it('never sends PortSIP a request: it only connects', async () => {
    const received: string[] = [];
    const pbx = createHttpServer((req, res) => {
      received.push(`${req.method} ${req.url}`);
      res.end();
    });
    setRoute('default', `http://127.0.0.1:${await listening(pbx)}${PORTSIP_PATH}`);
    const report = await runDoctor(doctorDeps());
    expect(check(report, 'portsip:default').status).toBe('warning');
    expect(received).toEqual([]);
  });

  it('an https:// route at a plain-HTTP port fails saying the server does not speak HTTPS, not OpenSSL’s words', async () => {
    const pbx = createHttpServer((_req, res) => res.end());
    const port = await listening(pbx);
    setRoute('default', `https://127.0.0.1:${port}${PORTSIP_PATH}`);
    const portsip = check(await runDoctor(doctorDeps()), 'portsip:default');
    expect(portsip.status).toBe('failure');
    expect(portsip.reason).toBe(`The server at 127.0.0.1:${port} does not speak HTTPS: use http:// or the HTTPS port.`);
  });

  it('a route whose port resets the connection, or cuts the TLS handshake, is said in words, not Node’s', async () => {
    const resetting = createTcpServer((socket) => socket.resetAndDestroy());
    const cutting = createTcpServer((socket) => socket.once('data', () => socket.end()));
    const resetPort = await listening(resetting);
    const cutPort = await listening(cutting);
    setRoute('+14155550100', `https://127.0.0.1:${resetPort}${PORTSIP_PATH}`);
    setRoute('+14155550101', `https://127.0.0.1:${cutPort}${PORTSIP_PATH}`);
    const report = await runDoctor(doctorDeps());
    const reasons = report.checks.filter((c) => c.id.startsWith('portsip:+1415555010')).map((c) => c.reason);
    expect(reasons).toContain(
      `127.0.0.1:${cutPort} accepts connections but closed this one during the TLS handshake, before sending a certificate (ECONNRESET): not PortSIP's HTTPS port, or a firewall or proxy that cuts TLS. The relay's posts fail too.`,
    );
    expect(reasons.join('\n')).toMatch(
      new RegExp(
        `127\\.0\\.0\\.1:${resetPort} (accepts connections but dropped this one|accepts connections but closed this one during the TLS handshake)`,
      ),
    );
    expect(reasons.join('\n')).not.toMatch(/Error: |read ECONNRESET|socket disconnected/);
  });

  it('a PortSIP route with a self-signed certificate fails, saying so', async () => {
    const port = await tlsEndpoint(localhostCert);
    setRoute('default', `https://127.0.0.1:${port}${PORTSIP_PATH}`);
    // Node's own CA store, as the relay uses: the self-signed certificate is not in it.
    const report = await runDoctor(doctorDeps({ trustedCa: undefined }));
    const portsip = check(report, 'portsip:default');
    expect(portsip.status).toBe('failure');
    expect(portsip.reason).toContain('self-signed certificate');
    expect(portsip.reason).toContain('expires 2099-01-15');
    // A company PBX on its own CA is trusted without turning verification off: the way is said.
    expect(portsip.reason).toContain('NODE_EXTRA_CA_CERTS');
  });

  it('a PortSIP offering only TLS 1.0 fails naming the TLS version, not OpenSSL’s words or the certificate', async () => {
    const port = await listening(
      createTlsServer({ ...localhostCert, minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }, (socket) =>
        socket.end(),
      ),
    );
    setRoute('default', `https://127.0.0.1:${port}${PORTSIP_PATH}`);
    const portsip = check(await runDoctor(doctorDeps({ trustedCa: undefined })), 'portsip:default');
    expect(portsip.status).toBe('failure');
    expect(portsip.reason).toBe(
      `127.0.0.1:${port} offers only an old TLS version or cipher (TLS 1.0 or 1.1): smsops, like current browsers, needs TLS 1.2 or later, so the relay's posts fail too. Enable TLS 1.2 or later on PortSIP's web server.`,
    );
  });

  it('a trusted certificate for another host name, an expired one, and one about to expire', async () => {
    const otherHost = await selfSignedCertificate({
      cn: 'pbx.example.com',
      dns: ['pbx.example.com'],
      notBefore: now - DAY,
      notAfter: now + 90 * DAY,
    });
    const expired = await selfSignedCertificate({
      cn: 'pbx.local',
      ips: ['127.0.0.1'],
      notBefore: Date.UTC(2025, 0, 1),
      notAfter: Date.UTC(2025, 5, 30),
    });
    const expiring = await selfSignedCertificate({
      cn: 'pbx.local',
      ips: ['127.0.0.1'],
      notBefore: now - DAY,
      notAfter: now + 5 * DAY + HOUR,
    });
    setRoute('default', `https://127.0.0.1:${await tlsEndpoint(otherHost)}${PORTSIP_PATH}`);
    setRoute(SUPPORT, `https://127.0.0.1:${await tlsEndpoint(expired)}${PORTSIP_PATH}`);
    setRoute(OTTAWA, `https://127.0.0.1:${await tlsEndpoint(expiring)}${PORTSIP_PATH}`);
    const report = await runDoctor(doctorDeps({ trustedCa: [otherHost.cert, expired.cert, expiring.cert] }));
    expectFinding(
      report,
      'portsip:default',
      'failure',
      'Hostname mismatch: PortSIP’s certificate is for pbx.example.com, not 127.0.0.1',
    );
    expectFinding(report, `portsip:${SUPPORT}`, 'failure', 'expired on 2025-06-30');
    expectFinding(report, `portsip:${OTTAWA}`, 'warning', '(in 5 days)');
  });

  it('a route that hangs is named alone, and every other route’s finding is still reported', async () => {
    // Each its own name: OpenSSL picks an issuer among trusted certificates by subject, so alike names mix them up.
    const cert = (cn: string, o: { dns?: string[]; ips?: string[]; notBefore: number; notAfter: number }) =>
      selfSignedCertificate({ cn, ...o });
    const good = await cert('good.pbx.local', { ips: ['127.0.0.1'], notBefore: now - DAY, notAfter: now + 90 * DAY });
    const expired = await cert('expired.pbx.local', {
      ips: ['127.0.0.1'],
      notBefore: Date.UTC(2025, 0, 1),
      notAfter: Date.UTC(2025, 5, 30),
    });
    const otherHost = await cert('pbx.example.com', { dns: ['pbx.example.com'], notBefore: now - DAY, notAfter: now + 90 * DAY });
    const notYet = await cert('later.pbx.local', { ips: ['127.0.0.1'], notBefore: now + 10 * DAY, notAfter: now + 90 * DAY });
    const expiring = await cert('expiring.pbx.local', {
      ips: ['127.0.0.1'],
      notBefore: now - DAY,
      notAfter: now + 4 * DAY + HOUR,
    });
    const route = async (number: string, certificate: { cert: string; key: string }) =>
      setRoute(number, `https://127.0.0.1:${await tlsEndpoint(certificate)}${PORTSIP_PATH}`);
    await route('default', good);
    await route(SUPPORT, expired);
    await route(OTTAWA, otherHost);
    await route(WASHINGTON, notYet);
    await route('+12025550116', expiring);
    // Its certificate is trusted by nobody: self-signed, as the relay sees it.
    await route('+12025550117', localhostCert);
    // Accepts the connection and never says a word: no TLS handshake, ever (its sockets ended when the test ends).
    const held: Socket[] = [];
    const silent = await listening(createTcpServer((socket) => held.push(socket)));
    closers.unshift(async () => {
      for (const socket of held) socket.destroy();
    });
    setRoute('+12025550118', `https://127.0.0.1:${silent}${PORTSIP_PATH}`);

    const report = await runDoctor(
      // 5 s: the group's last second is its margin over the probes' 4 s, which a loaded CI machine used up at 2 s (0.4 s).
      doctorDeps({ timeoutMs: 5_000, trustedCa: [good.cert, expired.cert, otherHost.cert, notYet.cert, expiring.cert] }),
    );
    expect(check(report, 'portsip:default').status).toBe('ok');
    expect(check(report, `portsip:${SUPPORT}`).reason).toContain('expired on 2025-06-30');
    expect(check(report, `portsip:${OTTAWA}`).reason).toContain('Hostname mismatch');
    expect(check(report, `portsip:${WASHINGTON}`).reason).toContain('not valid before');
    expectFinding(report, 'portsip:+12025550116', 'warning', '(in 4 days)');
    expect(check(report, 'portsip:+12025550117').reason).toContain('self-signed certificate');
    expect(check(report, 'portsip:+12025550118')).toMatchObject({
      status: 'failure',
      title: expect.stringContaining('route +1 202 555 0118'),
      reason: `127.0.0.1:${silent} accepts connections but did not answer the TLS handshake within 4 s: the service there hangs, or it is not PortSIP's HTTPS port. The relay's posts to it wait until they time out.`,
    });
    expect(report.checks.some((c) => c.id === 'portsip')).toBe(false);
  });

  it("says a route's connection failure in words with its code, not OpenSSL's raw text, to admins and to others", async () => {
    const pbxUrl = `https://pbx.example.com:8887${PORTSIP_PATH}`;
    setRoute('default', pbxUrl);
    deliveries.markFailed(storedFor(pbxUrl, 'm-tls').id, {
      statusCode: null,
      // What Node 20 says of a PortSIP offering only TLS 1.0/1.1, as the relay recorded it on the real process.
      error:
        '801C89F5A37F0000:error:0A00042E:SSL routines:ssl3_read_bytes:tlsv1 alert protocol version:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1605:SSL alert number 70',
      nextAttemptAt: t.clock.now() + HOUR,
    });
    t.clock.advance(HOUR);
    for (const admin of [true, false]) {
      const report = await runDoctor(doctorDeps({ showDestinationAnswers: admin }));
      const relay = report.checks.find((c) => c.id.startsWith('relay:portsip:'));
      expect(relay?.reason).toContain(
        'Last answer: no HTTP answer: TLS version or cipher too old (ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION).',
      );
      expect(relay?.reason).not.toMatch(/801C89|SSL routines/);
    }
  });

  it('messages owed to a route past the backlog threshold are a failure with the last error', async () => {
    const pbxUrl = `https://pbx.example.com:8887${PORTSIP_PATH}`;
    setRoute('default', pbxUrl);
    // Three days ago PortSIP took a message; today two arrived and keep failing.
    deliveries.markDelivered(storedFor(pbxUrl, 'm-old').id, 200);
    t.clock.advance(3 * DAY);
    failingDeliveries(pbxUrl, ['m-1', 'm-2'], { statusCode: 404, error: 'HTTP 404: unknown webhook' });
    t.clock.advance(HOUR);

    const report = await runDoctor(doctorDeps({ showDestinationAnswers: true }));
    const relay = report.checks.find((c) => c.id.startsWith('relay:portsip:'));
    expect(relay?.status).toBe('failure');
    expect(relay?.reason).toContain('2 pending (oldest 1 h), 0 dead, last success 2026-11-25 12:00 UTC');
    expect(relay?.reason).toContain('Last answer: HTTP 404: unknown webhook.');
    // Someone who is not an admin sees the status, not what the destination said.
    const forOthers = (await runDoctor(doctorDeps())).checks.find((c) => c.id.startsWith('relay:portsip:'));
    expect(forOthers?.reason).toContain('Last answer: HTTP 404.');
    expect(forOthers?.reason).not.toContain('unknown webhook');

    // Once they get through, the route is ok again.
    for (const id of ['m-1', 'm-2']) {
      const retried = deliveries.forMessage(inbound.getByWavixId(id)?.id ?? 0)[0];
      if (retried) deliveries.markDelivered(retried.id, 200);
    }
    t.clock.advance(10 * 60_000);
    const after = (await runDoctor(doctorDeps())).checks.find((c) => c.id.startsWith('relay:portsip:'));
    expect(after).toMatchObject({ status: 'ok', reason: expect.stringContaining('Last delivery 10 min ago') });
  });

  it('a Slack that does not answer leaves the relay findings whole, its channels named by their ids', async () => {
    const pbxUrl = `https://pbx.example.com:8887${PORTSIP_PATH}`;
    setRoute('default', pbxUrl);
    failingDeliveries(pbxUrl, ['m-1'], { statusCode: 503, error: 'HTTP 503: unavailable' });
    const release = fakeSlack.hang('users.conversations');

    const report = await runDoctor(doctorDeps({ showDestinationAnswers: true, timeoutMs: 3_000 }));
    const relay = report.checks.find((c) => c.id.startsWith('relay:portsip:'));
    expect(relay).toMatchObject({ status: 'warning', reason: expect.stringContaining('Last answer: HTTP 503') });
    expect(check(report, `relay:slack:${INBOX}`).title).toBe(`Relay to Slack inbox channel ${INBOX}`);
    // The channels themselves still wait for Slack, and say it hangs.
    expect(check(report, 'channels')).toMatchObject({ status: 'failure', reason: expect.stringContaining('No answer') });
    // Slack answers at last: the look-ups left over end here, not in the next test.
    release();
    await fakeSlack.waitFor('conversations.info', 2);
  });

  it('a route owed SMS is judged by its backlog on /healthz’s threshold, however many messages came after', async () => {
    const stuck = `https://pbx-stuck.example.com:8887${PORTSIP_PATH}`;
    const working = `https://pbx.example.com:8887${PORTSIP_PATH}`;
    setRoute('default', stuck);
    setRoute(SUPPORT, working);
    failingDeliveries(stuck, ['m-1', 'm-2'], { statusCode: 503, error: 'HTTP 503: unavailable' });
    t.clock.advance(60_000);
    // 510 SMS to a route that takes them: doctor's scan of the recent messages no longer reaches the two.
    deliveries.inTransaction(() => {
      for (let i = 0; i < 510; i++) deliveries.markDelivered(storedFor(working, `m-ok-${i}`).id, 200);
    });
    t.clock.advance(2 * 60_000);
    const alerts = createAlertsRepository(t.db, t.clock.now);
    const stuckCheck = async () => {
      const report = await runDoctor(doctorDeps({ alerts }));
      return report.checks.find((c) => c.id.startsWith('relay:portsip:') && c.title.includes('pbx-stuck'));
    };

    // Under the default 10-min threshold: a warning with `/sms relay status`'s figures.
    expect(await stuckCheck()).toMatchObject({
      status: 'warning',
      reason: expect.stringContaining('2 pending (oldest 3 min), 0 dead, last success never: nothing delivered since'),
    });
    // `/sms alerts set backlog_minutes 1`: /healthz answers 503 for them, and doctor fails the route with it.
    alerts.changeSetting('backlog_minutes', '1', 'U0ADMIN001');
    const failing = await stuckCheck();
    expect(failing).toMatchObject({
      status: 'failure',
      reason: expect.stringContaining('older than the 1-min backlog threshold, so /healthz answers 503 for it'),
    });
    expect(failing?.reason).toContain('Last answer: HTTP 503.');
  });

  it('a channel the bot is not in, or cannot see, fails with “invite @smsops”', async () => {
    setRoute(SUPPORT, null, US_CHANNEL);
    fakeSlack.handle('conversations.info', ({ args }) => {
      if (args.channel === INBOX) return { ok: false, error: 'channel_not_found' };
      if (args.channel === US_CHANNEL) return { channel: { id: US_CHANNEL, name: 'sms-us', is_member: false } };
      return { channel: { id: args.channel, name: 'sms-alerts', is_member: true } };
    });
    const report = await runDoctor(doctorDeps());
    expect(check(report, `channel:${ALERTS}`)).toMatchObject({
      status: 'ok',
      title: 'Slack channel #sms-alerts (alert channel)',
    });
    expectFinding(report, `channel:${INBOX}`, 'failure', 'channel_not_found');
    expect(check(report, `channel:${INBOX}`).reason).toContain('/invite @smsops');
    expect(check(report, `channel:${US_CHANNEL}`)).toMatchObject({
      status: 'failure',
      title: `Slack channel #sms-us (route +1 415 555 0100)`,
      reason: expect.stringContaining('The bot is not a member'),
    });
    // The relay checks name a channel as people know it, its id only where Slack cannot say its name.
    expect(check(report, `relay:slack:${US_CHANNEL}`).title).toBe('Relay to Slack channel of route +1 415 555 0100 #sms-us');
    expect(check(report, `relay:slack:${INBOX}`).title).toBe(`Relay to Slack inbox channel ${INBOX}`);
    // Asked with the bot token, once per channel (the relay and channel checks share the answer).
    expect(
      fakeSlack
        .callsTo('conversations.info')
        .map((c) => c.args.channel)
        .sort(),
    ).toEqual([ALERTS, US_CHANNEL, INBOX].sort());
  });
  it('a bot token Slack refuses is said once, with what fixes it, not as each channel’s problem', async () => {
    setRoute(SUPPORT, null, US_CHANNEL);
    for (const method of ['users.conversations', 'conversations.info'])
      fakeSlack.handle(method, () => ({ ok: false, error: 'token_revoked' }));
    const report = await runDoctor(doctorDeps());
    expect(report.checks.filter((c) => c.id.startsWith('channel:'))).toEqual([]);
    expect(check(report, 'channels:token-refused')).toMatchObject({
      status: 'failure',
      title: 'Slack bot token',
      reason: expect.stringContaining('Slack refuses smsops’ bot token (token_revoked): none of the 3 channels'),
    });
    expect(check(report, 'channels:token-refused').reason).toContain('SLACK_BOT_TOKEN');
  });
});

describe('many route channels', () => {
  const ROUTES = 150;
  const channelOf = (i: number) => `C0CHAN${String(i).padStart(4, '0')}`;
  const routeMany = () => {
    for (let i = 0; i < ROUTES; i++) setRoute(`+1202556${String(i).padStart(4, '0')}`, null, channelOf(i));
  };

  it('learns the channels the bot is in from one paged list, and asks Slack one by one only about the others', async () => {
    routeMany();
    // The bot is in every route's channel but the last; Slack pages its list 100 at a time.
    fakeSlack.seedChannels(
      Array.from({ length: ROUTES - 1 }, (_, i) => ({ id: channelOf(i), name: `sms-${i}` })),
      { pageSize: 100 },
    );
    fakeSlack.handle('conversations.info', ({ args }) =>
      args.channel === channelOf(ROUTES - 1)
        ? { channel: { id: args.channel, name: 'sms-last', is_member: false } }
        : { channel: { id: args.channel, name: 'sms-other', is_member: true } },
    );
    const report = await runDoctor(doctorDeps());
    expect(check(report, `channel:${channelOf(7)}`)).toMatchObject({
      status: 'ok',
      title: 'Slack channel #sms-7 (route +1 202 556 0007)',
    });
    expectFinding(report, `channel:${channelOf(ROUTES - 1)}`, 'failure', 'The bot is not a member');
    expect(report.checks.filter((c) => c.id.startsWith('channel:') && c.status === 'ok')).toHaveLength(ROUTES - 1 + 2);
    expect(check(report, `relay:slack:${channelOf(7)}`).title).toBe('Relay to Slack channel of route +1 202 556 0007 #sms-7');
    expect(fakeSlack.callsTo('users.conversations')).toHaveLength(2);
    expect(fakeSlack.callsTo('users.conversations')[0]?.args).toMatchObject({ types: 'public_channel,private_channel' });
    expect(
      fakeSlack
        .callsTo('conversations.info')
        .map((c) => c.args.channel)
        .sort(),
    ).toEqual([ALERTS, INBOX, channelOf(ROUTES - 1)].sort());
  });

  it('stops asking once Slack rate-limits it, and says so in one line instead of blaming the link', async () => {
    routeMany();
    fakeSlack.rateLimit('users.conversations', 30, 1_000);
    fakeSlack.rateLimit('conversations.info', 30, 1_000);
    const report = await runDoctor(doctorDeps());
    expect(check(report, 'channels:rate-limited')).toEqual({
      id: 'channels:rate-limited',
      title: 'Slack channels',
      status: 'warning',
      reason: `Slack rate-limited these checks (retry after 30 s): ${ROUTES + 2} channels were not checked. Run \`/sms doctor\` again after that.`,
    });
    expect(report.checks.filter((c) => c.id.startsWith('channel:'))).toEqual([]);
    // The relay checks name the channels by their ids instead.
    expect(check(report, `relay:slack:${channelOf(7)}`).title).toBe(
      `Relay to Slack channel of route +1 202 556 0007 ${channelOf(7)}`,
    );
    expect(JSON.stringify(report)).not.toContain('No answer within');
    expect(fakeSlack.callsTo('users.conversations')).toHaveLength(1);
    expect(fakeSlack.callsTo('conversations.info')).toEqual([]);
  });

  it('asks about a few channels at a time, and stops once one is rate-limited', async () => {
    routeMany();
    let out = 0;
    let most = 0;
    const report = await runDoctor(
      doctorDeps({
        channelMembership: async (channel) => {
          out += 1;
          most = Math.max(most, out);
          await new Promise((resolve) => setTimeout(resolve, 5));
          out -= 1;
          return channel === channelOf(20)
            ? { ok: false, error: 'ratelimited', retryAfterSeconds: 12 }
            : { ok: true, isMember: true };
        },
      }),
    );
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(4);
    expect(check(report, 'channels:rate-limited').reason).toMatch(
      /^Slack rate-limited these checks \(retry after 12 s\): \d+ channels were not checked/,
    );
  });

  it('a group out of time after a rate-limited look-up says Slack rate-limited it, not that the link hangs', async () => {
    routeMany();
    let first = true;
    const report = await runDoctor(
      doctorDeps({
        timeoutMs: 1_000,
        channelMembership: () => {
          if (!first) return new Promise(() => {});
          first = false;
          return Promise.resolve({ ok: false, error: 'ratelimited', retryAfterSeconds: 12 });
        },
      }),
    );
    expect(check(report, 'channels')).toMatchObject({
      status: 'warning',
      reason: 'Slack rate-limited these checks (retry after 12 s): run `/sms doctor` again after that.',
    });
    // The relay checks wait for the names only briefly: they are there, naming the channels by their ids.
    expect(check(report, `relay:slack:${channelOf(7)}`).title).toBe(
      `Relay to Slack channel of route +1 202 556 0007 ${channelOf(7)}`,
    );
  });
});

describe('a group out of time', () => {
  it('keeps the checks that finished and names the one still running', async () => {
    const group: CheckGroup = {
      id: 'probes',
      title: 'Probes',
      run: (ctx) => {
        const piece = (name: string, work: Promise<void>) =>
          GroupProgress.track(ctx, { id: `probe:${name}`, title: `Probe ${name}` }, async () => {
            await work;
            return { id: `probe:${name}`, title: `Probe ${name}`, status: 'failure', reason: `${name} is broken.` };
          });
        return Promise.all([piece('a', Promise.resolve()), piece('b', Promise.resolve()), piece('c', new Promise(() => {}))]);
      },
    };
    const checks = await runGroup(group, { deps: doctorDeps(), numbers: async () => ok(emptyOverview) }, 300);
    expect(checks).toEqual([
      { id: 'probe:a', title: 'Probe a', status: 'failure', reason: 'a is broken.' },
      { id: 'probe:b', title: 'Probe b', status: 'failure', reason: 'b is broken.' },
      { id: 'probe:c', title: 'Probe c', status: 'failure', reason: expect.stringContaining('No answer within 0.3 s') },
    ]);
  });
});

describe('PortSIP inbound rules (the optional PortSIP API)', () => {
  it('fails a number without an inbound rule and passes one with a rule', async () => {
    const asked: string[][] = [];
    const portsip: PortsipInboundRules = {
      checkInboundRules: async (dids) => {
        asked.push(dids);
        return ok(dids.map((did) => ({ did, rule: did === SUPPORT ? 'Support queue (ext. 8000)' : null })));
      },
    };
    const report = await runDoctor(doctorDeps({ portsip }));
    // The UK number sends SMS only (Wavix activates inbound on US and Canadian numbers): no rule is needed for it.
    expect(asked).toEqual([[SUPPORT, OTTAWA]]);
    expect(report.checks.map((c) => c.id)).not.toContain('portsip-rule:+447400123456');
    expect(check(report, `portsip-rule:${SUPPORT}`)).toMatchObject({
      status: 'ok',
      reason: 'Inbound rule: Support queue (ext. 8000).',
    });
    expect(check(report, `portsip-rule:${OTTAWA}`)).toMatchObject({
      status: 'failure',
      title: 'PortSIP inbound rule for +1 613 555 0123',
      reason: expect.stringContaining('No inbound rule in PortSIP'),
    });
  });

  it('looks up the numbers meant to receive: with a route of their own, whether or not inbound is on yet', async () => {
    const asked: string[][] = [];
    const portsip: PortsipInboundRules = {
      checkInboundRules: async (dids) => {
        asked.push(dids);
        return ok(dids.map((did) => ({ did, rule: null })));
      },
    };
    const pbxUrl = `https://pbx.example.com:8887${PORTSIP_PATH}`;
    setRoute(WASHINGTON, pbxUrl);
    setRoute('+447400123456', pbxUrl);
    await runDoctor(doctorDeps({ portsip }));
    expect(asked.map((dids) => [...dids].sort())).toEqual([[SUPPORT, WASHINGTON, OTTAWA, '+447400123456'].sort()]);
  });

  it('a check that throws or hangs is a failure with its message; the others still report', async () => {
    const throwing: PortsipInboundRules = {
      checkInboundRules: async () => {
        throw new Error('PortSIP API said 500');
      },
    };
    let report = await runDoctor(doctorDeps({ portsip: throwing }));
    expect(check(report, 'portsip-rules')).toMatchObject({
      status: 'failure',
      reason: 'The check itself failed: PortSIP API said 500',
    });
    expect(check(report, 'wavix-key').status).toBe('ok');

    const hanging: PortsipInboundRules = { checkInboundRules: () => new Promise(() => {}) };
    report = await runDoctor(doctorDeps({ portsip: hanging, timeoutMs: 1_500 }));
    expectFinding(report, 'portsip-rules', 'failure', 'No answer within 1.5 s');
  });
});
