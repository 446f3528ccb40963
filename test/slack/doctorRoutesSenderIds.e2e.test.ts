import { afterEach, describe, expect, it } from 'vitest';
import { PORTSIP_STANDIN_USER, type PortsipStandIn, startPortsipStandIn } from '../../src/sandbox/portsip/standIn.js';
import { createRoutesRepository } from '../../src/store/repositories/routes.js';
import { createSenderIdsRepository } from '../../src/store/repositories/senderIds.js';
import {
  ADMIN,
  ALERT_CHANNEL,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
} from '../helpers/smsopsUnderTest.js';

/**
 * `/sms doctor` on what a PBX team finds only when SMS stop coming: routes for numbers the Wavix account no longer
 * holds, Sender IDs that can send nowhere, and route URLs PortSIP no longer has a configuration for. Through signed
 * Slack requests, the Wavix emulator and the PortSIP stand-in; the report read as people read it.
 */

let t: SmsopsUnderTest | undefined;
let pbx: PortsipStandIn | undefined;
afterEach(async () => {
  if (t) await stopCheckingSecrets(t);
  await pbx?.close();
  t = undefined;
  pbx = undefined;
});

const DAY = 86_400_000;
const NEVER_ON_ACCOUNT = '+12025550199';
const OTTAWA = '+16135550123'; // on the seed account, released in the test
const WASHINGTON = '+12025550143'; // on the seed account, SMS off

/** The report (`/sms doctor`, or `doctor all`: every finding one line each) as text. */
async function doctor(app: SmsopsUnderTest, command = 'doctor'): Promise<string> {
  const before = app.fakeSlack.responses.length;
  await runCommand(app, command);
  return readable((await app.fakeSlack.waitForResponses(before + 2))[before + 1]?.body);
}

describe('/sms doctor: routes whose numbers cannot receive', () => {
  it('fails a route for a number not on the account (never, or released since), with the commands that fix it', async () => {
    t = await startSmsopsUnderTest();
    const routes = createRoutesRepository(t.db);
    for (const number of [NEVER_ON_ACCOUNT, OTTAWA, WASHINGTON]) {
      routes.set({ number, portsipUrl: null, slackChannel: ALERT_CHANNEL, by: ADMIN });
    }
    // Ottawa released from the account after its route was saved: Wavix no longer lists it.
    const state = t.emulator.state();
    state.numbers.splice(
      state.numbers.findIndex((n) => n.number === '16135550123'),
      1,
    );

    // The report lists each with its reason (a kind of finding, said once with its count), counted as failures.
    const report = await doctor(t);
    expect(report).toContain(':x: *2 routes are for numbers not on the Wavix account: no SMS for them will come');
    expect(report).toContain(
      '+1 202 555 0199 is not a number of this Wavix account (never was, or released or ported away since the route +1 202 555 0199 was saved): no SMS for it will come. `/sms route remove +12025550199` removes the route',
    );
    expect(report).toContain('+1 613 555 0123 is not a number of this Wavix account');
    // On the account but inbound SMS off: its number's own finding says it, naming the route and both commands.
    expect(report).toContain(
      'although smsops has a route for it. `/sms number enable-inbound +12025550143` activates it; if it should not receive SMS, `/sms route remove +12025550143` removes its route.',
    );
    expect(report).not.toContain('Route +1 202 555 0143');

    // Ignorable like any number's finding: no longer counted, still listed by `doctor all`.
    await runCommand(t, `doctor ignore ${NEVER_ON_ACCOUNT} test route`);
    const failures = (text: string) => Number(/SMS doctor\*: .*?(\d+) failures?/.exec(text)?.[1]);
    const afterIgnore = await doctor(t);
    expect(failures(afterIgnore)).toBe(failures(report) - 1);
    expect(afterIgnore).toContain(':x: *Route +1 613 555 0123*');
    expect(afterIgnore).not.toContain(':x: *Route +1 202 555 0199*');
    expect(await doctor(t, 'doctor all')).toMatch(
      /Findings of ignored numbers[\s\S]*Route \+1 202 555 0199: \+1 202 555 0199 is not a number/,
    );
  });
});

describe('/sms doctor: Sender IDs that can send nowhere', () => {
  it('fails one without a country, one whose countries were all removed, all rejected, or pending for weeks', async () => {
    t = await startSmsopsUnderTest();
    const now = Date.now();
    const longAgo = createSenderIdsRepository(t.db, () => now - 20 * DAY);
    const recently = createSenderIdsRepository(t.db, () => now - DAY);
    const listed = (id: string, sender: string, allowlisted: string[] = []) =>
      t?.emulator.state().senderIds.push({
        id,
        sender_id: sender,
        type: 'alphanumeric',
        allowlisted_in: allowlisted,
        usecase: 'transactional',
        samples: ['Your code is 1234'],
      });
    // Made in the Wavix portal without a country: Wavix lists it with an empty allowlist.
    listed('6a1f0000-0000-4000-8000-000000000001', 'Nowhere');
    // Wavix's value is outside text: in the command it can neither end the inline code nor start a line.
    listed('6a1f0000-0000-4000-8000-000000000006', 'A`b*\nc');
    // Approved for GB once, no longer in its allowlist.
    listed('6a1f0000-0000-4000-8000-000000000002', 'Gone');
    const gone = longAgo.upsert({
      wavixId: '6a1f0000-0000-4000-8000-000000000002',
      value: 'Gone',
      type: 'alphanumeric',
      origin: 'smsops',
    });
    longAgo.applyAllowlist(gone.id, ['GB']);
    // Refused everywhere it was asked for.
    listed('6a1f0000-0000-4000-8000-000000000003', 'Refused');
    const refused = longAgo.upsert({
      wavixId: '6a1f0000-0000-4000-8000-000000000003',
      value: 'Refused',
      type: 'alphanumeric',
      origin: 'smsops',
    });
    longAgo.setCountryStatus(refused.id, 'DE', 'rejected', 'Brand not registered');
    // Pending for 20 days, and another pending since yesterday (a wait, still a warning).
    listed('6a1f0000-0000-4000-8000-000000000004', 'Stalled');
    const stalled = longAgo.upsert({
      wavixId: '6a1f0000-0000-4000-8000-000000000004',
      value: 'Stalled',
      type: 'alphanumeric',
      origin: 'smsops',
    });
    longAgo.setCountryStatus(stalled.id, 'FR', 'pending', null);
    listed('6a1f0000-0000-4000-8000-000000000005', 'Waiting');
    const waiting = recently.upsert({
      wavixId: '6a1f0000-0000-4000-8000-000000000005',
      value: 'Waiting',
      type: 'alphanumeric',
      origin: 'smsops',
    });
    recently.setCountryStatus(waiting.id, 'FR', 'pending', null);

    const all = await doctor(t, 'doctor all');
    const line = (name: string) => all.split('\n').find((l) => l.includes(`Sender ID ${name} (alphanumeric)`)) ?? '';
    expect(line('Nowhere')).toContain(
      'No destination country: it was created without one, so it can send nowhere. `/sms senderid create Nowhere &lt;countries&gt;` requests countries for it (`/sms senderid status 6a1f0000-0000-4000-8000-000000000001` shows where it stands).',
    );
    expect(line('Nowhere')).toContain(':x:');
    expect(line('Gone')).toContain('Every country it had was removed (GB no longer in Wavix');
    expect(line('Gone')).toContain('so it can send nowhere');
    expect(line('Refused')).toContain('Approved for no country, so it can send nowhere. Rejected for DE (Brand not registered).');
    expect(line('Refused')).toContain('`/sms senderid create Refused &lt;countries&gt;`');
    expect(line('Stalled')).toContain('Pending for FR since');
    expect(line('Stalled')).toContain('over 14 days');
    expect(line('Stalled')).toContain(':x:');
    expect(line('Waiting')).toContain('Pending for FR: SMS from it to that country fail until the carriers approve it');
    expect(line('Waiting')).not.toContain(':x:');
    expect(line('A｀b＊ c')).toContain("`/sms senderid create A'b* c &lt;countries&gt;`");
    // The seed's Wavix sender, approved for GB, is fine.
    expect(line('Wavix')).toContain('Approved for GB.');
  });
});

describe('/sms doctor: route URLs against PortSIP’s SMS configurations (PortSIP API)', () => {
  it('passes a URL PortSIP has, fails one it has none for, and warns of one whose configuration is disabled', async () => {
    pbx = await startPortsipStandIn();
    // Loopback URLs: the connection check fails fast on them, which is not what this test reads.
    const known = 'https://127.0.0.1:9/emc/Wavix - US/0d3c8a52-7f4e-4b1a-9c6d-2e5f8a1b3c47';
    const stale = 'https://127.0.0.1:9/emc/Wavix - US/7e1d2c3b-4a59-4687-9a0b-c1d2e3f4a5b6';
    const config = pbx.state.smsConfigurations[0];
    if (!config) throw new Error('the stand-in has no SMS configuration');
    config.webhook = known;
    t = await startSmsopsUnderTest({
      PORTSIP_API_URL: pbx.url,
      PORTSIP_API_USER: PORTSIP_STANDIN_USER.username,
      PORTSIP_API_PASSWORD: PORTSIP_STANDIN_USER.password,
    });
    const routes = createRoutesRepository(t.db);
    // Pasted with %20 where PortSIP shows spaces: the same URL.
    routes.set({ number: 'default', portsipUrl: known.replaceAll(' ', '%20'), slackChannel: null, by: ADMIN });
    routes.set({ number: '+14155550100', portsipUrl: stale, slackChannel: null, by: ADMIN });

    const all = await doctor(t, 'doctor all');
    const line = (route: string) => all.split('\n').find((l) => l.includes(`PortSIP SMS configuration of ${route} `)) ?? '';
    expect(line('route default')).toContain(
      'PortSIP’s SMS configuration “Wavix SMS” (trunk Wavix Trunk) has this URL and is enabled.',
    );
    expect(line('route +1 415 555 0100')).toContain(
      'No SMS configuration in PortSIP has this URL (deleted, or made again with a new ID)',
    );
    expect(line('route +1 415 555 0100')).toContain('`/sms portsip` proposes the URLs PortSIP has now');
    expect(pbx.requests.some((r) => r.path === '/api/sms')).toBe(true);

    config.enabled = false;
    const again = await doctor(t, 'doctor all');
    expect(again.split('\n').find((l) => l.includes('PortSIP SMS configuration of route default '))).toContain(
      '“Wavix SMS” (trunk Wavix Trunk) has this URL but is disabled',
    );
  });
});

describe('/sms doctor: a route URL PortSIP lists in another form', () => {
  it('passes the same configuration written with another case, default port, encoding, or reached on the LAN', async () => {
    pbx = await startPortsipStandIn();
    const uuid = '0d3c8a52-7f4e-4b1a-9c6d-2e5f8a1b3c47';
    const config = pbx.state.smsConfigurations[0];
    if (!config) throw new Error('the stand-in has no SMS configuration');
    // As PortSIP lists it: its public host, the brand with an en dash.
    config.webhook = `https://pbx.example.com:443/emc/Wavix – US/${uuid}`;
    t = await startSmsopsUnderTest({
      PORTSIP_API_URL: pbx.url,
      PORTSIP_API_USER: PORTSIP_STANDIN_USER.username,
      PORTSIP_API_PASSWORD: PORTSIP_STANDIN_USER.password,
    });
    const routes = createRoutesRepository(t.db);
    // Copied from a browser's address bar: the host's case, no default port, the en dash percent-encoded.
    routes.set({
      number: '+14155550100',
      portsipUrl: `HTTPS://PBX.Example.COM/emc/Wavix%20%E2%80%93%20US/${uuid}`,
      slackChannel: null,
      by: ADMIN,
    });
    // PortSIP on the LAN, as the README allows: the same configuration's path on another host.
    routes.set({
      number: '+14155550101',
      portsipUrl: `https://127.0.0.1:9/emc/Wavix – US/${uuid}`,
      slackChannel: null,
      by: ADMIN,
    });
    // A configuration PortSIP no longer has still fails.
    routes.set({
      number: '+14155550102',
      portsipUrl: 'https://127.0.0.1:9/emc/Wavix – US/7e1d2c3b-4a59-4687-9a0b-c1d2e3f4a5b6',
      slackChannel: null,
      by: ADMIN,
    });

    const all = await doctor(t, 'doctor all');
    const line = (route: string) => all.split('\n').find((l) => l.includes(`PortSIP SMS configuration of ${route} `)) ?? '';
    expect(line('route +1 415 555 0100')).toContain('“Wavix SMS” (trunk Wavix Trunk) has this URL and is enabled.');
    expect(line('route +1 415 555 0101')).toContain('“Wavix SMS” (trunk Wavix Trunk) has this URL’s path');
    expect(line('route +1 415 555 0101')).not.toContain(':x:');
    expect(line('route +1 415 555 0102')).toContain('No SMS configuration in PortSIP has this URL');
  });
});
