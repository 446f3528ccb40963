import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { fixFromReport, ignoreFromReport } from '../commands/doctorCommand.js';
import { type SlackDeps, slowPart } from '../context.js';
import { buttonValue } from './buttonValue.js';
import { damaged, interactionOf } from './setupActions.js';

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

const DAMAGED = damaged('/sms doctor');

/** "Ignore this number" on a number's finding in the `/sms doctor` report. */
export function doctorIgnoreButtonListener(deps: SlackDeps) {
  return async (args: ActionArgs): Promise<void> => {
    await args.ack();
    const number = buttonValue(args.action);
    const interaction = interactionOf(deps, args);
    if (!number) {
      await interaction.reply(DAMAGED);
      return;
    }
    await slowPart(interaction, 'ignore the number', () => ignoreFromReport(interaction, number), 'database');
  };
}

/** A fix button of the `/sms doctor` report: applied, then the report refreshed in place. */
export function doctorFixButtonListener(deps: SlackDeps, action: 'enable_inbound' | 'point_webhook_at_smsops') {
  return async (args: ActionArgs): Promise<void> => {
    await args.ack();
    const value = buttonValue(args.action);
    const interaction = interactionOf(deps, args);
    if (!value) {
      await interaction.reply(DAMAGED);
      return;
    }
    await slowPart(interaction, 'apply the fix', () => fixFromReport(interaction, { action, value }));
  };
}
