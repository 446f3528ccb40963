import { afterEach, describe, expect, it } from 'vitest';
import {
  ADMIN,
  ALERT_CHANNEL,
  OUTSIDER,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
  WEBHOOK_SECRET,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

/** A Slack workspace admin and a workspace owner who are not in SLACK_ADMIN_USERS. */
const WORKSPACE_ADMIN = 'U0WSADMIN1';
const WORKSPACE_OWNER = 'U0WSOWNER1';

let t: SmsopsUnderTest;
let sink: WebhookSink | undefined;

afterEach(async () => {
  await stopCheckingSecrets(t);
  await sink?.close();
  sink = undefined;
});

/** smsops as installed with SLACK_ADMIN_USERS left empty (the default). */
async function startWithoutAdminList(env: Record<string, string> = {}) {
  t = await startSmsopsUnderTest({ SLACK_ADMIN_USERS: '', ...env });
  t.fakeSlack.seedUser(WORKSPACE_ADMIN, { admin: true });
  t.fakeSlack.seedUser(WORKSPACE_OWNER, { owner: true });
  t.fakeSlack.seedUser(OUTSIDER, {});
}

const say = async (text: string, userId: string) => readable((await runCommand(t, text, { userId })).body);
const routeCount = () => (t.db.prepare('SELECT COUNT(*) AS n FROM routes').get() as { n: number }).n;

const CHANGES = [
  'route set default https://pbx.example.com:8887/emc/Wavix - US/0d3c9a44-1111-2222-3333-444455556666',
  'webhook set',
  'alerts set failure_rate 35',
  'jobs run traffic-watch',
];

describe('who may change things, SLACK_ADMIN_USERS unset', () => {
  it.each(CHANGES)('refuses "%s" to a member who is not a workspace admin, saying how to widen it', async (command) => {
    await startWithoutAdminList();
    const text = await say(command, OUTSIDER);
    expect(text).toContain("with SLACK_ADMIN_USERS unset those are this Slack workspace's admins and owners: you are not one");
    expect(text).toContain('lists them in SLACK_ADMIN_USERS');
    expect(routeCount()).toBe(0);
    expect(String((t.emulator.state().profile as { sms_relay_url: string | null }).sms_relay_url)).not.toContain(WEBHOOK_SECRET);
    const audit = await say('audit 5', OUTSIDER);
    expect(audit).toContain(`<@${OUTSIDER}>`);
    expect(audit).toContain('refused');
  });

  it('lets a workspace admin and a workspace owner change each of them, asking Slack once per person', async () => {
    await startWithoutAdminList();
    expect(await say(CHANGES[0] ?? '', WORKSPACE_ADMIN)).toContain('Route saved');
    expect(await say(CHANGES[1] ?? '', WORKSPACE_ADMIN)).toMatch(/updated on Wavix|already points there/);
    expect(await say(CHANGES[2] ?? '', WORKSPACE_OWNER)).toContain('35');
    expect(await say(CHANGES[3] ?? '', WORKSPACE_OWNER)).not.toContain('Only the smsops admins');
    expect(routeCount()).toBe(1);
    // Cached per user: two people, two questions to Slack, however many commands.
    expect(t.fakeSlack.callsTo('users.info').map((c) => c.args.user)).toEqual([WORKSPACE_ADMIN, WORKSPACE_OWNER]);
  });

  it('refuses in words, and changes nothing, when Slack cannot say who someone is (fail closed)', async () => {
    await startWithoutAdminList();
    t.fakeSlack.failNext('users.info', 'fatal_error');
    // The member check, before any admin check, is the first to ask: never asked before, they are refused with why.
    const text = await say(CHANGES[0] ?? '', WORKSPACE_ADMIN);
    expect(text).toContain('smsops could not check that you are a full member of this Slack workspace');
    expect(text).toContain('users.info with fatal_error');
    expect(routeCount()).toBe(0);
    // The failure is not remembered: the next attempt asks again and goes through.
    expect(await say(CHANGES[0] ?? '', WORKSPACE_ADMIN)).toContain('Route saved');
  });

  it('refuses an admin of another organisation (Slack Connect: another team_id, no is_stranger) and a deactivated admin', async () => {
    await startWithoutAdminList();
    const OTHER_ORG_ADMIN = 'U0EXTADM02';
    const DEACTIVATED_ADMIN = 'U0DELADM01';
    // As Slack answers for a member of a shared channel from another organisation: admin there, not a stranger here.
    t.fakeSlack.handle('users.info', ({ args }) => ({
      user: {
        id: args.user,
        team_id: args.user === OTHER_ORG_ADMIN ? 'T0OTHERORG' : 'T1',
        name: String(args.user).toLowerCase(),
        profile: { display_name: '', real_name: '' },
        deleted: args.user === DEACTIVATED_ADMIN,
        is_bot: false,
        is_admin: true,
        is_owner: false,
        is_primary_owner: false,
        is_restricted: false,
        is_ultra_restricted: false,
      },
    }));
    // Refused before any admin check: smsops answers full members only.
    for (const outsider of [OTHER_ORG_ADMIN, DEACTIVATED_ADMIN]) {
      expect(await say('alerts set backlog_minutes 42', outsider)).toContain(
        'smsops is for full members of this Slack workspace',
      );
    }
    expect(await say('alerts', OUTSIDER)).not.toContain('42');
    expect(await say('alerts set backlog_minutes 42', WORKSPACE_ADMIN)).toContain('42');
  });

  it('refuses a workspace admin in words while Slack does not say which workspace smsops is in (auth.test)', async () => {
    await startWithoutAdminList();
    // The bot's own ids are asked at the first request; the directory asks on its own at the first admin check.
    await say('help', OUTSIDER);
    await t.fakeSlack.waitFor('auth.test', 1);
    t.fakeSlack.failNext('auth.test', 'fatal_error');
    // The member check, before any admin check, is the first to need it: it refuses too, never lets through.
    const text = await say('alerts set backlog_minutes 42', WORKSPACE_ADMIN);
    expect(text).toContain('smsops could not check that you are a full member of this Slack workspace');
    expect(text).toContain('auth.test with fatal_error');
    expect(await say('alerts set backlog_minutes 42', WORKSPACE_ADMIN)).not.toContain('could not check');
  });

  it('with SLACK_ADMIN_USERS set, only those people may change things, workspace admins included', async () => {
    t = await startSmsopsUnderTest();
    t.fakeSlack.seedUser(WORKSPACE_ADMIN, { admin: true });
    const refused = await say(CHANGES[0] ?? '', WORKSPACE_ADMIN);
    expect(refused).toContain('Only the smsops admins (SLACK_ADMIN_USERS)');
    // How to widen it, whole: the list is read at start.
    expect(refused).toMatch(/add your member ID to SLACK_ADMIN_USERS and restart it/);
    // Slack is asked whether they are a full member (smsops answers only those), never whether they are an admin.
    expect(t.fakeSlack.callsTo('users.info').map((c) => c.args.user)).toEqual([WORKSPACE_ADMIN]);
    expect(await say(CHANGES[0] ?? '', ADMIN)).toContain('Route saved');
  });

  it('/sms help says who may change things and how to widen it', async () => {
    await startWithoutAdminList();
    const help = await say('help', OUTSIDER);
    expect(help).toContain("this workspace's admins and owners");
    expect(help).toContain('SLACK_ADMIN_USERS=U0123456789,U0987654321');
  });
});

describe('route set with a #channel, by someone who may not change routes', () => {
  const ROUTE = 'route set default https://pbx.example.com:8887/emc/Wavix - US/0d3c9a44-1111-2222-3333-444455556666';
  const routeAudits = () =>
    t.db.prepare("SELECT actor, outcome, detail FROM audit_log WHERE action = 'route.set' ORDER BY id").all() as Array<{
      actor: string;
      outcome: string;
      detail: string;
    }>;

  it('is refused the same way whether the channel exists or not, without looking it up, and the refusal is audited', async () => {
    t = await startSmsopsUnderTest();
    t.fakeSlack.seedChannels([{ id: 'G0SECRET01', name: 'merger-talks', is_private: true }]);
    const existing = await say(`${ROUTE} #merger-talks`, OUTSIDER);
    const missing = await say(`${ROUTE} #no-such-channel`, OUTSIDER);
    expect(existing).toContain('Only the smsops admins (SLACK_ADMIN_USERS) can change the setup');
    expect(missing).toBe(existing);
    expect(t.fakeSlack.callsTo('conversations.list')).toHaveLength(0);
    expect(routeAudits()).toEqual([
      { actor: OUTSIDER, outcome: 'refused', detail: 'not an admin' },
      { actor: OUTSIDER, outcome: 'refused', detail: 'not an admin' },
    ]);
    expect(routeCount()).toBe(0);
  });

  it('an admin still learns that the channel is unknown, and that failed attempt is audited too', async () => {
    t = await startSmsopsUnderTest();
    t.fakeSlack.seedChannels([{ id: 'C0GENERAL1', name: 'general' }]);
    expect(await say(`${ROUTE} #no-such-channel`, ADMIN)).toContain('smsops sees no channel named #no-such-channel');
    expect(routeAudits()).toEqual([
      { actor: ADMIN, outcome: 'failed', detail: expect.stringContaining('no channel named #no-such-channel') },
    ]);
    expect(await say(`${ROUTE} #general`, ADMIN)).toContain('Route saved');
    expect(t.db.prepare('SELECT slack_channel FROM routes').all()).toEqual([{ slack_channel: 'C0GENERAL1' }]);
  });
});

describe('route URLs that cannot be turned inward', () => {
  it.each([
    'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
    'http://[fd00:ec2::254]/latest/meta-data/',
    'http://[::ffff:169.254.169.254]/',
    'http://metadata.google.internal/computeMetadata/v1/',
  ])('refuses the metadata address %s', async (url) => {
    t = await startSmsopsUnderTest();
    const text = await say(`route set default ${url}`, ADMIN);
    expect(text).toContain('smsops does not send to');
    expect(text).toMatch(/link-local|cloud metadata/);
    expect(routeCount()).toBe(0);
  });

  it('refuses each non-canonical spelling of an IP address, for routes and for webhook set', async () => {
    t = await startSmsopsUnderTest();
    for (const host of ['0x7f000001', '2130706433', '0177.0.0.1', '127.1', '0xa9fea9fe', '169.254.43518']) {
      const text = await say(`route set default http://${host}/emc/x`, ADMIN);
      expect(text, host).toContain(`its host "${host}" is an unusual way of writing the IP address`);
    }
    expect(routeCount()).toBe(0);
    expect(await say('webhook set default http://2852039166/latest', ADMIN)).toContain(
      'is an unusual way of writing the IP address 169.254.169.254',
    );
    expect((t.emulator.state().profile as { sms_relay_url: string | null }).sms_relay_url ?? '').not.toContain('2852039166');
  });

  it('accepts loopback and private addresses, marked in the reply and in the route list', async () => {
    t = await startSmsopsUnderTest();
    expect(await say('route set default http://127.0.0.1:8887/emc/Wavix/0d3c9a44-1111', ADMIN)).toContain(
      'loopback address: PortSIP on this host?',
    );
    expect(await say('route set +14155550100 https://192.168.10.5:8887/emc/Wavix/0d3c9a44-2222', ADMIN)).toContain(
      'private address (192.168.0.0/16): PortSIP on your LAN?',
    );
    expect(routeCount()).toBe(2);
    const list = await say('route list', OUTSIDER);
    expect(list).toContain('loopback address: PortSIP on this host?');
    expect(list).toContain('PortSIP on your LAN?');
    // Wavix calls a webhook from the internet: a private address is allowed but said to be out of its reach.
    expect(await say('webhook set default http://192.168.10.5/hook', ADMIN)).toContain(
      'private address (192.168.0.0/16): Wavix calls this URL from the internet and cannot reach it',
    );
  });

  it('refuses PORTSIP_WEBHOOK_URL at a metadata address at start, naming the variable', async () => {
    await expect(startSmsopsUnderTest({ PORTSIP_WEBHOOK_URL: 'http://169.254.169.254/latest/meta-data' })).rejects.toThrow(
      /PORTSIP_WEBHOOK_URL is refused: .*link-local/,
    );
    // afterEach stops a running instance; give it one.
    t = await startSmsopsUnderTest();
  });
});

describe('who may read SMS text and what a destination answered', () => {
  let counter = 0;
  const postInbound = async (text: string) => {
    const response = await fetch(`${t.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        message_id: `acc-${++counter}-${Date.now()}`,
        message_type: 'sms',
        from: '447400123456',
        to: '14155550100',
        message_body: { text, media: null },
        received_at: '2026-11-25T10:00:00.000Z',
      }),
    });
    expect(response.status).toBe(200);
  };
  const failedAttempts = () =>
    (
      t.db
        .prepare("SELECT COUNT(*) AS n FROM deliveries WHERE destination_kind = 'portsip' AND last_error IS NOT NULL")
        .get() as {
        n: number;
      }
    ).n;
  async function startWithFailingPbx() {
    sink = await startWebhookSink();
    // What the destination says: a page smsops must not hand to whoever set the route.
    sink.respondWith(500, `AccessKeyId=ASIAFAKEKEY0123456789 SecretAccessKey=${'x'.repeat(200)} END-OF-PAGE`);
    await startWithoutAdminList({
      PORTSIP_WEBHOOK_URL: `${sink.url}/emc/Wavix - US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90`,
      RELAY_RETRY_BASE_MS: '60000',
      SLACK_RELAY_PACE_MS: '0',
    });
    t.fakeSlack.setChannelMembers(ALERT_CHANNEL, ['U0MEMBER01', WORKSPACE_OWNER]);
    await postInbound('Your code is 482913');
    await waitUntil(() => failedAttempts() > 0, 5000, 'the failed PortSIP attempt');
  }

  it('shows a non-member the counts and states without the text or the sender, with the reason', async () => {
    await startWithFailingPbx();
    const text = await say('inbox', OUTSIDER);
    expect(text).not.toContain('482913');
    expect(text).not.toContain('7400 123456');
    expect(text).toContain(`text hidden: you are not in <#${ALERT_CHANNEL}>`);
    expect(text).toContain('shown to smsops admins and to the members of the channel it is posted in');
    expect(text).toMatch(/PortSIP( to `[^`]*`)?: waiting to be tried again, \d+ attempts? failed \(HTTP 500\)/);
    expect(t.fakeSlack.callsTo('conversations.members')[0]?.args.channel).toBe(ALERT_CHANNEL);
  });

  it('shows a member of the inbox channel the text, and the status alone of what PortSIP answered', async () => {
    await startWithFailingPbx();
    const text = await say('inbox +1 415 555 0100', 'U0MEMBER01');
    expect(text).toContain('Your code is 482913');
    expect(text).toContain('+44 7400 123456');
    expect(text).toMatch(/PortSIP( to `[^`]*`)?: waiting to be tried again, \d+ attempts? failed \(HTTP 500\)/);
    expect(text).not.toContain('AccessKeyId');
    expect(text).toContain('What PortSIP answered is shown to smsops admins only');
  });

  it('shows a workspace admin the text and a short excerpt of the answer; doctor quotes it to admins only', async () => {
    await startWithFailingPbx();
    const text = await say('inbox', WORKSPACE_ADMIN);
    expect(text).toContain('Your code is 482913');
    expect(text).toMatch(
      /PortSIP to `[^`]*`: waiting to be tried again, \d+ attempts? failed \(HTTP 500: AccessKeyId=ASIAFAKEKEY0123456789 SecretAccessKey=xxx/,
    );
    expect(text).not.toContain('END-OF-PAGE');
    const excerpt = /HTTP 500: ([^)]*)\)/.exec(text)?.[1] ?? '';
    expect(excerpt.length).toBeLessThanOrEqual(80);

    const doctorFor = async (userId: string) => {
      const before = t.fakeSlack.responses.length;
      await t.slack.command('doctor', { userId });
      const all = await t.fakeSlack.waitForResponses(before + 2, 15_000);
      return readable(all[before + 1]?.body);
    };
    const forOwner = await doctorFor(WORKSPACE_OWNER);
    expect(forOwner).toContain('Last answer: HTTP 500: AccessKeyId');
    const forOutsider = await doctorFor(OUTSIDER);
    expect(forOutsider).toContain('Last answer: HTTP 500.');
    expect(forOutsider).not.toContain('AccessKeyId');
  });

  it('hides a message still waiting for its Slack turn from the inbox channel when its route names another channel', async () => {
    sink = await startWebhookSink();
    // One post, then a pace of a minute: the Slack leg takes one more message and holds it for its turn; what comes
    // after that waits in its queue, with no Slack delivery yet.
    await startWithoutAdminList({ PORTSIP_WEBHOOK_URL: `${sink.url}/emc/x`, SLACK_RELAY_PACE_MS: '60000' });
    t.fakeSlack.setChannelMembers(ALERT_CHANNEL, ['U0MEMBER01', WORKSPACE_OWNER]);
    t.fakeSlack.setChannelMembers('C0PRIVATE1', [WORKSPACE_OWNER]);
    await postInbound('posted at once');
    await t.fakeSlack.waitFor('chat.postMessage');
    await postInbound('held for its turn');
    const slackRow = () =>
      t.db.prepare("SELECT count(*) AS n FROM deliveries WHERE destination_kind = 'slack'").get() as { n: number };
    await waitUntil(() => slackRow().n >= 2, 5000, 'the second message taken by the Slack leg');
    expect(await say('route set +1 415 555 0100 https://pbx.example.com/emc/x <#C0PRIVATE1|private>', WORKSPACE_OWNER)).toContain(
      'C0PRIVATE1',
    );
    await postInbound('Your code is 771234');
    expect(slackRow().n).toBe(2);

    const member = await say('inbox +1 415 555 0100', 'U0MEMBER01');
    expect(member).not.toContain('771234');
    expect(member).toContain('text hidden: you are not in <#C0PRIVATE1>');
    expect(member).toContain('posted at once');
    const owner = await say('inbox +1 415 555 0100', WORKSPACE_OWNER);
    expect(owner).toContain('Your code is 771234');
    expect(owner).toMatch(/Slack in <#C0PRIVATE1>: waiting to be sent/);
  });

  it('hides the text when Slack cannot say who is in the channel, with the reason', async () => {
    await startWithFailingPbx();
    t.fakeSlack.failNext('conversations.members', 'missing_scope');
    const text = await say('inbox', 'U0MEMBER01');
    expect(text).not.toContain('482913');
    expect(text).toContain(`smsops could not check that you are in <#${ALERT_CHANNEL}>`);
    expect(text).toContain('conversations.members with missing_scope');
  });
});
