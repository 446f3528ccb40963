import type { webApi } from '@slack/bolt';
import { isSmsopsAdmin } from '../../../core/access.js';
import type { ChannelMembership } from '../../../core/doctor/types.js';
import { runDoctor, summaryLine } from '../../../core/doctor.js';
import { checkInboundRules } from '../../../core/portsipSetup.js';
import { describeError } from '../../../errors.js';
import { doctorCheckingMessage, doctorMessage } from '../../ui/doctor.js';
import type { Interaction } from '../context.js';

/** Channel membership as the bot sees it: Slack's own error code (not_in_channel, channel_not_found…) kept as is. */
export function slackChannelMembership(client: webApi.WebClient): (channel: string) => Promise<ChannelMembership> {
  return async (channel) => {
    try {
      const answer = await client.conversations.info({ channel });
      return {
        ok: true,
        isMember: answer.channel?.is_member === true,
        name: answer.channel?.name,
        archived: answer.channel?.is_archived === true,
        direct: answer.channel?.is_im === true,
      };
    } catch (error) {
      const code = (error as { data?: { error?: unknown } }).data?.error;
      return { ok: false, error: typeof code === 'string' ? code : describeError(error) };
    }
  };
}

/** `/sms doctor`: says it is checking at once, then the report (checks run concurrently, each under a time limit). */
export async function doctorCommand(interaction: Interaction): Promise<void> {
  const { deps } = interaction;
  await interaction.reply(doctorCheckingMessage());
  const portsip = deps.portsip;
  const admin = await isSmsopsAdmin(deps.services, interaction.actor);
  const report = await runDoctor({
    showDestinationAnswers: admin.ok && admin.value,
    services: deps.services,
    relay: deps.relay,
    publicBaseUrl: deps.publicBaseUrl,
    channels: { alert: deps.alertChannel, inbox: deps.inboxChannel },
    channelMembership: slackChannelMembership(interaction.client),
    backupJob: () => deps.watch.jobs.status().find((job) => job.name === 'backup'),
    ...(portsip ? { portsip: { checkInboundRules: (dids: string[]) => checkInboundRules({ portsip }, dids) } } : {}),
  });
  deps.logger.info('doctor ran', { user: interaction.actor.userId, summary: summaryLine(report.counts) });
  await interaction.reply(doctorMessage(report));
}
