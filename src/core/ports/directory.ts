import type { Result } from '../../errors.js';

/**
 * Who is who in the workspace, as far as smsops' permissions need it. The core asks; src/slack/directory.ts answers
 * from Slack's Web API (users.info, conversations.members), caching briefly. An error is an answer too: callers refuse
 * (fail closed) and say why.
 */
export interface WorkspaceDirectory {
  /** Whether the user is an admin or owner of the Slack workspace. */
  isWorkspaceAdmin(userId: string): Promise<Result<boolean>>;
  /** Whether the user is a member of the channel (a DM counts its two people). */
  isChannelMember(channel: string, userId: string): Promise<Result<boolean>>;
}
