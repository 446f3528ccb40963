import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { isSmsopsAdmin } from '../../../core/access.js';
import {
  type AlertActionServices,
  type AlertRef,
  acknowledgeAlert,
  endSnooze,
  failingDeliveriesOf,
  muteRule,
  retryFailingDeliveries,
  SnoozedSinceShownError,
  type SnoozeLength,
  snoozeAlert,
  unmuteRule,
} from '../../../core/alertActions.js';
import type { Result } from '../../../errors.js';
import { errorMessage } from '../../ui/errors.js';
import { failingDeliveriesMessage, retryNowMessage } from '../../ui/relay.js';
import { section, slackTime } from '../../ui/text.js';
import { doctorCommand } from '../commands/doctorCommand.js';
import { type Interaction, logFailure, type SlackDeps, type SlowPartReach, slowPart } from '../context.js';
import { refusedToOutsider } from '../fullMembersOnly.js';
import { buttonValue } from './buttonValue.js';
// Its reply never replaces an alert's post: an answer to the presser comes as a new ephemeral message there.
import { interactionOf } from './setupActions.js';

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/**
 * The alert a button means: its value `<id>:<opened at>`, or `<id>` alone on buttons posted before it carried the
 * opening time (then the message it was pressed on tells the alert, see core/alertActions.ts); undefined when damaged.
 */
const alertRefOf = (body: ActionArgs['body'], action: ActionArgs['action']): AlertRef | undefined => {
  const found = /^(\d{1,15})(?::(\d{1,15})(?::(\d{1,15}))?)?$/.exec(buttonValue(action) ?? '');
  if (!found) return undefined;
  const messageTs: unknown = body.container?.type === 'message' ? body.container.message_ts : undefined;
  return {
    id: Number(found[1]),
    ...(found[2] !== undefined
      ? { openedAt: Number(found[2]), shownSnoozeUntil: found[3] !== undefined ? Number(found[3]) : null }
      : {}),
    ...(typeof messageTs === 'string' ? { messageTs } : {}),
  };
};

const servicesOf = (deps: SlackDeps): AlertActionServices => ({
  ...deps.services,
  alerts: deps.watch.alerts,
  lifecycle: deps.alertLifecycle,
  now: deps.watch.now,
});

/**
 * One alert button: acked at once (Slack wants an answer within 3 s), then the slow part. A damaged value and a
 * refusal are answered to the person only; success shows on the alert's message itself (edited in place) or in an
 * answer to the person.
 */
function alertButton(
  deps: SlackDeps,
  what: string,
  run: (interaction: Interaction, alert: AlertRef) => Promise<Result<unknown> | undefined>,
  // An alert's buttons change smsops' own records, or only read: none asks Wavix anything.
  reach: SlowPartReach = 'database',
) {
  return async (args: ActionArgs): Promise<void> => {
    await args.ack();
    const interaction = interactionOf(deps, args);
    const alert = alertRefOf(args.body, args.action);
    if (alert === undefined) {
      await interaction.reply({ text: 'This button is damaged; `/sms alerts` lists the open alerts.', blocks: [] });
      return;
    }
    await slowPart(
      interaction,
      what,
      async () => {
        const result = await run(interaction, alert);
        if (result && !result.ok) {
          logFailure(deps.logger, what, result.error);
          await interaction.reply(errorMessage(result.error, what));
        }
      },
      reach,
    );
  };
}

/** "Acknowledge": full members and SLACK_ALERT_USERS (core/access.ts checkMayHandleAlert); shown on its message. */
export const acknowledgeAlertListener = (deps: SlackDeps) =>
  alertButton(deps, 'acknowledge the alert', async (interaction, alert) => {
    const result = await acknowledgeAlert(servicesOf(deps), interaction.actor, alert);
    // Someone else acknowledged it first (two pressing at once, or a message not yet edited): their name stays on it,
    // and this presser, who saw nothing change, is told whose it is.
    const first = result.ok ? result.value.acknowledged : null;
    if (first && first.by !== interaction.actor.userId) {
      const text = `<@${first.by}> acknowledged this alert at ${slackTime(first.at)}, before your press: it stays theirs.`;
      await interaction.reply({ text, blocks: [section(`:eyes: ${text}`)] });
    }
    return result;
  });

/** "Snooze 1h" / "Snooze 24h": full members and SLACK_ALERT_USERS; shown on its message. */
export const snoozeAlertListener = (deps: SlackDeps, length: SnoozeLength) =>
  alertButton(deps, 'snooze the alert', async (interaction, alert) => {
    const result = await snoozeAlert(servicesOf(deps), interaction.actor, alert, length);
    if (result.ok || !(result.error instanceof SnoozedSinceShownError)) return result;
    // Told who and until when (a mention and Slack's own time, which the plain error words cannot carry).
    const text = `<@${result.error.by}> snoozed this alert until ${slackTime(result.error.until)}, after the message you pressed was drawn; your Snooze changed nothing. Press one again to change theirs.`;
    await interaction.reply({ text, blocks: [section(`:zzz: ${text}`)] });
    return undefined;
  });

/** "End snooze": the alert shows again (and is posted anew while it fires). */
export const endSnoozeListener = (deps: SlackDeps) =>
  alertButton(deps, 'end the snooze', (interaction, alert) => endSnooze(servicesOf(deps), interaction.actor, alert));

/** "Mute rule" (admins): the answer says what muting means and where to undo it. */
export const muteRuleListener = (deps: SlackDeps) =>
  alertButton(deps, 'mute the rule', async (interaction, alert) => {
    const result = await muteRule(servicesOf(deps), interaction.actor, alert);
    if (result.ok) {
      const text = `\`${result.value.rule}\` is muted: still checked and listed in \`/sms alerts\`, but nothing about it is posted in the alert channel until an admin presses Unmute there.`;
      await interaction.reply({ text, blocks: [section(`:mute: ${text}`)] });
    }
    return result;
  });

/** "Show failing deliveries": to the person only; the answers' excerpts for admins, as in `/sms relay status`. */
export const showFailingListener = (deps: SlackDeps) =>
  alertButton(
    deps,
    'list the failing deliveries',
    async (interaction, alert) => {
      // The destinations and their answers: for those `/sms relay status` is for.
      if (await refusedToOutsider(interaction, 'alerts.show-failing', 'list the failing deliveries')) return undefined;
      const result = failingDeliveriesOf({ alerts: deps.watch.alerts, deliveries: deps.relay.deliveries }, alert, 200);
      if (result.ok) {
        const admin = await isSmsopsAdmin(deps.services, interaction.actor);
        await interaction.reply(failingDeliveriesMessage(result.value, deps.relay.now(), admin.ok && admin.value));
      }
      return result;
    },
    'nothing',
  );

/** "Retry now" (admins): re-queues the failing deliveries of the alert's destination, answered with the count. */
export const retryNowListener = (deps: SlackDeps) =>
  alertButton(deps, 'retry the deliveries', async (interaction, alert) => {
    const result = await retryFailingDeliveries(
      { ...servicesOf(deps), deliveries: deps.relay.deliveries, wakeRelay: deps.relay.wakeRelay },
      interaction.actor,
      alert,
    );
    if (result.ok) await interaction.reply(retryNowMessage(result.value));
    return result;
  });

/** "Open doctor": runs `/sms doctor` for whoever pressed it (whom `/sms` answers), answered to them alone: the alert stays as it is. */
export const openDoctorListener = (deps: SlackDeps) =>
  alertButton(
    deps,
    'run the doctor',
    async (interaction) => {
      // `/sms doctor` by another door: for those the command is for.
      if (await refusedToOutsider(interaction, 'doctor', 'run the doctor')) return undefined;
      await doctorCommand(interaction);
      return undefined;
    },
    'nothing',
  );

/** "Unmute" next to a muted rule in `/sms alerts` (admins); the button carries the rule's name. */
export function unmuteRuleListener(deps: SlackDeps) {
  return async (args: ActionArgs): Promise<void> => {
    await args.ack();
    const interaction = interactionOf(deps, args);
    const rule = buttonValue(args.action);
    if (!rule || !/^[a-z0-9_]{1,64}$/.test(rule)) {
      await interaction.reply({ text: 'This button is damaged; run `/sms alerts` again.', blocks: [] });
      return;
    }
    await slowPart(
      interaction,
      'unmute the rule',
      async () => {
        const result = await unmuteRule(servicesOf(deps), interaction.actor, rule);
        if (!result.ok) {
          logFailure(deps.logger, 'unmute the rule', result.error);
          await interaction.reply(errorMessage(result.error, 'unmute the rule'));
          return;
        }
        const text = `\`${rule}\` is unmuted: its alerts are posted again, starting with those open now.`;
        await interaction.reply({ text, blocks: [section(`:loud_sound: ${text}`)] });
      },
      'database',
    );
  };
}
