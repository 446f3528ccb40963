import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PortsipApi } from '../../src/core/ports/portsip.js';
import type { RoutesRepository } from '../../src/core/ports/routes.js';
import { checkInboundRules, proposeRoutes } from '../../src/core/portsipSetup.js';
import { createLogger } from '../../src/log.js';
import { createPortsipApi, PortsipError } from '../../src/portsip/api.js';
import {
  defaultStandInSeed,
  PORTSIP_STANDIN_USER,
  type PortsipStandIn,
  type PortsipStandInOptions,
  STANDIN_WAVIX_WEBHOOK,
  startPortsipStandIn,
} from '../../src/sandbox/portsip/standIn.js';
import { createRoutesRepository } from '../../src/store/repositories/routes.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

let t: TempDb;
let routes: RoutesRepository;
let pbx: PortsipStandIn | undefined;

async function portsipWith(options: PortsipStandInOptions = {}, password = PORTSIP_STANDIN_USER.password): Promise<PortsipApi> {
  pbx = await startPortsipStandIn(options);
  return createPortsipApi({
    baseUrl: pbx.url,
    username: PORTSIP_STANDIN_USER.username,
    password,
    logger: createLogger({ level: 'silent' }),
  });
}

/** A second tenant: its own Wavix trunk and SMS configuration, as on one Wavix account shared by two PortSIP tenants. */
function twoWavixTenants(): PortsipStandInOptions {
  const seed = defaultStandInSeed();
  const [trunk] = seed.providers;
  const [config] = seed.smsConfigurations;
  if (!trunk || !config) throw new Error('seed changed');
  const secondWebhook = 'https://pbx.example.com:8887/emc/Wavix - US/7b1e2f90-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
  return {
    ...seed,
    providers: [
      { ...trunk, did_numbers: '14155550100' },
      { ...trunk, id: 'trunk-b', name: 'Wavix Trunk B', did_numbers: '16135550123-16135550124' },
    ],
    smsConfigurations: [
      { ...config, name: 'Tenant A SMS' },
      {
        ...config,
        id: 'sms-b',
        name: 'Tenant B SMS',
        provider_id: 'trunk-b',
        provider_name: 'Wavix Trunk B',
        webhook: secondWebhook,
      },
    ],
  };
}

beforeEach(() => {
  t = createTempDb();
  routes = createRoutesRepository(t.db, t.clock.now);
});
afterEach(async () => {
  await pbx?.close();
  pbx = undefined;
  t.cleanup();
});

describe('proposeRoutes', () => {
  it("proposes the default route to the seeded Wavix configuration's webhook", async () => {
    const portsip = await portsipWith();
    const result = await proposeRoutes({ portsip, routes });
    expect(result).toEqual({
      ok: true,
      value: [
        {
          number: 'default',
          portsipUrl: STANDIN_WAVIX_WEBHOOK,
          configuration: {
            id: 'NzAwNTUxOTA5NzczMTQ4MTYx',
            name: 'Wavix SMS',
            providerName: 'Wavix Trunk',
            providerBrand: 'Wavix - US',
          },
          currentUrl: null,
          alreadyInPlace: false,
          alsoClaimedBy: [],
          destinationNote: null,
          refusedBecause: null,
        },
      ],
    });
  });

  it('marks the proposal already in place when the route points there (spaces or %20 alike)', async () => {
    const portsip = await portsipWith();
    routes.set({ number: 'default', portsipUrl: STANDIN_WAVIX_WEBHOOK.replaceAll(' ', '%20'), slackChannel: null, by: 'U1' });
    const result = await proposeRoutes({ portsip, routes });
    expect(result.ok && result.value.map((p) => [p.number, p.alreadyInPlace])).toEqual([['default', true]]);
  });

  it('shows the URL a proposal would replace', async () => {
    const portsip = await portsipWith();
    const old = 'https://old-pbx.example.com:8887/sms/Wavix - US/11111111-2222-3333-4444-555555555555';
    routes.set({ number: 'default', portsipUrl: old, slackChannel: null, by: 'U1' });
    const result = await proposeRoutes({ portsip, routes });
    expect(result.ok && result.value[0]).toMatchObject({
      currentUrl: old,
      alreadyInPlace: false,
      portsipUrl: STANDIN_WAVIX_WEBHOOK,
    });
  });

  it('leaves out disabled configurations and other providers', async () => {
    const seed = defaultStandInSeed();
    const [config] = seed.smsConfigurations;
    if (!config) throw new Error('seed changed');
    const portsip = await portsipWith({
      ...seed,
      smsConfigurations: [
        { ...config, enabled: false },
        { ...config, id: 'telnyx', name: 'Telnyx SMS', provider_name: 'Telnyx', provider_brand: 'Telnyx - US' },
      ],
    });
    expect(await proposeRoutes({ portsip, routes })).toEqual({ ok: true, value: [] });
  });

  it('proposes one route per DID when several Wavix configurations exist, marking those in place', async () => {
    const portsip = await portsipWith(twoWavixTenants());
    const tenantB = 'https://pbx.example.com:8887/emc/Wavix - US/7b1e2f90-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
    routes.set({ number: '+16135550123', portsipUrl: tenantB, slackChannel: null, by: 'U1' });

    const result = await proposeRoutes({ portsip, routes });
    expect(result.ok && result.value.map((p) => [p.number, p.configuration.name, p.alreadyInPlace])).toEqual([
      ['+14155550100', 'Tenant A SMS', false],
      ['+16135550123', 'Tenant B SMS', true],
      ['+16135550124', 'Tenant B SMS', false],
    ]);
    expect(result.ok && result.value[0]?.portsipUrl).toBe(STANDIN_WAVIX_WEBHOOK);
  });

  it('flags a number two Wavix configurations claim through one shared trunk', async () => {
    const options = twoWavixTenants();
    const portsip = await portsipWith({
      ...options,
      smsConfigurations: (options.smsConfigurations ?? []).map((c) => ({ ...c, provider_id: 'NzAwNTUxOTA5NzczMTQ4MTYw' })),
    });
    const result = await proposeRoutes({ portsip, routes });
    expect(result.ok && result.value.map((p) => [p.number, p.configuration.name, p.alsoClaimedBy])).toEqual([
      ['+14155550100', 'Tenant A SMS', ['Tenant B SMS']],
      ['+14155550100', 'Tenant B SMS', ['Tenant A SMS']],
    ]);
  });

  it('refuses to expand a huge DID range into routes, saying why', async () => {
    const options = twoWavixTenants();
    const [first, second] = options.providers ?? [];
    if (!first || !second) throw new Error('fixture changed');
    const portsip = await portsipWith({ ...options, providers: [first, { ...second, did_numbers: '16135550000-16135559999' }] });
    const result = await proposeRoutes({ portsip, routes });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.userMessage).toMatch(/range of 10000 numbers .*Set the routes by hand/);
  });

  it('returns PortSIP refusing the login as a failed result, in words', async () => {
    const portsip = await portsipWith({}, 'not-the-password');
    const result = await proposeRoutes({ portsip, routes });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toBeInstanceOf(PortsipError);
    expect(!result.ok && result.error.userMessage).toMatch(/PortSIP refused the user name or password/);
  });
});

describe('checkInboundRules', () => {
  it('finds the seeded DID that has no inbound rule', async () => {
    const portsip = await portsipWith();
    expect(await checkInboundRules({ portsip }, ['14155550100', '16135550123'])).toEqual({
      ok: true,
      value: [
        { did: '14155550100', rule: 'Main line' },
        { did: '16135550123', rule: null },
      ],
    });
  });

  it('matches with or without + and the leading 1, inside ranges, and ignores disabled rules', async () => {
    const seed = defaultStandInSeed();
    const [rule] = seed.inboundRules;
    if (!rule) throw new Error('seed changed');
    const portsip = await portsipWith({
      ...seed,
      inboundRules: [
        { ...rule, name: 'Ten digits', did_numbers: '4155550100' },
        { ...rule, id: 'r2', name: 'Range', did_numbers: '+16135550120-+16135550129' },
        { ...rule, id: 'r3', name: 'Off', did_numbers: '12125550100', enabled: false },
      ],
    });
    const result = await checkInboundRules({ portsip }, ['14155550100', '16135550123', '16135550130', '12125550100']);
    expect(result.ok && result.value.map((c) => c.rule)).toEqual(['Ten digits', 'Range', null, null]);
  });
});
