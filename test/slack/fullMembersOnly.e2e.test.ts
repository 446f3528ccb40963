import { afterEach, describe, expect, it } from 'vitest';
import { ALERT_ACTION } from '../../src/slack/ids.js';
import {
  ADMIN,
  OUTSIDER,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
} from '../helpers/smsopsUnderTest.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';

/**
 * `/sms` works in every channel the app is in, Slack Connect ones included, and for guests: smsops answers full
 * members of the workspace (and those the settings name) only, through signed requests to the real receiver, with
 * the fake Slack's users.info saying who each person is.
 */
const GUEST = 'U0GUEST001';
const SINGLE_CHANNEL_GUEST = 'U0GUEST002';
const OTHER_ORG = 'U0VENDOR01';
const DEACTIVATED = 'U0GONE0001';
const ROUTE_HOST = 'pbx.example.com';

let t: SmsopsUnderTest;
afterEach(async () => {
  await stopCheckingSecrets(t);
});

async function start(env: Record<string, string> = {}) {
  t = await startSmsopsUnderTest(env);
  t.fakeSlack.seedUser(GUEST, { guest: true });
  t.fakeSlack.seedUser(SINGLE_CHANNEL_GUEST, { guest: 'single-channel' });
  t.fakeSlack.seedUser(OTHER_ORG, { external: true });
  t.fakeSlack.seedUser(DEACTIVATED, { deleted: true });
  await runCommand(t, `route set default https://${ROUTE_HOST}/emc/Wavix/ffff0000-1111-2222-3333-444455556666`);
}

const say = async (text: string, userId: string) => readable((await runCommand(t, text, { userId })).body);

/** What each reveals of the setup to whoever runs it. */
const READS = ['route list', 'doctor', 'number list', 'senderid list', 'relay status', 'alerts', 'audit', 'traffic 24h', 'jobs'];

describe('smsops answers full members of the workspace only', () => {
  it.each([
    ['a guest', GUEST],
    ['a single-channel guest', SINGLE_CHANNEL_GUEST],
    ['a member of another organisation (Slack Connect)', OTHER_ORG],
    ['a deactivated account', DEACTIVATED],
  ])('refuses every /sms command but help to %s, saying why and who can let them in', async (_, userId) => {
    await start();
    const wavixBefore = t.emulator.requests().length;
    for (const command of READS) {
      const text = await say(command, userId);
      expect(text, command).toContain('smsops is for full members of this Slack workspace');
      expect(text, command).toContain(`your member ID, ${userId}, to SLACK_ALERT_USERS`);
      expect(text, command).not.toContain(ROUTE_HOST);
      expect(text, command).not.toContain('415');
    }
    // Nothing was read from Wavix for them, and no chart was posted to the channel.
    expect(t.emulator.requests().length).toBe(wavixBefore);
    expect(t.fakeSlack.callsTo('files.uploadV2')).toHaveLength(0);
    expect(await say('help', userId)).toContain('/sms route list');
    // Audited, for the admins to see who tried.
    const audit = await say('audit 50', ADMIN);
    expect(audit).toContain(`<@${userId}>`);
    expect(audit).toContain('not a full member');
  });

  it('answers a plain member of the workspace, asking Slack about them once', async () => {
    await start();
    expect(await say('route list', OUTSIDER)).toContain(ROUTE_HOST);
    expect(await say('senderid list', OUTSIDER)).not.toContain('full members');
    expect(t.fakeSlack.callsTo('users.info').map((c) => c.args.user)).toEqual([OUTSIDER]);
  });

  it('lets in a guest or an outsider named in SLACK_ALERT_USERS or SLACK_REPLY_USERS, without asking Slack', async () => {
    await start({ SLACK_ALERT_USERS: GUEST, SLACK_REPLY_USERS: OTHER_ORG });
    expect(await say('route list', GUEST)).toContain(ROUTE_HOST);
    expect(await say('route list', OTHER_ORG)).toContain(ROUTE_HOST);
    expect(await say('route list', SINGLE_CHANNEL_GUEST)).toContain('smsops is for full members');
    expect(t.fakeSlack.callsTo('users.info').map((c) => c.args.user)).toEqual([SINGLE_CHANNEL_GUEST]);
  });

  it('refuses in words when Slack cannot say who someone is, and answers once it can', async () => {
    await start();
    t.fakeSlack.failNext('users.info', 'ratelimited');
    const text = await say('route list', OUTSIDER);
    expect(text).toContain('smsops could not check that you are a full member of this Slack workspace');
    expect(text).toContain('users.info with ratelimited');
    expect(text).not.toContain(ROUTE_HOST);
    expect(await say('route list', OUTSIDER)).toContain(ROUTE_HOST);
  });

  it('lets in a member of another workspace of the same Enterprise Grid organisation', async () => {
    t = await startSmsopsUnderTest();
    const GRID_MEMBER = 'U0GRID0001';
    const BOT_TEAM = 'T1';
    t.fakeSlack.handle('auth.test', () => ({
      ok: true,
      user_id: 'U0BOT00001',
      bot_id: 'B0BOT00001',
      team_id: BOT_TEAM,
      enterprise_id: 'E0ACME0001',
    }));
    t.fakeSlack.handle('users.info', ({ args }) => ({
      user: {
        id: args.user,
        team_id: args.user === GRID_MEMBER ? 'T0SISTER01' : 'T0ELSEWHER',
        enterprise_user: { enterprise_id: args.user === GRID_MEMBER ? 'E0ACME0001' : 'E0OTHER001' },
        deleted: false,
        is_restricted: false,
        is_ultra_restricted: false,
      },
    }));
    expect(await say('alerts', GRID_MEMBER)).not.toContain('full members');
    expect(await say('alerts', OTHER_ORG)).toContain('smsops is for full members');
  });

  it('shows a guest, on the Home tab, why instead of the setup, and asks Wavix nothing', async () => {
    await start();
    const wavixBefore = t.emulator.requests().length;
    await t.slack.event({ type: 'app_home_opened', user: GUEST, channel: 'D0HOME0009', tab: 'home' });
    const [published] = await t.fakeSlack.waitFor('views.publish', 1);
    expect(published?.args.user_id).toBe(GUEST);
    const view = readable(published?.args.view);
    expect(view).toContain('smsops is for full members of this Slack workspace');
    expect(view).not.toContain(ROUTE_HOST);
    expect(view).not.toContain('Request a Sender ID');
    expect(t.emulator.requests().length).toBe(wavixBefore);
    expect(await say('audit 5', ADMIN)).toContain('home.open');
  });

  it('refuses the Open doctor button of an alert to someone of another organisation', async () => {
    await start();
    const before = t.fakeSlack.responses.length;
    await t.slack.blockAction({ actionId: ALERT_ACTION.openDoctor, value: '1', userId: OTHER_ORG, isEphemeral: true });
    const [answer] = (await t.fakeSlack.waitForResponses(before + 1)).slice(before);
    expect(readable(answer?.body)).toContain('smsops is for full members of this Slack workspace');
    expect(readable(answer?.body)).not.toContain('SMS doctor');
  });
});

describe('the full-member check and Slack’s 3-second trigger', () => {
  it('opens the Sender ID form within the trigger’s 3 s while Slack is slow to say who the member is', async () => {
    await start();
    const MEMBER = 'U0MEMBER77';
    // users.info answers only after 3.5 s (a slow Slack): views.open must not wait for it, its trigger_id lasts 3 s.
    const release = t.fakeSlack.hang('users.info', (call) => call.args.user === MEMBER);
    const timer = setTimeout(release, 3_500);
    const sentAt = Date.now();
    await t.slack.command('senderid create', { userId: MEMBER });
    try {
      await waitUntil(
        () => t.fakeSlack.callsTo('views.open').length > 0,
        6_000,
        () => 'views.open',
      );
      const opened = t.fakeSlack.callsTo('views.open')[0];
      expect((opened?.at ?? Number.POSITIVE_INFINITY) - sentAt).toBeLessThan(2_500);
      // Filled with the account's numbers only once Slack said who they are.
      await waitUntil(
        () => t.fakeSlack.callsTo('views.update').length > 0,
        6_000,
        () => 'views.update',
      );
      expect((t.fakeSlack.callsTo('views.update')[0]?.at ?? 0) - sentAt).toBeGreaterThanOrEqual(3_400);
      expect(JSON.stringify(t.fakeSlack.callsTo('views.update')[0]?.args.view)).not.toContain('did not open this form');
    } finally {
      clearTimeout(timer);
      release();
    }
  });

  it('shows a guest no numbers in a Sender ID form opened before the check answered', async () => {
    await start();
    const before = t.fakeSlack.responses.length;
    await t.slack.command('senderid create', { userId: GUEST });
    const refusal = readable((await t.fakeSlack.waitForResponses(before + 1)).at(-1)?.body);
    expect(refusal).toContain('smsops is for full members of this Slack workspace');
    await sleep(300);
    for (const call of [...t.fakeSlack.callsTo('views.open'), ...t.fakeSlack.callsTo('views.update')])
      expect(JSON.stringify(call.args.view)).not.toMatch(/415|numbers_value|\+1 /);
  });
});
