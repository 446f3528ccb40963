import type { WorkspaceDirectory } from '../../src/core/ports/directory.js';
import { ok } from '../../src/errors.js';

/** For use-case tests that are not about permissions: everyone is a workspace admin and in every channel. */
export const everyoneAdminDirectory: WorkspaceDirectory = {
  isWorkspaceAdmin: async () => ok(true),
  isFullMember: async () => ok(true),
  isChannelMember: async () => ok(true),
  userName: async (userId) => ok(`name-of-${userId}`),
  channelName: async (channel) => ok(`name-of-${channel}`),
};
