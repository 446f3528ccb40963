import { AppError, type Result } from '../../errors.js';

/** How old a cached membership answer may be: `recent` for reading, `fresh` before acting on someone's behalf. */
export type MembershipFreshness = 'recent' | 'fresh';

/**
 * How many members a check may read (Slack gives them 1,000 a call): for a caller that can do without an answer (a
 * chart), so that a channel of tens of thousands does not spend the calls the reply checks need.
 */
export interface MembershipReadLimit {
  maxMembers: number;
}

/** The channel has more members than the check was allowed to read: no answer, and asking again changes nothing. */
export class ChannelTooLargeError extends AppError {
  constructor(readonly maxMembers: number) {
    super(
      `channel membership not read: more than ${maxMembers} members`,
      `the channel has more than ${maxMembers.toLocaleString('en-US')} members`,
    );
    this.name = 'ChannelTooLargeError';
  }
}

/**
 * Who is who in the workspace, as far as smsops' permissions need it. The core asks; src/slack/directory.ts answers
 * from Slack's Web API (users.info, conversations.members, conversations.info), caching briefly. An error is an
 * answer too: callers refuse (fail closed) and say why.
 */
export interface WorkspaceDirectory {
  /** Whether the user is an admin or owner of the Slack workspace. */
  isWorkspaceAdmin(userId: string): Promise<Result<boolean>>;
  /**
   * Whether the user is a full member of this workspace: not a guest, not deactivated, not from another organisation
   * (Slack Connect). SMS go out from the company's numbers on a full member's word only, unless an admin lists them.
   */
  isFullMember(userId: string): Promise<Result<boolean>>;
  /**
   * Whether the user is a member of the channel (a DM counts its two people). `fresh` (for sending an SMS on their
   * behalf) accepts an answer a few seconds old at most, so someone removed from the channel loses the right at once.
   */
  isChannelMember(
    channel: string,
    userId: string,
    freshness?: MembershipFreshness,
    limit?: MembershipReadLimit,
  ): Promise<Result<boolean>>;
  /** The name people see for the user (display name, else full name); an error when Slack does not say. */
  userName(userId: string): Promise<Result<string>>;
  /** The channel's name, without `#`. */
  channelName(channel: string): Promise<Result<string>>;
}
