import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { senderIdDeleteCancelledMessage } from '../../ui/senderIdDelete.js';
import { confirmDeleteSenderIdCommand } from '../commands/senderIdCommands.js';
import { type SlackDeps, slowPart } from '../context.js';
import { buttonJson } from './buttonValue.js';
import { interactionOf, replyConfirmationDamaged } from './setupActions.js';

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

const confirmationSchema = z.object({ wavixId: z.string().min(1).max(100) });

/** "Delete" on `/sms senderid delete`'s question: deletes on Wavix the one Sender ID the question named. */
export function confirmSenderIdDeleteListener(deps: SlackDeps) {
  return async (args: ActionArgs): Promise<void> => {
    await args.ack();
    const interaction = interactionOf(deps, args);
    const parsed = buttonJson(args.action, confirmationSchema);
    if (!parsed) {
      await replyConfirmationDamaged(interaction, 'nothing was deleted');
      return;
    }
    await slowPart(interaction, 'delete the Sender ID', () => confirmDeleteSenderIdCommand(interaction, parsed.wavixId));
  };
}

export function cancelSenderIdDeleteListener(deps: SlackDeps) {
  return async (args: ActionArgs): Promise<void> => {
    await args.ack();
    await interactionOf(deps, args).reply(senderIdDeleteCancelledMessage, { replaceOriginal: true });
  };
}
