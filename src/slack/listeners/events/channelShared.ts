import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { listRoutes } from '../../../core/routes.js';
import { routeKeysPostingIn } from '../../../core/sharedChannel.js';
import { describeError } from '../../../errors.js';
import { smsChannelSharedMessage } from '../../ui/sharedChannel.js';
import type { SlackDeps } from '../context.js';

const sharedEvent = z.object({ channel: z.string().min(1), connected_team_id: z.string().optional() });
const channelInfo = z.object({ channel: z.object({ is_ext_shared: z.boolean().optional() }) });

/**
 * `channel_shared`: a channel became a Slack Connect channel, or another organisation joined one. Where smsops posts
 * SMS, that organisation's people now read the customers' texts, and its history: the alert channel is told at once
 * (doctor says it too, but only when someone runs it). The alert channel itself shared is told too: its alerts and
 * digests name the team's numbers and routes. A channel shared only between workspaces of the team's own
 * Enterprise Grid organisation (`is_ext_shared` false) is no one else's, and is not told; when Slack cannot be asked,
 * the warning says it could not tell.
 */
export function channelSharedListener(deps: SlackDeps) {
  return async ({ event, client }: SlackEventMiddlewareArgs<'channel_shared'> & AllMiddlewareArgs): Promise<void> => {
    const parsed = sharedEvent.safeParse(event);
    if (!parsed.success) return;
    const { channel } = parsed.data;
    const keys = routeKeysPostingIn(listRoutes(deps.services, deps.inboxChannel), channel);
    const alertChannel = channel === deps.alertChannel;
    if (keys.length === 0 && !alertChannel) return;
    let certain = false;
    try {
      const info = channelInfo.parse(await deps.doctorSlack.conversations.info({ channel }));
      if (info.channel.is_ext_shared !== true) return;
      certain = true;
    } catch (error) {
      deps.logger.warn('conversations.info failed for a channel just shared; warned without it', {
        channel,
        error: describeError(error),
      });
    }
    deps.logger.warn('a channel smsops posts SMS or alerts in was shared with another organisation; the alert channel is told', {
      channel,
      routes: keys.length,
    });
    try {
      await client.chat.postMessage({
        channel: deps.alertChannel,
        ...smsChannelSharedMessage({
          channel,
          connectedTeam: parsed.data.connected_team_id ?? 'unknown',
          keys,
          certain,
          alertChannel,
        }),
        unfurl_links: false,
        unfurl_media: false,
      });
    } catch (error) {
      deps.logger.error('could not tell the alert channel that an SMS channel was shared', {
        channel,
        error: describeError(error),
      });
    }
  };
}
