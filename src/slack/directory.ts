import { webApi } from '@slack/bolt';
import { z } from 'zod';
import type { Config } from '../config.js';
import { ChannelTooLargeError, type WorkspaceDirectory } from '../core/ports/directory.js';
import { AppError, describeError, err, ok, type Result } from '../errors.js';
import type { Logger } from '../log.js';
import { warnOncePerMinute } from '../logOncePerMinute.js';
import { toBoltLogger } from './boltLogger.js';
import { slackErrorCode } from './slackErrorCode.js';

/** Roles change rarely; a few minutes of delay after a demotion is the price of not asking Slack on every command. */
const ADMIN_TTL_MS = 5 * 60_000;
/** Membership is read per channel (one call for everyone), so it can be fresher. */
const MEMBERS_TTL_MS = 60_000;
/**
 * Before an SMS goes out on someone's behalf: someone removed from the channel loses the right within seconds, while
 * a burst of replies in one channel still shares one read.
 */
const FRESH_MEMBERS_TTL_MS = 5_000;
/** Channel names change rarely, and a stale one only labels a mention. */
const CHANNEL_NAME_TTL_MS = 5 * 60_000;
/** 50 pages of 1,000: larger channels are not expected; past that smsops says it could not tell. */
const MAX_MEMBER_PAGES = 50;
const MEMBERS_PER_PAGE = 1_000;
/**
 * What the directory keeps at most. Each answer was kept for good, read or not: a channel's members (up to 50,000 ids)
 * long after its minute, every person ever asked about. A colleague's script naming channel after channel in
 * `/sms traffic`, or a large workspace's turnover, only grew it (a probe: 100,000 people asking `/sms inbox` kept
 * 100,000 users.info answers). Expired answers go (a person's stays as their last known, for the guest check), and past
 * these bounds the oldest answers go first, said in the log; a dropped one is asked of Slack again when needed.
 */
export const DIRECTORY_KEPT = { users: 10_000, channelNames: 5_000, memberIds: 250_000 } as const;

const userInfoSchema = z.object({
  user: z.object({
    team_id: z.string().optional(),
    deleted: z.boolean().optional(),
    real_name: z.string().optional(),
    profile: z.object({ display_name: z.string().optional(), real_name: z.string().optional() }).optional(),
    is_admin: z.boolean().optional(),
    is_owner: z.boolean().optional(),
    is_primary_owner: z.boolean().optional(),
    is_restricted: z.boolean().optional(),
    is_ultra_restricted: z.boolean().optional(),
    is_stranger: z.boolean().optional(),
    enterprise_user: z.object({ enterprise_id: z.string().optional() }).optional(),
  }),
});

const authTestSchema = z.object({ team_id: z.string().min(1), enterprise_id: z.string().optional() });

const channelInfoSchema = z.object({ channel: z.object({ name: z.string().optional() }) });

type SlackUser = z.infer<typeof userInfoSchema>['user'];

/** The name people see: the display name they chose, else their full name. */
function nameOf(user: SlackUser): string | undefined {
  const candidates = [user.profile?.display_name, user.profile?.real_name, user.real_name];
  return candidates.map((name) => name?.trim()).find((name) => name !== undefined && name !== '');
}

const membersSchema = z.object({
  members: z.array(z.string()),
  response_metadata: z.object({ next_cursor: z.string().optional() }).optional(),
});

class DirectoryError extends AppError {
  constructor(method: string, cause: unknown) {
    const said = slackErrorCode(cause) ?? 'no usable answer';
    const hint =
      said === 'missing_scope'
        ? `; the Slack app lacks the scope ${method.startsWith('users.') ? 'users:read' : 'channels:read / groups:read'}: add it (manifest.yml) and reinstall the app`
        : '';
    super(`Slack ${method} failed: ${describeError(cause)}`, `Slack answered ${method} with ${said}${hint}`, { cause });
    this.name = 'DirectoryError';
  }
}

export interface SlackDirectoryOptions {
  client: webApi.WebClient;
  logger: Logger;
  now?: () => number;
  adminTtlMs?: number;
  membersTtlMs?: number;
  freshMembersTtlMs?: number;
  /** The bounds of what is kept (DIRECTORY_KEPT by default). */
  kept?: { users: number; channelNames: number; memberIds: number };
}

/**
 * The workspace directory from Slack: `users.info` for admins, owners and names (cached per user; an admin of this
 * workspace has its team id, from `auth.test`),
 * `conversations.members` for channel membership (cached per channel, all pages), `conversations.info` for channel
 * names. Only answers are cached; a failure is asked again next time.
 */
export function createSlackDirectory(options: SlackDirectoryOptions): WorkspaceDirectory {
  const now = options.now ?? Date.now;
  const adminTtl = options.adminTtlMs ?? ADMIN_TTL_MS;
  const membersTtl = options.membersTtlMs ?? MEMBERS_TTL_MS;
  const freshMembersTtl = Math.min(options.freshMembersTtlMs ?? FRESH_MEMBERS_TTL_MS, membersTtl);
  const kept = options.kept ?? DIRECTORY_KEPT;
  // Each map in the order its entries were last set (an answer replacing another moves to the end): oldest first.
  const users = new Map<string, { value: SlackUser; at: number }>();
  const channelNames = new Map<string, { value: string; at: number }>();
  const members = new Map<string, { value: ReadonlySet<string>; at: number }>();
  let memberIds = 0;
  const forgotten = warnOncePerMinute(
    options.logger,
    'Slack directory full: its oldest answers were forgotten (asked of Slack again when needed)',
    {},
    { countField: 'forgottenSinceLastLine', level: 'info' },
  );
  const keepUser = (userId: string, value: SlackUser) => {
    users.delete(userId);
    users.set(userId, { value, at: now() });
    // Not dropped when expired: the guest check falls back on a person's last known answer while Slack fails.
    while (users.size > kept.users) {
      users.delete(users.keys().next().value as string);
      forgotten('users', { what: 'people' });
    }
  };
  const keepChannelName = (channel: string, value: string) => {
    const at = now();
    channelNames.delete(channel);
    for (const [old, entry] of channelNames) {
      if (at - entry.at < CHANNEL_NAME_TTL_MS) break;
      channelNames.delete(old);
    }
    channelNames.set(channel, { value, at });
    while (channelNames.size > kept.channelNames) {
      channelNames.delete(channelNames.keys().next().value as string);
      forgotten('channelNames', { what: 'channel names' });
    }
  };
  const dropMembers = (channel: string) => {
    const entry = members.get(channel);
    if (entry === undefined) return;
    members.delete(channel);
    memberIds -= entry.value.size;
  };
  const keepMembers = (channel: string, value: ReadonlySet<string>) => {
    const at = now();
    dropMembers(channel);
    // Past membersTtl an answer is read by nobody (a fresh read wants 5 s): it goes.
    for (const [old, entry] of members) {
      if (at - entry.at < membersTtl) break;
      dropMembers(old);
    }
    members.set(channel, { value, at });
    memberIds += value.size;
    while (memberIds > kept.memberIds && members.size > 1) {
      dropMembers(members.keys().next().value as string);
      forgotten('members', { what: 'channel members' });
    }
  };
  // Concurrent questions about the same channel share one read.
  const reading = new Map<string, Promise<Result<ReadonlySet<string>>>>();

  /** Channels found larger than a limited check may read, and when: asked again, they cost no call for a while. */
  const tooLarge = new Map<string, { members: number; at: number }>();

  const readMembers = async (channel: string, pages = MAX_MEMBER_PAGES): Promise<Result<ReadonlySet<string>>> => {
    const all = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < pages; page++) {
      let answer: z.infer<typeof membersSchema>;
      try {
        answer = membersSchema.parse(
          await options.client.conversations.members({ channel, limit: MEMBERS_PER_PAGE, ...(cursor ? { cursor } : {}) }),
        );
      } catch (error) {
        options.logger.warn('conversations.members failed', { channel, error: describeError(error) });
        return err(new DirectoryError('conversations.members', error));
      }
      for (const id of answer.members) all.add(id);
      cursor = answer.response_metadata?.next_cursor || undefined;
      if (!cursor) return ok(all);
    }
    if (pages < MAX_MEMBER_PAGES) return err(new ChannelTooLargeError(pages * MEMBERS_PER_PAGE));
    return err(new DirectoryError('conversations.members', new Error(`more than ${MAX_MEMBER_PAGES} pages`)));
  };

  // Questions about the same person arriving together (a burst of their replies) share one users.info.
  const readingUser = new Map<string, Promise<Result<SlackUser>>>();
  const readUser = (userId: string): Promise<Result<SlackUser>> => {
    const cached = users.get(userId);
    if (cached && now() - cached.at < adminTtl) return Promise.resolve(ok(cached.value));
    let pending = readingUser.get(userId);
    if (!pending) {
      pending = askUser(userId).finally(() => readingUser.delete(userId));
      readingUser.set(userId, pending);
    }
    return pending;
  };
  const askUser = async (userId: string): Promise<Result<SlackUser>> => {
    try {
      const { user } = userInfoSchema.parse(await options.client.users.info({ user: userId }));
      keepUser(userId, user);
      return ok(user);
    } catch (error) {
      options.logger.warn('users.info failed', { user: userId, error: describeError(error) });
      return err(new DirectoryError('users.info', error));
    }
  };
  /**
   * For the guest check only: when Slack does not answer now, what it last said of the person (a guest's status seldom
   * changes), so one rate-limited users.info does not refuse a full member's reply; never for admin rights.
   */
  const readUserOrLastKnown = async (userId: string): Promise<Result<SlackUser>> => {
    const read = await readUser(userId);
    if (read.ok) return read;
    const known = users.get(userId);
    return known ? ok(known.value) : read;
  };

  // The workspace smsops is installed in: asked once, when someone with admin flags first needs it.
  let ownTeam: { team: string; enterprise: string | undefined } | undefined;
  // Questions arriving together share one auth.test (a burst of replies while Slack is slow to answer it).
  let askingOwnTeam: Promise<Result<{ team: string; enterprise: string | undefined }>> | undefined;
  const readOwnTeam = (): Promise<Result<{ team: string; enterprise: string | undefined }>> => {
    if (ownTeam !== undefined) return Promise.resolve(ok(ownTeam));
    askingOwnTeam ??= askOwnTeam().finally(() => {
      askingOwnTeam = undefined;
    });
    return askingOwnTeam;
  };
  const askOwnTeam = async (): Promise<Result<{ team: string; enterprise: string | undefined }>> => {
    try {
      const answer = authTestSchema.parse(await options.client.auth.test());
      ownTeam = { team: answer.team_id, enterprise: answer.enterprise_id || undefined };
      return ok(ownTeam);
    } catch (error) {
      options.logger.warn('auth.test failed', { error: describeError(error) });
      return err(new DirectoryError('auth.test', error));
    }
  };

  // A guest, a deactivated account or someone from another organisation: Slack sets is_stranger only for one who
  // shares no channel with the bot, so a Slack Connect member in a shared channel is told by their own team_id.
  const isOutsiderByFlags = (user: SlackUser) =>
    user.deleted === true || user.is_restricted === true || user.is_ultra_restricted === true || user.is_stranger === true;
  // Not known yet, the person is refused with the reason (the caller says so), never let through unchecked.
  const ofOwnOrganisation = async (user: SlackUser): Promise<Result<boolean>> => {
    const own = await readOwnTeam();
    if (!own.ok) return own;
    if (user.team_id === own.value.team) return ok(true);
    // Enterprise Grid: a member of another workspace of the same organisation has that workspace's team_id. Slack's
    // docs do not say which team_id users.info gives there; the shared enterprise id is taken as the same organisation.
    return ok(own.value.enterprise !== undefined && user.enterprise_user?.enterprise_id === own.value.enterprise);
  };

  return {
    async isWorkspaceAdmin(userId) {
      const read = await readUser(userId);
      if (!read.ok) return read;
      const user = read.value;
      // Whatever their flags say: Slack does not document what is_admin means for an external user.
      if (isOutsiderByFlags(user) || !(user.is_admin === true || user.is_owner === true || user.is_primary_owner === true)) {
        return ok(false);
      }
      const own = await readOwnTeam();
      if (!own.ok) return own;
      return ok(user.team_id === own.value.team);
    },
    async isFullMember(userId) {
      const read = await readUserOrLastKnown(userId);
      if (!read.ok) return read;
      if (isOutsiderByFlags(read.value)) return ok(false);
      return ofOwnOrganisation(read.value);
    },
    async userName(userId) {
      const read = await readUser(userId);
      if (!read.ok) return read;
      const name = nameOf(read.value);
      return name === undefined ? err(new DirectoryError('users.info', new Error('no name given'))) : ok(name);
    },
    async channelName(channel) {
      const cached = channelNames.get(channel);
      if (cached && now() - cached.at < CHANNEL_NAME_TTL_MS) return ok(cached.value);
      try {
        const name = channelInfoSchema.parse(await options.client.conversations.info({ channel })).channel.name;
        if (!name) return err(new DirectoryError('conversations.info', new Error('no name given')));
        keepChannelName(channel, name);
        return ok(name);
      } catch (error) {
        options.logger.warn('conversations.info failed', { channel, error: describeError(error) });
        return err(new DirectoryError('conversations.info', error));
      }
    },
    async isChannelMember(channel, userId, freshness = 'recent', limit) {
      const ttl = freshness === 'fresh' ? freshMembersTtl : membersTtl;
      const cached = members.get(channel);
      if (cached && now() - cached.at < ttl) return ok(cached.value.has(userId));
      const pages = limit
        ? Math.max(1, Math.min(MAX_MEMBER_PAGES, Math.floor(limit.maxMembers / MEMBERS_PER_PAGE)))
        : MAX_MEMBER_PAGES;
      const large = tooLarge.get(channel);
      if (large && now() - large.at < membersTtl && large.members >= pages * MEMBERS_PER_PAGE)
        return err(new ChannelTooLargeError(pages * MEMBERS_PER_PAGE));
      // A limited read is not shared with a full one: a reply's check must not end at the chart's limit.
      const key = `${channel} ${pages}`;
      let pending = reading.get(key);
      if (!pending) {
        pending = readMembers(channel, pages).finally(() => reading.delete(key));
        reading.set(key, pending);
      }
      const read = await pending;
      if (!read.ok) {
        if (read.error instanceof ChannelTooLargeError) {
          const at = now();
          for (const [old, entry] of tooLarge) {
            if (at - entry.at < membersTtl) break;
            tooLarge.delete(old);
          }
          tooLarge.delete(channel);
          tooLarge.set(channel, { members: read.error.maxMembers, at });
        }
        return read;
      }
      tooLarge.delete(channel);
      keepMembers(channel, read.value);
      return ok(read.value.has(userId));
    },
  };
}

/** The directory's own client: a person waits on its answers, so it retries briefly instead of for minutes. */
export function createSlackDirectoryFor(
  slack: Config['slack'],
  logger: Logger,
  retryConfig: webApi.RetryOptions = { retries: 2, factor: 2, minTimeout: 300, maxTimeout: 2_000 },
): WorkspaceDirectory {
  const client = new webApi.WebClient(slack.botToken, {
    slackApiUrl: slack.apiUrl,
    logger: toBoltLogger(logger.child({ component: 'slack-directory' })),
    retryConfig,
    // A rate-limited directory read is an answer ("could not check"), not a wait of a minute.
    rejectRateLimitedCalls: true,
    // So is one Slack never answers.
    timeout: 10_000,
  });
  return createSlackDirectory({ client, logger: logger.child({ component: 'slack-directory' }) });
}
