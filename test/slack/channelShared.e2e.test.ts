import { afterEach, describe, expect, it } from 'vitest';
import {
  ADMIN,
  ALERT_CHANNEL,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * A channel where SMS are posted is made a Slack Connect channel while smsops runs: Slack's signed `channel_shared`
 * event to the real Bolt receiver, the fake Slack API answering conversations.info as Slack does (`is_ext_shared`).
 */

const INBOX = 'C0INBOX001';
const TEAM_B = 'C0TEAMB001';
const OTHER = 'C0RANDOM01';
let t: SmsopsUnderTest | undefined;

afterEach(async () => {
  if (t) await stopCheckingSecrets(t);
  t = undefined;
});

const start = async () => {
  t = await startSmsopsUnderTest({ SLACK_INBOX_CHANNEL: INBOX });
  t.fakeSlack.seedChannels([
    { id: INBOX, name: 'sms-inbox', is_ext_shared: true },
    { id: TEAM_B, name: 'team-b', is_ext_shared: true },
    // Shared only between workspaces of the team's own Enterprise Grid organisation.
    { id: OTHER, name: 'grid-wide', is_ext_shared: false },
    { id: ALERT_CHANNEL, name: 'sms-alerts', is_ext_shared: true },
  ]);
  const routed = readable((await runCommand(t, `route set +14155550101 <#${TEAM_B}|team-b>`, { userId: ADMIN })).body);
  expect(routed).toContain('Route saved');
  return t;
};

const warnings = (smsops: SmsopsUnderTest) =>
  smsops.fakeSlack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.channel === ALERT_CHANNEL && String(c.args.text).includes('Slack Connect'));

const shared = async (smsops: SmsopsUnderTest, channel: string) => {
  const response = await smsops.slack.event({
    type: 'channel_shared',
    connected_team_id: 'T0PARTNER1',
    channel,
    event_ts: '1.2',
  });
  expect(response.status).toBe(200);
};

describe('a channel where SMS are posted is shared with another organisation', () => {
  it('tells the alert channel at once which numbers its customers’ texts now reach another company for', async () => {
    const smsops = await start();
    await shared(smsops, INBOX);
    await waitUntil(() => warnings(smsops).length === 1 || undefined, 5000, 'the warning in the alert channel');
    const inbox = String(warnings(smsops)[0]?.args.text);
    expect(inbox).toContain(`<#${INBOX}> is now shared with another organisation through Slack Connect (T0PARTNER1)`);
    expect(inbox).toContain('smsops posts inbound SMS there (every number without a route of its own)');
    expect(inbox).toContain('smsops keeps posting there');

    await shared(smsops, TEAM_B);
    await waitUntil(() => warnings(smsops).length === 2 || undefined, 5000, 'the route channel’s warning');
    expect(String(warnings(smsops)[1]?.args.text)).toContain('smsops posts inbound SMS there (+1 415 555 0101)');
    // Said in the log without the number.
    const logged = smsops.logs.filter((l) => l.includes('was shared with another organisation'));
    expect(logged).toHaveLength(2);
    expect(logged.join('\n')).not.toContain('4155550101');
  });

  it('tells the team when its alert channel is shared: alerts and digests are read there', async () => {
    const smsops = await start();
    await shared(smsops, ALERT_CHANNEL);
    await waitUntil(() => warnings(smsops).length === 1 || undefined, 5000, 'the warning in the alert channel');
    const said = String(warnings(smsops)[0]?.args.text);
    expect(said).toContain(`<#${ALERT_CHANNEL}> is now shared with another organisation through Slack Connect`);
    expect(said).toContain("It is smsops' alert channel: its people read the alerts and daily digests");
    expect(said).toContain('set SLACK_ALERT_CHANNEL to a channel of your own');
    expect(said).not.toContain('smsops posts inbound SMS there');
  });

  it('says nothing of a channel it posts no SMS in, nor of one shared only within the team’s own Grid organisation', async () => {
    const smsops = await start();
    await runCommand(smsops, `route set +14155550102 <#${OTHER}|grid-wide>`, { userId: ADMIN });
    await shared(smsops, 'C0UNRELATE');
    await shared(smsops, OTHER);
    await waitUntil(
      () => smsops.fakeSlack.callsTo('conversations.info').some((c) => c.args.channel === OTHER) || undefined,
      5000,
      'the Grid channel looked up',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(warnings(smsops)).toEqual([]);
    expect(smsops.fakeSlack.callsTo('conversations.info').some((c) => c.args.channel === 'C0UNRELATE')).toBe(false);
  });
});
