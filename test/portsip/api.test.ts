import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { PortsipApi } from '../../src/core/ports/portsip.js';
import { createLogger } from '../../src/log.js';
import { createPortsipApi, type PortsipApiOptions, PortsipError } from '../../src/portsip/api.js';
import { inboundRuleSchema } from '../../src/portsip/schemas.js';
import {
  defaultStandInSeed,
  PORTSIP_STANDIN_USER,
  type PortsipStandIn,
  type PortsipStandInOptions,
  STANDIN_WAVIX_WEBHOOK,
  startPortsipStandIn,
} from '../../src/sandbox/portsip/standIn.js';
import { failureOf as failureOfKind } from '../helpers/failureOf.js';

let standIn: PortsipStandIn | undefined;
let logLines: string[] = [];

async function setUp(
  standInOptions: PortsipStandInOptions = {},
  clientOptions: Partial<PortsipApiOptions> = {},
): Promise<{ api: PortsipApi; pbx: PortsipStandIn }> {
  const pbx = await startPortsipStandIn(standInOptions);
  standIn = pbx;
  logLines = [];
  const api = createPortsipApi({
    baseUrl: pbx.url,
    username: PORTSIP_STANDIN_USER.username,
    password: PORTSIP_STANDIN_USER.password,
    logger: createLogger({ level: 'debug', sink: (line) => logLines.push(line) }),
    timeoutMs: 2_000,
    ...clientOptions,
  });
  return { api, pbx };
}

const failureOf = (promise: Promise<unknown>) => failureOfKind(promise, PortsipError);

/** Nothing secret in the log: not the password, not any token the PBX issued. The log must not be empty either. */
function expectNoSecretLogged(pbx: PortsipStandIn, password: string): void {
  expect(logLines.some((line) => line.includes('portsip request'))).toBe(true);
  const secrets = [password, ...pbx.state.sessions.flatMap((s) => [s.accessToken, s.refreshToken])];
  for (const line of logLines) for (const secret of secrets) expect(line).not.toContain(secret);
}

afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

describe('PortSIP REST client against the stand-in', () => {
  it("logs in with PortSIP's OAuth form and reads the Wavix SMS configuration with its webhook", async () => {
    const { api, pbx } = await setUp();
    const configs = await api.listSmsConfigurations();
    expect(configs).toEqual([
      {
        id: 'NzAwNTUxOTA5NzczMTQ4MTYx',
        name: 'Wavix SMS',
        enabled: true,
        senderId: null,
        providerId: 'NzAwNTUxOTA5NzczMTQ4MTYw',
        providerName: 'Wavix Trunk',
        providerBrand: 'Wavix - US',
        webhook: STANDIN_WAVIX_WEBHOOK,
      },
    ]);
    expect(pbx.requests.map((r) => [r.method, r.path, r.status, r.grantType])).toEqual([
      ['POST', '/api/login/oauth/token', 200, 'password'],
      ['GET', '/api/sms', 200, undefined],
    ]);
    // The token is reused: a second read does not log in again.
    await api.listProviders();
    expect(pbx.requests.filter((r) => r.path.startsWith('/api/login'))).toHaveLength(1);
    expectNoSecretLogged(pbx, PORTSIP_STANDIN_USER.password);
  });

  it('reads no further than 10 MB of an answer, and says so in words (a runaway answer held 1.45 GB)', async () => {
    const [config] = defaultStandInSeed().smsConfigurations;
    if (!config) throw new Error('the seed has an SMS configuration');
    const { api } = await setUp({ smsConfigurations: [{ ...config, name: 'x'.repeat(11 * 1024 * 1024) }] });
    const error = await failureOf(api.listSmsConfigurations());
    expect(error.kind).toBe('too_large');
    expect(error.userMessage).toContain("PortSIP's answer when trying to");
    expect(error.userMessage).toContain('larger than 10 MB');
  });

  it('reads no more than 10 MB over all the pages of a list (pages of 4 MB each took smsops to 1.9 GB)', async () => {
    const [config] = defaultStandInSeed().smsConfigurations;
    if (!config) throw new Error('the seed has an SMS configuration');
    const big = [1, 2, 3].map((n) => ({ ...config, id: `big-${n}`, name: `${n}`.repeat(4 * 1024 * 1024) }));
    const { api } = await setUp({ smsConfigurations: big }, { pageSize: 1 });
    const error = await failureOf(api.listSmsConfigurations());
    expect(error.kind).toBe('too_large');
    expect(error.userMessage).toContain('larger than 10 MB');
  });

  it('reads no more than 10,000 entries of a list, whatever a page holds (an API ignoring `top` sent 300,000 a page)', async () => {
    const { api, pbx } = await setUp();
    const items = Array.from({ length: 10_001 }, (_, n) => ({ id: `c${n}`, name: 'n' }));
    pbx.injectFault({ path: '/api/sms', status: 200, body: JSON.stringify({ count: 100_000_000, items }), times: 3 });
    const error = await failureOf(api.listSmsConfigurations());
    expect(error.kind).toBe('too_large');
    expect(error.userMessage).toContain('larger than 10,000 entries');
  });

  it('reads trunks and inbound rules with their DID lists split into entries', async () => {
    const { api } = await setUp();
    expect(await api.listProviders()).toEqual([
      {
        id: 'NzAwNTUxOTA5NzczMTQ4MTYw',
        name: 'Wavix Trunk',
        enabled: true,
        brand: 'Wavix - US',
        didNumbers: ['14155550100', '16135550123'],
      },
    ]);
    expect(await api.listInboundRules()).toEqual([
      {
        id: 'NzAwNTUxOTA5NzczMTQ4MTYy',
        name: 'Main line',
        enabled: true,
        didNumbers: ['14155550100'],
        providerId: 'NzAwNTUxOTA5NzczMTQ4MTYw',
      },
    ]);
  });

  it('accepts did_numbers as a string of ranges or as an array', () => {
    const base = { id: 'r1', name: 'Sales', provider_id: 't1' };
    expect(
      inboundRuleSchema.parse({ ...base, did_numbers: '14155550100-14155550109; 16135550123,16135550124' }).didNumbers,
    ).toEqual(['14155550100-14155550109', '16135550123', '16135550124']);
    expect(inboundRuleSchema.parse({ ...base, did_numbers: ['14155550100', 16135550123] }).didNumbers).toEqual([
      '14155550100',
      '16135550123',
    ]);
  });

  it('logs a tenant user in with its SIP domain', async () => {
    const tenantUser = { username: '101', password: 'tenant-user-password', domain: 'acme.pbx.example.com' };
    const { api, pbx } = await setUp({ users: [tenantUser] }, { ...tenantUser });
    expect(await api.listSmsConfigurations()).toHaveLength(1);

    const withoutDomain = createPortsipApi({
      baseUrl: pbx.url,
      username: '101',
      password: tenantUser.password,
      logger: createLogger({ level: 'silent' }),
    });
    expect((await failureOf(withoutDomain.listSmsConfigurations())).kind).toBe('auth');
  });

  it('answers a wrong password with an auth error in words, without the password anywhere', async () => {
    const wrong = 'wrong-password-93af1c';
    const { api, pbx } = await setUp({}, { password: wrong });
    const error = await failureOf(api.listSmsConfigurations());
    expect(error.kind).toBe('auth');
    expect(error.status).toBe(400);
    // PortSIP's words on a login are not kept: a PBX that cannot read the form quotes it, password and all.
    expect(error.portsipMessage).toBeUndefined();
    expect(error.userMessage).toMatch(/^PortSIP refused the user name or password \(user "admin"\)/);
    expect(error.userMessage).toContain('PORTSIP_API_PASSWORD');
    expect(`${error.message} ${error.userMessage} ${String(error.cause)}`).not.toContain(wrong);
    expect(pbx.requests.some((r) => r.path === '/api/sms')).toBe(false);
    expectNoSecretLogged(pbx, wrong);
  });

  it('renews an expired token with the refresh token, transparently', async () => {
    const { api, pbx } = await setUp();
    await api.listSmsConfigurations();
    pbx.expireTokens();

    expect(await api.listInboundRules()).toHaveLength(1);
    expect(pbx.requests.map((r) => [r.path, r.status, r.grantType])).toEqual([
      ['/api/login/oauth/token', 200, 'password'],
      ['/api/sms', 200, undefined],
      ['/api/inbound_rules', 401, undefined],
      ['/api/login/oauth/token', 200, 'refresh_token'],
      ['/api/inbound_rules', 200, undefined],
    ]);
    expectNoSecretLogged(pbx, PORTSIP_STANDIN_USER.password);
  });

  it('logs in again when PortSIP refuses the refresh token too', async () => {
    const { api, pbx } = await setUp();
    await api.listSmsConfigurations();
    pbx.expireTokens({ refreshTokens: true });

    expect(await api.listSmsConfigurations()).toHaveLength(1);
    expect(pbx.requests.slice(2).map((r) => [r.path, r.status, r.grantType])).toEqual([
      ['/api/sms', 401, undefined],
      ['/api/login/oauth/token', 400, 'refresh_token'],
      ['/api/login/oauth/token', 200, 'password'],
      ['/api/sms', 200, undefined],
    ]);
  });

  it('renews before the announced expiry, without a refused call', async () => {
    let clock = Date.UTC(2026, 10, 25, 12);
    const { api, pbx } = await setUp({}, { now: () => clock });
    await api.listSmsConfigurations();
    clock += 1800 * 1000; // PortSIP announced expires_in 1800 s
    await api.listSmsConfigurations();
    expect(pbx.requests.map((r) => r.status)).not.toContain(401);
    expect(pbx.requests.map((r) => r.grantType).filter(Boolean)).toEqual(['password', 'refresh_token']);
  });

  it('falls back to POST /api/login when the OAuth endpoint answers 404', async () => {
    const { api, pbx } = await setUp({ loginForms: ['json'] });
    expect(await api.listSmsConfigurations()).toHaveLength(1);
    pbx.expireTokens();
    expect(await api.listSmsConfigurations()).toHaveLength(1);
    expect(pbx.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ['POST', '/api/login/oauth/token', 404],
      ['POST', '/api/login', 200],
      ['GET', '/api/sms', 200],
      ['GET', '/api/sms', 401],
      // The form that worked is remembered: no second 404.
      ['POST', '/api/login', 200],
      ['GET', '/api/sms', 200],
    ]);
  });

  it('says the API is missing when neither login endpoint exists', async () => {
    const { api } = await setUp({ loginForms: [] });
    const error = await failureOf(api.listSmsConfigurations());
    expect(error.kind).toBe('not_found');
    expect(error.userMessage).toContain('PORTSIP_API_URL');
  });

  it('pages through a list larger than one page with top and skip', async () => {
    const [template] = defaultStandInSeed().smsConfigurations;
    if (!template) throw new Error('seed has no SMS configuration');
    const smsConfigurations = Array.from({ length: 5 }, (_, i) => ({ ...template, id: `cfg-${i}`, name: `SMS ${i}` }));
    const { api, pbx } = await setUp({ smsConfigurations }, { pageSize: 2 });

    expect((await api.listSmsConfigurations()).map((c) => c.name)).toEqual(['SMS 0', 'SMS 1', 'SMS 2', 'SMS 3', 'SMS 4']);
    expect(pbx.requests.filter((r) => r.path === '/api/sms').map((r) => [r.query.top, r.query.skip])).toEqual([
      ['2', '0'],
      ['2', '2'],
      ['2', '4'],
    ]);
  });

  it('reports a 500 as a PortSIP server error', async () => {
    const { api, pbx } = await setUp();
    pbx.injectFault({ path: '/api/sms', status: 500 });
    const error = await failureOf(api.listSmsConfigurations());
    expect(error.kind).toBe('server');
    expect(error.status).toBe(500);
    expect(error.userMessage).toMatch(
      /PortSIP had an internal error \(HTTP 500\) when trying to list the SMS\/MMS configurations/,
    );
  });

  it('reports a body that is not PortSIP JSON as invalid_response', async () => {
    const { api, pbx } = await setUp();
    pbx.injectFault({
      path: '/api/inbound_rules',
      status: 200,
      body: '<html><body>Gateway says hi</body></html>',
      contentType: 'text/html',
    });
    const error = await failureOf(api.listInboundRules());
    expect(error.kind).toBe('invalid_response');
    expect(error.userMessage).toContain('in a shape smsops does not understand');
    expect(logLines.some((line) => line.includes('did not match the expected shape'))).toBe(true);
    expectNoSecretLogged(pbx, PORTSIP_STANDIN_USER.password);
  });

  it('reports a PBX that does not answer in time as a timeout', async () => {
    const { api, pbx } = await setUp({}, { timeoutMs: 200 });
    pbx.injectFault({ path: '/api/providers', status: 200, body: '{"count":0,"items":[]}', delayMs: 1_000 });
    expect((await failureOf(api.listProviders())).kind).toBe('timeout');
  });

  it('gives up on an answer trickling a byte at a time once its time is up (it held `/sms portsip` unanswered for hours)', async () => {
    // Answers the login, then starts every other answer and sends one byte of it each 100 ms, never ending it.
    const trickles = new Set<NodeJS.Timeout>();
    const pbx = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url?.startsWith('/api/login')) {
        res.end(JSON.stringify({ access_token: 'trickle-access-token', expires_in: 3600 }));
        return;
      }
      const trickle = setInterval(() => res.write(' '), 100);
      trickles.add(trickle);
      res.on('close', () => clearInterval(trickle));
    });
    await new Promise<void>((resolve) => pbx.listen(0, '127.0.0.1', resolve));
    try {
      const api = createPortsipApi({
        baseUrl: `http://127.0.0.1:${(pbx.address() as AddressInfo).port}`,
        username: 'admin',
        password: 'trickle-password',
        logger: createLogger({ level: 'debug', sink: () => {} }),
        timeoutMs: 500,
      });
      const started = Date.now();
      const error = await failureOf(api.listSmsConfigurations());
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(error.kind).toBe('timeout');
      expect(error.userMessage).toContain('PortSIP did not answer in time when trying to list the SMS/MMS configurations');
    } finally {
      for (const trickle of trickles) clearInterval(trickle);
      pbx.closeAllConnections();
      await new Promise((resolve) => pbx.close(resolve));
    }
  });

  it('says PORTSIP_API_URL redirects, and where to, when the portal answers http:// with a redirect (it said "PortSIP refused to log in")', async () => {
    const logins: string[] = [];
    const portal = createServer((req, res) => {
      logins.push(req.url ?? '');
      res.writeHead(301, { location: 'https://pbx.example.com:8887/api/login/oauth/token?session=abcdef123456' });
      res.end();
    });
    await new Promise<void>((resolve) => portal.listen(0, '127.0.0.1', resolve));
    try {
      const api = createPortsipApi({
        baseUrl: `http://127.0.0.1:${(portal.address() as AddressInfo).port}`,
        username: 'admin',
        password: 'redirected-password',
        logger: createLogger({ level: 'debug', sink: () => {} }),
      });
      const error = await failureOf(api.listSmsConfigurations());
      expect(error.kind).toBe('redirect');
      expect(error.userMessage).toContain(
        'PORTSIP_API_URL answered with a redirect (HTTP 301) to https://pbx.example.com:8887 when trying to log in',
      );
      expect(error.userMessage).not.toContain('refused');
      expect(error.userMessage).not.toContain('abcdef123456');
      expect(logins).toHaveLength(1);
    } finally {
      await new Promise((resolve) => portal.close(resolve));
    }
  });

  it('reports an unreachable PBX as a network error naming PORTSIP_API_URL', async () => {
    const { api, pbx } = await setUp();
    await pbx.close();
    const error = await failureOf(api.listSmsConfigurations());
    expect(error.kind).toBe('network');
    expect(error.userMessage).toMatch(/could not reach PortSIP .*: connection refused \(ECONNREFUSED\)\. Check PORTSIP_API_URL/);
  });

  it('tolerates a base URL copied with /api at its end', async () => {
    const { pbx } = await setUp();
    const api = createPortsipApi({
      baseUrl: `${pbx.url}/api/`,
      username: PORTSIP_STANDIN_USER.username,
      password: PORTSIP_STANDIN_USER.password,
      logger: createLogger({ level: 'silent' }),
    });
    expect(await api.listProviders()).toHaveLength(1);
  });
});
