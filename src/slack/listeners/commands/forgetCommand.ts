import { askToForget, type ForgetConfirmed, ForgetOutdatedError, forgetCustomer } from '../../../core/forgetCustomer.js';
import { createSlackPostRemover } from '../../slackPostRemover.js';
import { errorMessage } from '../../ui/errors.js';
import { forgetOutdatedMessage, forgetQuestionMessage, forgottenMessage } from '../../ui/forget.js';
import { type Interaction, logFailure } from '../context.js';

/** `/sms forget <number>`: the question, with what smsops holds about the number, counted by kind. */
export async function forgetCommand(interaction: Interaction, number: string): Promise<void> {
  const { services, customers } = interaction.deps;
  const asked = await askToForget(services, customers, interaction.actor, number);
  if (!asked.ok) {
    logFailure(interaction.deps.logger, 'forget a customer', asked.error);
    await interaction.reply(errorMessage(asked.error, 'remove that customer’s records'));
    return;
  }
  await interaction.reply(forgetQuestionMessage(asked.value));
}

/** "Remove" on the question: the answer replaces it. */
export async function confirmForgetCommand(interaction: Interaction, confirmed: ForgetConfirmed): Promise<void> {
  const { services, customers, logger } = interaction.deps;
  const slack = createSlackPostRemover(interaction.client);
  const result = await forgetCustomer(services, customers, slack, interaction.actor, confirmed);
  const options = { replaceOriginal: true };
  if (!result.ok) {
    logFailure(logger, 'forget a customer', result.error);
    const error = result.error;
    await interaction.reply(
      error instanceof ForgetOutdatedError
        ? forgetOutdatedMessage(error, interaction.actor.userId)
        : errorMessage(error, 'remove that customer’s records'),
      options,
    );
    return;
  }
  const left = result.value.slackPostsLeft;
  // Where they are (no one's number nor text): whoever deletes them by hand finds them all here.
  if (left.length > 0) {
    logger.warn('Slack posts of a customer removed with /sms forget could not be deleted', {
      posts: left.map(({ channel, ts, reason }) => ({ channel, ts, reason })),
    });
  }
  const { walCut } = result.value;
  if (walCut.outcome !== 'cut') {
    logger.warn('the WAL was not cut back after /sms forget: it may hold old pages of the removed records', {
      walCut: walCut.outcome,
      ...(walCut.outcome === 'failed' ? { error: walCut.error } : {}),
    });
  }
  await interaction.reply(forgottenMessage(result.value), options);
}
