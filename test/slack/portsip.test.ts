import { afterEach, describe, expect, it } from 'vitest';
import {
  PORTSIP_STANDIN_USER,
  type PortsipStandIn,
  STANDIN_WAVIX_WEBHOOK,
  startPortsipStandIn,
} from '../../src/sandbox/portsip/standIn.js';
import { ACTION } from '../../src/slack/ids.js';
import {
  ADMIN,
  OUTSIDER,
  readable,
  runCommand,
  type SmsopsUnderTest,
  slackTraffic,
  startSmsopsUnderTest,
} from '../helpers/smsopsUnderTest.js';

let t: SmsopsUnderTest | undefined;
let pbx: PortsipStandIn | undefined;
afterEach(async () => {
  await t?.stop();
  await pbx?.close();
  t = undefined;
  pbx = undefined;
});

async function withPortsipApi(): Promise<SmsopsUnderTest> {
  pbx = await startPortsipStandIn();
  t = await startSmsopsUnderTest({
    PORTSIP_API_URL: pbx.url,
    PORTSIP_API_USER: PORTSIP_STANDIN_USER.username,
    PORTSIP_API_PASSWORD: PORTSIP_STANDIN_USER.password,
  });
  return t;
}

describe('/sms portsip (PortSIP REST API)', () => {
  it('proposes the Wavix SMS configuration as the default route, sets it from the button, then shows it in place', async () => {
    const app = await withPortsipApi();
    const proposals = (await runCommand(app, 'portsip')).body;
    const text = readable(proposals);
    expect(text).toContain('*default* (every number without its own route)');
    expect(text).toContain('no route yet');
    expect(text).toContain('`https://pbx.example.com:8887/emc/Wavix - US/0d3c…`');
    const button = proposals.blocks.find(
      (b: { accessory?: { action_id: string } }) => b.accessory?.action_id === ACTION.usePortsipRoute,
    )?.accessory;
    expect(button.value).not.toContain('0d3c8a52'); // the URL's secret segment never travels through Slack

    const before = app.fakeSlack.responses.length;
    await app.slack.blockAction({ actionId: button.action_id, value: button.value, userId: ADMIN });
    const set = (await app.fakeSlack.waitForResponses(before + 1))[before]?.body;
    expect(readable(set)).toContain('default');
    expect(app.db.prepare("SELECT portsip_url FROM routes WHERE number = 'default'").get()).toEqual({
      portsip_url: STANDIN_WAVIX_WEBHOOK,
    });
    expect(readable((await runCommand(app, 'portsip')).body)).toContain('already in place');
    expect(slackTraffic(app)).not.toContain(PORTSIP_STANDIN_USER.password);
    expect(app.logs.join('\n')).not.toContain(PORTSIP_STANDIN_USER.password);
  });

  it('refuses "Use this route" to a member who is not an admin before reading PortSIP, and records it', async () => {
    const app = await withPortsipApi();
    const proposals = (await runCommand(app, 'portsip')).body;
    const button = proposals.blocks.find(
      (b: { accessory?: { action_id: string } }) => b.accessory?.action_id === ACTION.usePortsipRoute,
    )?.accessory;
    const read = pbx?.requests.length ?? 0;
    const before = app.fakeSlack.responses.length;
    await app.slack.blockAction({ actionId: button.action_id, value: button.value, userId: OUTSIDER });
    const answer = readable((await app.fakeSlack.waitForResponses(before + 1))[before]?.body);
    expect(answer).toContain('Only the smsops admins (SLACK_ADMIN_USERS)');
    expect(pbx?.requests.length).toBe(read);
    expect(app.db.prepare("SELECT count(*) AS n FROM routes WHERE number = 'default'").get()).toEqual({ n: 0 });
    expect(app.db.prepare("SELECT actor, outcome FROM audit_log WHERE action = 'route.set'").all()).toEqual([
      { actor: OUTSIDER, outcome: 'refused' },
    ]);
  });

  it('lets doctor name a DID without a PortSIP inbound rule', async () => {
    const app = await withPortsipApi();
    const before = app.fakeSlack.responses.length;
    await runCommand(app, 'doctor');
    const report = readable((await app.fakeSlack.waitForResponses(before + 2))[before + 1]?.body);
    expect(report).toMatch(/16135550123|\+1 613 555 0123/);
    expect(report).toMatch(/no inbound rule/i);
  });

  it('says how to configure it when the PortSIP API is not set', async () => {
    t = await startSmsopsUnderTest();
    expect(readable((await runCommand(t, 'portsip')).body)).toContain('The PortSIP API is not configured');
  });

  it('refuses and records a non-admin pressing "Use this route" before saying the PortSIP API is not set', async () => {
    // A button kept from before PORTSIP_API_* were unset, or a hand-made press: still a change attempt by a non-admin.
    t = await startSmsopsUnderTest();
    const press = async (userId: string) => {
      const app = t as SmsopsUnderTest;
      const before = app.fakeSlack.responses.length;
      await app.slack.blockAction({ actionId: ACTION.usePortsipRoute, value: 'default|Wavix', userId });
      return readable((await app.fakeSlack.waitForResponses(before + 1))[before]?.body);
    };
    const refused = await press(OUTSIDER);
    expect(refused).toContain('Only the smsops admins (SLACK_ADMIN_USERS)');
    expect(refused).not.toContain('not configured');
    expect(t.db.prepare("SELECT actor, outcome FROM audit_log WHERE action = 'route.set'").all()).toEqual([
      { actor: OUTSIDER, outcome: 'refused' },
    ]);
    // An admin is told what is missing.
    expect(await press(ADMIN)).toContain('The PortSIP API is not configured');
  });
});
