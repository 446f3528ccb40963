import { isSmsopsAdmin } from '../../../core/access.js';
import { type IgnoreDeps, ignoreNumber, unignoreNumber } from '../../../core/doctor/ignores.js';
import type { DoctorReport } from '../../../core/doctor/types.js';
import { runDoctor, summaryLine } from '../../../core/doctor.js';
import { enableInboundSms } from '../../../core/numbers.js';
import { checkInboundRules, readSmsConfigurations } from '../../../core/portsipSetup.js';
import { applyWebhookChange, planWebhookChange, webhookFingerprint } from '../../../core/webhooks.js';
import { getHealthOverHttp } from '../../../http/healthProbe.js';
import { portsipConnectionProbes } from '../../../portsip/connectionProbes.js';
import { slackChannelMembership } from '../../doctorChannels.js';
import { slackBotScopes } from '../../doctorScopes.js';
import {
  doctorAllMessage,
  doctorCheckingMessage,
  doctorMessage,
  ignoredNotice,
  ignoredNumbersMessage,
  ignoreResultMessage,
  unignoreResultMessage,
} from '../../ui/doctor.js';
import { ignoreReasonNote } from '../../ui/doctorIgnoreReason.js';
import { errorMessage } from '../../ui/errors.js';
import { inboundEnabledMessage } from '../../ui/numbers.js';
import { type Block, section } from '../../ui/text.js';
import { webhookConfirmMessage, webhookResultMessage } from '../../ui/webhooks.js';
import { type Interaction, logFailure } from '../context.js';

/**
 * Doctor runs start at most once every 5 s for members and once for admins (who see what PortSIP answered): each
 * reads Wavix (4 calls and a page per 100 numbers), probes every PortSIP route and asks Slack, and 10 members asking
 * at once were 10 runs, 40 Wavix calls. Everyone asking meanwhile shares the next run, which starts after they asked.
 */
export const DOCTOR_RUN_GAP_MS = 5_000;

/**
 * Every check, run for the person asking (an admin sees what PortSIP answered), with the ignored numbers applied.
 * `paced`: shared with others asking (DOCTOR_RUN_GAP_MS); a report after a change an admin just made is not, so the
 * change is seen at once.
 */
async function checkEverything(interaction: Interaction, options: { paced: boolean }): Promise<DoctorReport> {
  const { deps } = interaction;
  const portsip = deps.portsip;
  const admin = await isSmsopsAdmin(deps.services, interaction.actor);
  const showDestinationAnswers = admin.ok && admin.value;
  const run = async () => {
    const report = await runDoctor({
      showDestinationAnswers,
      services: deps.services,
      relay: deps.relay,
      alerts: deps.watch.alerts,
      publicBaseUrl: deps.publicBaseUrl,
      channels: { alert: deps.alertChannel, inbox: deps.inboxChannel },
      // Its own client, which rejects rate-limited calls: a 429 never pauses the one that answers people.
      channelMembership: slackChannelMembership(deps.doctorSlack),
      botScopes: slackBotScopes(deps.doctorSlack),
      healthProbe: getHealthOverHttp,
      portsipProbes: portsipConnectionProbes,
      backupJob: async () => (await deps.watch.jobs.status()).find((job) => job.name === 'backup'),
      backupDirProblem: deps.watch.backupDirProblem,
      tenDlcSubscriptions: deps.watch.tenDlcSubscriptions,
      ignoredNumbers: deps.doctorIgnores.list(),
      ...(portsip
        ? {
            portsip: {
              checkInboundRules: (dids: string[]) => checkInboundRules({ portsip }, dids),
              smsConfigurations: () => readSmsConfigurations({ portsip }),
            },
          }
        : {}),
    });
    deps.logger.info('doctor ran', { user: interaction.actor.userId, summary: summaryLine(report.counts) });
    return report;
  };
  return options.paced ? deps.doctorRuns(showDestinationAnswers ? 'admin' : 'member', run) : run();
}

/**
 * `/sms doctor` (and `doctor all`): says it is checking at once, then replaces that message with the report (the
 * checks run concurrently, each under a time limit). From "Open doctor" on an alert the report comes as a second
 * answer instead (the buttons' interactionOf): replacing there would replace the alert itself, for the whole channel.
 */
export async function doctorCommand(interaction: Interaction, options: { all?: { page: number } } = {}): Promise<void> {
  await interaction.reply(doctorCheckingMessage());
  const report = await checkEverything(interaction, { paced: true });
  const message = options.all ? doctorAllMessage(report, options.all.page) : doctorMessage(report);
  await interaction.reply(message, { replaceOriginal: true });
}

/**
 * The report again, replacing the one whose button was pressed, headed by what the button did. `changed`: the button
 * changed something (its report is run at once); a refused one's is paced, so pressing it in a loop runs no more.
 */
export async function refreshDoctorReport(interaction: Interaction, notice: Block[], changed: boolean): Promise<void> {
  const report = await checkEverything(interaction, { paced: !changed });
  await interaction.reply(doctorMessage(report, { notice }), { replaceOriginal: true });
}

const noteBlock = (note: string | null): Block[] => (note ? [section(note)] : []);

const ignoreDeps = (interaction: Interaction): IgnoreDeps => ({
  services: interaction.deps.services,
  ignores: interaction.deps.doctorIgnores,
});

export async function doctorIgnoreCommand(
  interaction: Interaction,
  command: { number: string; reason: string | null },
): Promise<void> {
  const result = await ignoreNumber(ignoreDeps(interaction), interaction.actor, command);
  if (!result.ok) {
    logFailure(interaction.deps.logger, 'doctor ignore', result.error);
    await interaction.reply(errorMessage(result.error, 'ignore the number'));
    return;
  }
  const message = ignoreResultMessage(result.value.entry, result.value.already);
  await interaction.reply({ ...message, blocks: [...message.blocks, ...noteBlock(ignoreReasonNote(result.value))] });
}

export async function doctorUnignoreCommand(interaction: Interaction, command: { number: string }): Promise<void> {
  const result = await unignoreNumber(ignoreDeps(interaction), interaction.actor, command);
  if (!result.ok) {
    logFailure(interaction.deps.logger, 'doctor unignore', result.error);
    await interaction.reply(errorMessage(result.error, 'count the number again'));
    return;
  }
  await interaction.reply(unignoreResultMessage(result.value.number, result.value.removed));
}

export async function doctorIgnoredCommand(interaction: Interaction, command: { page: number }): Promise<void> {
  await interaction.reply(ignoredNumbersMessage(interaction.deps.doctorIgnores.list(), command.page));
}

/** "Ignore this number" on a finding: ignored (admins only, audited), then the report shown again without it. */
export async function ignoreFromReport(interaction: Interaction, number: string): Promise<void> {
  const result = await ignoreNumber(ignoreDeps(interaction), interaction.actor, { number, reason: null });
  if (!result.ok) logFailure(interaction.deps.logger, 'doctor ignore', result.error);
  const notice = result.ok
    ? [section(ignoredNotice(result.value.entry, result.value.already)), ...noteBlock(ignoreReasonNote(result.value))]
    : errorMessage(result.error, 'ignore the number').blocks;
  await refreshDoctorReport(interaction, notice, result.ok);
}

/** A fix button of the report: the same use case as `/sms number list`'s button, then the report as it is now. */
export async function fixFromReport(
  interaction: Interaction,
  fix: { action: 'enable_inbound' | 'point_webhook_at_smsops'; value: string },
): Promise<void> {
  const { deps, actor } = interaction;
  if (fix.action === 'enable_inbound') {
    const result = await enableInboundSms(deps.services, actor, fix.value);
    if (!result.ok) logFailure(deps.logger, 'number enable-inbound', result.error);
    const outcome = result.ok ? inboundEnabledMessage(result.value) : errorMessage(result.error, 'activate inbound SMS');
    await refreshDoctorReport(interaction, outcome.blocks, result.ok);
    return;
  }
  const smsopsInbound = deps.services.smsopsWebhooks?.inbound ?? null;
  const request = { target: fix.value };
  const plan = await planWebhookChange(deps.services, actor, request);
  if (plan.ok && !plan.value.unchanged && plan.value.replaces.length > 0) {
    // Replacing someone else's URL is confirmed first, as with `/sms webhook set`; the report stays as it is.
    const seen = webhookFingerprint(plan.value.slots.find((s) => s.kind === 'inbound')?.current ?? null);
    await interaction.reply(webhookConfirmMessage(plan.value, { ...request, seen }, smsopsInbound));
    return;
  }
  const applied = plan.ok && !plan.value.unchanged ? await applyWebhookChange(deps.services, actor, request) : plan;
  if (!applied.ok) logFailure(deps.logger, 'webhook set', applied.error);
  const outcome = applied.ok
    ? webhookResultMessage(applied.value, smsopsInbound)
    : errorMessage(applied.error, 'set the webhook');
  await refreshDoctorReport(interaction, outcome.blocks, applied.ok);
}
