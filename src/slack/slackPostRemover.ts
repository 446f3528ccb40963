import type { webApi } from '@slack/bolt';
import type { SlackPostRemover } from '../core/ports/customerRecords.js';
import { describeError } from '../errors.js';
import { slackErrorCode } from './slackErrorCode.js';

/** Slack's codes for a delete it refused, in words; anything else is quoted. */
const REFUSED: Record<string, string> = {
  cant_delete_message: 'Slack does not let smsops delete it',
  channel_not_found: 'smsops can no longer see that channel',
  not_in_channel: 'smsops is no longer in that channel',
  is_archived: 'the channel is archived',
  ratelimited: 'Slack rate-limited the deletes',
};

/**
 * Deletes smsops' own posts with chat.delete: a bot may delete what it posted with `chat:write` alone. A post already
 * gone (deleted by someone, or its channel's retention) counts as deleted.
 */
export function createSlackPostRemover(client: webApi.WebClient): SlackPostRemover {
  return {
    remove: async ({ channel, ts }) => {
      try {
        await client.chat.delete({ channel, ts });
        return { ok: true };
      } catch (error) {
        const code = slackErrorCode(error);
        if (code === 'message_not_found') return { ok: true };
        if (typeof code === 'string') return { ok: false, reason: REFUSED[code] ?? `Slack answered ${code}` };
        return { ok: false, reason: `Slack could not be asked (${describeError(error)})` };
      }
    },
  };
}
