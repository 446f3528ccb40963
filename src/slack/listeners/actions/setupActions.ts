import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { replayButtonOutdatedMessage } from '../../ui/replay.js';
import { enableInboundCommand } from '../commands/numberCommands.js';
import { usePortsipRouteCommand } from '../commands/portsipCommands.js';
import { relayReplayCommand } from '../commands/relayCommands.js';
import { undoRouteCommand } from '../commands/routeCommands.js';
import { applyAndReply, setWebhookCommand } from '../commands/webhookCommands.js';
import { type Interaction, replier, type SlackDeps, slowPart } from '../context.js';
import { buttonJson, buttonValue } from './buttonValue.js';

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/** A confirmation whose button value is damaged or forged: nothing was done, and the question is asked anew. */
export const replyConfirmationDamaged = (interaction: Interaction, nothingDone = '') =>
  interaction.reply(
    { text: `This confirmation is damaged;${nothingDone ? ` ${nothingDone};` : ''} run the command again.`, blocks: [] },
    { replaceOriginal: true },
  );

/**
 * Whether the button sits on a message the whole channel sees (an alert's post), not on an answer to one person.
 * Slack's replace_original replaces the message that held the button, for everyone who sees it: an answer meant for
 * the presser (a refusal, "Cancelled", a doctor report) must come as a new ephemeral message there. smsops' own
 * confirmations and reports are ephemeral, so only a hand-made payload (a member's forged action id on an alert)
 * presses them on a shared message: it made smsops wipe the alert, buttons included, or put the presser's words in it.
 */
const onSharedMessage = (body: ActionArgs['body']) => body.container?.type === 'message' && body.container.is_ephemeral !== true;

export function interactionOf(deps: SlackDeps, args: ActionArgs): Interaction {
  const channelId = args.body.channel?.id ?? null;
  const reply = replier({
    respond: args.respond,
    client: args.client,
    channelId,
    userId: args.body.user.id,
    logger: deps.logger,
  });
  return {
    deps,
    actor: { userId: args.body.user.id },
    channelId,
    client: args.client,
    reply: onSharedMessage(args.body) ? (message) => reply(message) : reply,
  };
}

/** A button without its value (edited or forged) is answered, not ignored: the person would see nothing happen. */
export const damaged = (command: string) => ({ text: `This button is damaged; run \`${command}\` again.`, blocks: [] });

/** "Enable inbound SMS" next to a number in `/sms number list`. */
export function enableInboundButtonListener(deps: SlackDeps) {
  return async (args: ActionArgs): Promise<void> => {
    await args.ack();
    const number = buttonValue(args.action);
    const interaction = interactionOf(deps, args);
    if (!number) {
      await interaction.reply(damaged('/sms number list'));
      return;
    }
    await slowPart(interaction, 'activate inbound SMS', () => enableInboundCommand(interaction, number));
  };
}

/** "Point webhook at smsops" next to a number or the account default: the `webhook set` path, confirmation included. */
export function pointWebhookButtonListener(deps: SlackDeps) {
  return async (args: ActionArgs): Promise<void> => {
    await args.ack();
    const target = buttonValue(args.action);
    const interaction = interactionOf(deps, args);
    if (!target) {
      await interaction.reply(damaged('/sms number list'));
      return;
    }
    await slowPart(interaction, 'set the webhook', () => setWebhookCommand(interaction, { target }));
  };
}

const confirmationSchema = z.object({ target: z.string(), url: z.string().optional(), seen: z.string().nullable() });

/** "Replace" on the confirmation: applies only if Wavix still holds the URL that was shown. */
export function confirmWebhookListener(deps: SlackDeps) {
  return async (args: ActionArgs): Promise<void> => {
    await args.ack();
    const interaction = interactionOf(deps, args);
    const parsed = buttonJson(args.action, confirmationSchema);
    if (!parsed) {
      await replyConfirmationDamaged(interaction);
      return;
    }
    const request = { target: parsed.target, url: parsed.url };
    const seen = parsed.seen;
    await slowPart(interaction, 'set the webhook', () => applyAndReply(interaction, request, seen, { replaceOriginal: true }));
  };
}

export function cancelWebhookListener(deps: SlackDeps) {
  return async (args: ActionArgs): Promise<void> => {
    await args.ack();
    await interactionOf(deps, args).reply(
      { text: 'Cancelled; the webhook was not changed.', blocks: [] },
      { replaceOriginal: true },
    );
  };
}

/** "Use this route" next to a PortSIP SMS configuration in `/sms portsip`. */
export function usePortsipRouteButtonListener(deps: SlackDeps) {
  return async (args: ActionArgs): Promise<void> => {
    await args.ack();
    const value = buttonValue(args.action);
    const interaction = interactionOf(deps, args);
    if (!value) {
      await interaction.reply(damaged('/sms portsip'));
      return;
    }
    await slowPart(interaction, 'set the route', () => usePortsipRouteCommand(interaction, value), 'database');
  };
}

/** "Put back the previous route" / "Remove this route again" on a route change's answer. */
export function undoRouteButtonListener(deps: SlackDeps) {
  return async (args: ActionArgs): Promise<void> => {
    await args.ack();
    const token = buttonValue(args.action);
    const interaction = interactionOf(deps, args);
    if (!token) {
      await interaction.reply(damaged('/sms route list'));
      return;
    }
    await slowPart(interaction, 'put the route back', () => undoRouteCommand(interaction, token), 'database');
  };
}

// `seen` and `asked` are missing on buttons posted before questions carried what they showed.
const replayConfirmationSchema = z.object({
  target: z.string().min(1),
  seen: z.string().min(1).optional(),
  asked: z.number().optional(),
});

/**
 * "Send again" on the question before replaying a message that was delivered already: sends only if the message's
 * deliveries are still as the question showed them, so pressing it twice (or two admins each their own copy) sends once.
 */
export function confirmReplayListener(deps: SlackDeps) {
  return async (args: ActionArgs): Promise<void> => {
    await args.ack();
    const interaction = interactionOf(deps, args);
    const parsed = buttonJson(args.action, replayConfirmationSchema);
    if (!parsed) {
      await replyConfirmationDamaged(interaction);
      return;
    }
    const { target, seen, asked } = parsed;
    if (seen === undefined) {
      await interaction.reply(replayButtonOutdatedMessage(target), { replaceOriginal: true });
      return;
    }
    await slowPart(interaction, 'replay the message', () => relayReplayCommand(interaction, target, { seen, askedAt: asked }));
  };
}

export function cancelReplayListener(deps: SlackDeps) {
  return async (args: ActionArgs): Promise<void> => {
    await args.ack();
    await interactionOf(deps, args).reply({ text: 'Cancelled; nothing was sent again.', blocks: [] }, { replaceOriginal: true });
  };
}
