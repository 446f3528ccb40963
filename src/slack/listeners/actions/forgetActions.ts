import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { forgetCancelledMessage } from '../../ui/forget.js';
import { confirmForgetCommand } from '../commands/forgetCommand.js';
import { type SlackDeps, slowPart } from '../context.js';
import { buttonJson } from './buttonValue.js';
import { interactionOf, replyConfirmationDamaged } from './setupActions.js';

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

const confirmationSchema = z.object({
  number: z.string().min(1),
  seen: z.string().min(1),
  question: z.string().min(1),
  asked: z.number().optional(),
});

/** "Remove" on `/sms forget`'s question: removes only what the question counted, once. */
export function confirmForgetListener(deps: SlackDeps) {
  return async (args: ActionArgs): Promise<void> => {
    await args.ack();
    const interaction = interactionOf(deps, args);
    const parsed = buttonJson(args.action, confirmationSchema);
    if (!parsed) {
      await replyConfirmationDamaged(interaction, 'nothing was removed');
      return;
    }
    const { number, seen, question, asked } = parsed;
    await slowPart(
      interaction,
      "remove a customer's records",
      () => confirmForgetCommand(interaction, { digits: number, seen, question, askedAt: asked }),
      'database',
    );
  };
}

export function cancelForgetListener(deps: SlackDeps) {
  return async (args: ActionArgs): Promise<void> => {
    await args.ack();
    await interactionOf(deps, args).reply(forgetCancelledMessage, { replaceOriginal: true });
  };
}
