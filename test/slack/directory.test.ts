import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../src/log.js';
import { createSlackDirectory, DIRECTORY_KEPT } from '../../src/slack/directory.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fakeSlack.js';

let fakeSlack: FakeSlack;
let clock = 0;

beforeEach(async () => {
  fakeSlack = await startFakeSlack({
    users: {
      U0ADMIN001: { admin: true },
      U0OWNER001: { primaryOwner: true },
      U0PLAIN001: {},
      U0GUEST001: { admin: true, guest: true },
      U0EXTERN01: { admin: true, external: true },
    },
  });
  clock = 1_000_000;
});
afterEach(() => fakeSlack.close());

const directory = () =>
  createSlackDirectory({
    client: new webApi.WebClient('xoxb-test', { slackApiUrl: fakeSlack.url, retryConfig: { retries: 0 } }),
    logger: silentLogger,
    now: () => clock,
  });

describe('the workspace directory over Slack', () => {
  it('tells admins and owners from members through users.info, asking again only after a few minutes', async () => {
    const d = directory();
    expect(await d.isWorkspaceAdmin('U0ADMIN001')).toEqual({ ok: true, value: true });
    expect(await d.isWorkspaceAdmin('U0OWNER001')).toEqual({ ok: true, value: true });
    expect(await d.isWorkspaceAdmin('U0PLAIN001')).toEqual({ ok: true, value: false });
    // Admin flags of a guest or of someone from another organisation do not count here.
    expect(await d.isWorkspaceAdmin('U0GUEST001')).toEqual({ ok: true, value: false });
    expect(await d.isWorkspaceAdmin('U0EXTERN01')).toEqual({ ok: true, value: false });
    fakeSlack.seedUser('U0PLAIN001', { admin: true });
    expect(await d.isWorkspaceAdmin('U0PLAIN001')).toEqual({ ok: true, value: false });
    expect(fakeSlack.callsTo('users.info')).toHaveLength(5);
    clock += 5 * 60_000;
    expect(await d.isWorkspaceAdmin('U0PLAIN001')).toEqual({ ok: true, value: true });
  });

  it("takes no deactivated account nor anyone of another team (the bot's own, from auth.test) for an admin", async () => {
    const d = directory();
    fakeSlack.handle('users.info', ({ args }) => ({
      user: {
        id: args.user,
        team_id: args.user === 'U0OTHER001' ? 'T9' : 'T1',
        deleted: args.user === 'U0GONE0001',
        is_admin: true,
      },
    }));
    expect(await d.isWorkspaceAdmin('U0OTHER001')).toEqual({ ok: true, value: false });
    expect(await d.isWorkspaceAdmin('U0GONE0001')).toEqual({ ok: true, value: false });
    expect(await d.isWorkspaceAdmin('U0ADMIN001')).toEqual({ ok: true, value: true });
    // The team is asked once, and only about someone with admin flags.
    expect(fakeSlack.callsTo('auth.test')).toHaveLength(1);
  });

  it('takes a full member for one of this workspace or of another workspace of the same Enterprise Grid organisation, never a guest, a deactivated account or a Slack Connect member', async () => {
    const d = directory();
    fakeSlack.handle('auth.test', () => ({ team_id: 'T1', enterprise_id: 'E1', user_id: 'UBOT' }));
    fakeSlack.handle('users.info', ({ args }) => {
      const kinds: Record<string, Record<string, unknown>> = {
        U0PLAIN001: { team_id: 'T1' },
        U0GRID0001: { team_id: 'T2', enterprise_user: { enterprise_id: 'E1' } },
        U0CONNECT1: { team_id: 'T9', enterprise_user: { enterprise_id: 'E9' } },
        U0GUEST001: { team_id: 'T1', is_restricted: true },
        U0SINGLE01: { team_id: 'T1', is_ultra_restricted: true },
        U0GONE0001: { team_id: 'T1', deleted: true },
      };
      return { user: { id: args.user, ...kinds[String(args.user)] } };
    });
    const full = async (id: string) => (await d.isFullMember(id)).ok && ((await d.isFullMember(id)) as { value: boolean }).value;
    expect(await full('U0PLAIN001')).toBe(true);
    expect(await full('U0GRID0001')).toBe(true);
    for (const id of ['U0CONNECT1', 'U0GUEST001', 'U0SINGLE01', 'U0GONE0001']) expect(await full(id)).toBe(false);
    // Not known is an error in words, never a yes.
    const fresh = directory();
    fakeSlack.failNext('auth.test', 'internal_error');
    expect((await fresh.isFullMember('U0PLAIN001')).ok).toBe(false);
  });

  it('asks users.info once for a burst of questions about one person, and for the guest check keeps what Slack last said when it fails', async () => {
    const d = directory();
    const answers = await Promise.all(Array.from({ length: 5 }, () => d.isFullMember('U0PLAIN001')));
    expect(answers.every((a) => a.ok && a.value)).toBe(true);
    expect(fakeSlack.callsTo('users.info')).toHaveLength(1);
    clock += 5 * 60_000;
    fakeSlack.failNext('users.info', 'ratelimited');
    fakeSlack.failNext('users.info', 'ratelimited');
    expect(await d.isFullMember('U0PLAIN001')).toEqual({ ok: true, value: true });
    // Never for admin rights: not known now is an error there.
    expect((await d.isWorkspaceAdmin('U0PLAIN001')).ok).toBe(false);
    // A person Slack never answered about is not let through.
    fakeSlack.failNext('users.info', 'ratelimited');
    expect((await d.isFullMember('U0GUEST001')).ok).toBe(false);
  });

  it('answers a failure as an error in words, and does not remember it', async () => {
    const d = directory();
    fakeSlack.failNext('users.info', 'missing_scope');
    const failed = await d.isWorkspaceAdmin('U0ADMIN001');
    expect(failed.ok).toBe(false);
    expect(!failed.ok && failed.error.userMessage).toContain(
      'users.info with missing_scope; the Slack app lacks the scope users:read',
    );
    expect(await d.isWorkspaceAdmin('U0ADMIN001')).toEqual({ ok: true, value: true });
  });

  it('reads every page of a channel’s members once for everyone, for a minute', async () => {
    const members = Array.from({ length: 2500 }, (_, i) => `U${String(i).padStart(9, '0')}`);
    fakeSlack.setChannelMembers('C0INBOX001', members);
    const d = directory();
    const answers = await Promise.all([
      d.isChannelMember('C0INBOX001', 'U000002499'),
      d.isChannelMember('C0INBOX001', 'U0PLAIN001'),
    ]);
    expect(answers).toEqual([
      { ok: true, value: true },
      { ok: true, value: false },
    ]);
    expect(fakeSlack.callsTo('conversations.members')).toHaveLength(3);
    expect(await d.isChannelMember('C0INBOX001', 'U000000001')).toEqual({ ok: true, value: true });
    expect(fakeSlack.callsTo('conversations.members')).toHaveLength(3);
    clock += 61_000;
    await d.isChannelMember('C0INBOX001', 'U000000001');
    expect(fakeSlack.callsTo('conversations.members')).toHaveLength(6);
  });

  it('asks membership fresh (5 s at most) before acting on someone’s behalf, and a failed read is an error, not the cache', async () => {
    fakeSlack.setChannelMembers('C0INBOX001', ['U0PLAIN001']);
    const d = directory();
    expect(await d.isChannelMember('C0INBOX001', 'U0PLAIN001')).toEqual({ ok: true, value: true });
    fakeSlack.setChannelMembers('C0INBOX001', []);
    clock += 4_000;
    expect(await d.isChannelMember('C0INBOX001', 'U0PLAIN001', 'fresh')).toEqual({ ok: true, value: true });
    clock += 1_000;
    expect(await d.isChannelMember('C0INBOX001', 'U0PLAIN001', 'fresh')).toEqual({ ok: true, value: false });
    clock += 5_000;
    fakeSlack.failNext('conversations.members', 'internal_error');
    const failed = await d.isChannelMember('C0INBOX001', 'U0PLAIN001', 'fresh');
    expect(failed.ok).toBe(false);
  });

  it('names people (display name, else full name) and channels, cached; a nameless answer is an error', async () => {
    fakeSlack.seedUser('U0BOB00001', { displayName: 'Bob' });
    fakeSlack.seedUser('U0ROB00001', { displayName: '', realName: 'Robert Smith' });
    fakeSlack.seedChannels([{ id: 'C0INBOX001', name: 'sms-inbox' }]);
    const d = directory();
    expect(await d.userName('U0BOB00001')).toEqual({ ok: true, value: 'Bob' });
    expect(await d.userName('U0ROB00001')).toEqual({ ok: true, value: 'Robert Smith' });
    expect((await d.userName('U0PLAIN001')).ok).toBe(false);
    expect(await d.channelName('C0INBOX001')).toEqual({ ok: true, value: 'sms-inbox' });
    expect((await d.channelName('C0UNKNOWN1')).ok).toBe(false);
    expect(await d.userName('U0BOB00001')).toEqual({ ok: true, value: 'Bob' });
    expect(await d.channelName('C0INBOX001')).toEqual({ ok: true, value: 'sms-inbox' });
    expect(fakeSlack.callsTo('users.info')).toHaveLength(3);
    expect(fakeSlack.callsTo('conversations.info')).toHaveLength(2);
  });

  it('keeps at most DIRECTORY_KEPT answers: past it the oldest are forgotten, said in the log, and asked of Slack again', async () => {
    // A stub client: a workspace of 12,000 people and 300 channels of 1,000 members, asked about one after the other
    // (a large workspace's turnover, or a script naming channel after channel in `/sms traffic`).
    const calls = { users: 0, members: 0 };
    const client = {
      users: {
        info: async ({ user }: { user: string }) => {
          calls.users += 1;
          return { ok: true, user: { id: user, team_id: 'T1', profile: { display_name: user } } };
        },
      },
      conversations: {
        members: async ({ channel }: { channel: string }) => {
          calls.members += 1;
          return { ok: true, members: Array.from({ length: 1_000 }, (_, i) => `U${channel}${i}`) };
        },
      },
    } as unknown as webApi.WebClient;
    const lines: string[] = [];
    const d = createSlackDirectory({
      client,
      logger: createLogger({ level: 'info', sink: (line) => lines.push(line) }),
      now: () => clock,
    });
    const people = DIRECTORY_KEPT.users + 2_000;
    for (let i = 0; i < people; i++) expect((await d.userName(`U${i}`)).ok).toBe(true);
    const channels = DIRECTORY_KEPT.memberIds / 1_000 + 50;
    for (let i = 0; i < channels; i++) expect((await d.isChannelMember(`C${i}`, 'U0PLAIN001')).ok).toBe(true);
    expect(calls).toEqual({ users: people, members: channels });
    // The newest are still known; the oldest were forgotten (within their TTL) and cost a call again.
    await d.userName(`U${people - 1}`);
    await d.isChannelMember(`C${channels - 1}`, 'U0PLAIN001');
    expect(calls).toEqual({ users: people, members: channels });
    await d.userName('U0');
    await d.isChannelMember('C0', 'U0PLAIN001');
    expect(calls).toEqual({ users: people + 1, members: channels + 1 });
    const said = lines.filter((line) => line.includes('Slack directory full'));
    expect(said.map((line) => JSON.parse(line).what).sort()).toEqual(['channel members', 'people']);
  });
});
