import { webApi } from '@slack/bolt';
import { renderTrafficChart } from '../../../charts/trafficChart.js';
import { performChange } from '../../../core/access.js';
import { changeThreshold, listThresholds } from '../../../core/alertRules.js';
import { ChannelTooLargeError } from '../../../core/ports/directory.js';
import { parseTrafficArgs, trafficReport } from '../../../core/traffic.js';
import { duration } from '../../../core/wording.js';
import { AppError, describeError, err, ok } from '../../../errors.js';
import type { JobOutcome } from '../../../jobs/scheduler.js';
import { withoutUploadAddresses } from '../../boltLogger.js';
import { slackErrorCode } from '../../slackErrorCode.js';
import { alertsOverviewMessage, thresholdChangedMessage } from '../../ui/alerts.js';
import { errorMessage } from '../../ui/errors.js';
import { jobRunMessage, jobsMessage } from '../../ui/jobs.js';
import { chartNotForNonMemberNote, chartNotSharedNote, trafficChartTitle, trafficReportMessage } from '../../ui/traffic.js';
import { type Interaction, logFailure } from '../context.js';

export async function alertsListCommand(interaction: Interaction, page?: number): Promise<void> {
  const { alerts, now } = interaction.deps.watch;
  await interaction.reply(alertsOverviewMessage(alerts.open(), listThresholds(alerts), now(), alerts.mutes(), page));
}

export async function alertsSetCommand(interaction: Interaction, input: { rule: string; value: string }): Promise<void> {
  const { services, watch } = interaction.deps;
  const result = await changeThreshold({ ...services, alerts: watch.alerts }, interaction.actor, {
    name: input.rule,
    value: input.value,
  });
  if (!result.ok) {
    logFailure(interaction.deps.logger, 'alerts set', result.error);
    await interaction.reply(errorMessage(result.error, 'change the threshold'));
    return;
  }
  await interaction.reply(
    thresholdChangedMessage(result.value.name, result.value.value, interaction.actor.userId, result.value.before),
  );
}

export async function jobsListCommand(interaction: Interaction): Promise<void> {
  const { watch } = interaction.deps;
  await interaction.reply(jobsMessage(await watch.jobs.status(), watch.now(), watch.timeZone));
}

class UnknownJobError extends AppError {
  constructor(name: string, known: string[]) {
    super(`unknown job ${name}`, `There is no job "${name}". Jobs: ${known.join(', ')}.`);
  }
}

/** A run that failed: an error to the audit log (a run asked for and failed is a failed attempt), its outcome to the person. */
class JobRunFailedError extends AppError {
  constructor(
    name: string,
    readonly outcome: Extract<JobOutcome, { outcome: 'failed' }>,
  ) {
    super(`job ${name} failed`, outcome.error);
  }
}

export async function jobsRunCommand(interaction: Interaction, name: string): Promise<void> {
  const { jobs } = interaction.deps.watch;
  const known = jobs.names();
  const result = await performChange(
    interaction.deps.services,
    interaction.actor,
    { action: 'jobs.run', target: name },
    async () => {
      if (!known.includes(name)) return err(new UnknownJobError(name, known));
      const outcome = await jobs.runNow(name);
      return outcome.outcome === 'failed' ? err(new JobRunFailedError(name, outcome)) : ok(outcome);
    },
  );
  // Said as any run's outcome; the scheduler has logged and counted the failure already.
  if (!result.ok && result.error instanceof JobRunFailedError) {
    await interaction.reply(jobRunMessage(name, result.error.outcome));
    return;
  }
  if (!result.ok) {
    logFailure(interaction.deps.logger, 'jobs run', result.error);
    await interaction.reply(errorMessage(result.error, `run ${name}`));
    return;
  }
  await interaction.reply(jobRunMessage(name, result.value));
}

/**
 * A person's traffic charts come one every 30 s: drawing one holds the main thread (30-50 ms for 7 days), where every
 * SMS and answer waits, and each is posted to the whole channel; 30 asked at once were 30 charts in the channel.
 */
export const TRAFFIC_CHART_GAP_MS = 30_000;
/**
 * Members read, at most, to know whether the person is in the chart's channel: conversations.members gives 1,000 a
 * call, and its rate limit (about 100 calls a minute) is the one the check before every SMS reply needs. Two charts
 * asked in channels of 40,000 and 30,000 took 70 calls (a probe); in a channel that large the figures come alone.
 */
const CHART_CHANNEL_MAX_MEMBERS = 5_000;

const rateLimitedFor = (error: unknown): number | undefined =>
  (error as { code?: unknown } | null)?.code === webApi.ErrorCode.RateLimitedError
    ? (error as webApi.WebAPIRateLimitedError).retryAfter
    : undefined;

const isDirectMessage = (channel: string) => channel.startsWith('D');

/**
 * Whether the person is in the conversation the command names: its channel_id is whatever their client sent (Slack
 * signs it all the same), and the chart is posted there for everyone. Asked nearly fresh, as before a reply goes out.
 */
async function membershipOf(
  interaction: Interaction,
  channel: string,
): Promise<'member' | 'not-member' | 'direct-message' | 'bot-not-in-it' | { tooLarge: number } | { checkFailed: string }> {
  // Whose direct message a D… id is, Slack says only with im:read, which the app does not ask for: a forged one would
  // post into someone else's conversation with the bot.
  if (isDirectMessage(channel)) return 'direct-message';
  try {
    const member = await interaction.deps.services.directory.isChannelMember(channel, interaction.actor.userId, 'fresh', {
      maxMembers: CHART_CHANNEL_MAX_MEMBERS,
    });
    if (!member.ok) {
      if (member.error instanceof ChannelTooLargeError) return { tooLarge: member.error.maxMembers };
      // A private channel the bot is not in is out of its sight: the upload would fail too, and inviting it is the fix.
      return slackErrorCode(member.error.cause) === 'channel_not_found'
        ? 'bot-not-in-it'
        : { checkFailed: member.error.userMessage };
    }
    return member.value ? 'member' : 'not-member';
  } catch (error) {
    interaction.deps.logger.warn('channel membership check failed', { error: describeError(error) });
    return { checkFailed: 'Slack gave no usable answer' };
  }
}

/**
 * `/sms traffic`: the figures answer the person; the chart goes to the channel as a file (Slack shows files only
 * where they are shared), so the answer says the chart is there for everyone, unlike every other answer. Where it
 * cannot be shared (a DM with the bot, a channel it is not in), or the person had one moments ago, the figures still
 * come; so do they alone where smsops does not know the person is in that conversation (a forged channel_id posted
 * it into a private channel they are not in). The chart is uploaded through its own client (deps.charts.slack): on
 * Bolt's, a rate-limited upload paused every answer to everyone for its Retry-After (another person's form opened
 * 20 s late, its trigger_id expired).
 */
export async function trafficCommand(interaction: Interaction, args: string[]): Promise<void> {
  const parsed = parseTrafficArgs(args);
  if (parsed instanceof AppError) {
    await interaction.reply(errorMessage(parsed, 'show the traffic'));
    return;
  }
  const { watch, logger, charts } = interaction.deps;
  const report = await trafficReport({ traffic: watch.traffic, now: watch.now }, parsed.period, parsed.number);
  let chartNote: string | undefined;
  // The person's gap first: asked again within it (or in another channel), Slack is not asked who is in that one. A
  // direct message, refused without asking Slack, does not use it up.
  const wait = interaction.channelId && !isDirectMessage(interaction.channelId) ? charts.gap(interaction.actor.userId) : 0;
  const membership = interaction.channelId && wait <= 0 ? await membershipOf(interaction, interaction.channelId) : undefined;
  if (interaction.channelId && wait > 0) {
    chartNote = `No chart this time: smsops draws one per person every ${duration(TRAFFIC_CHART_GAP_MS)} (the next in ${duration(Math.ceil(wait / 1000) * 1000)}).`;
  } else if (membership === 'bot-not-in-it') {
    chartNote = chartNotSharedNote('channel_not_found');
  } else if (membership !== undefined && membership !== 'member') {
    chartNote = chartNotForNonMemberNote(membership);
  } else if (interaction.channelId) {
    try {
      await charts.slack.files.uploadV2({
        channel_id: interaction.channelId,
        file: renderTrafficChart(
          report.hourly.map((h) => ({ hourStart: h.hourStart, inbound: h.inbound, outbound: h.sent, failed: h.failed })),
          {
            title: trafficChartTitle(report),
            ...(interaction.deps.watch.timeZone ? { timeZone: interaction.deps.watch.timeZone } : {}),
          },
        ),
        filename: `smsops-traffic-${report.period}.png`,
        title: trafficChartTitle(report),
        initial_comment: `Traffic chart requested by <@${interaction.actor.userId}>`,
      });
      chartNote = `The chart is posted in <#${interaction.channelId}> for everyone there.`;
    } catch (error) {
      logger.info('traffic chart not shared', { error: withoutUploadAddresses(describeError(error)) });
      const retryAfter = rateLimitedFor(error);
      chartNote =
        retryAfter === undefined
          ? chartNotSharedNote(slackErrorCode(error))
          : `The chart could not be shared: Slack is rate-limiting smsops’ uploads (retry after ${duration(retryAfter * 1000)}).`;
    }
  }
  await interaction.reply(trafficReportMessage(report, chartNote));
}
