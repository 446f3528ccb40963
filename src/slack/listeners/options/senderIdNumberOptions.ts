import type { AllMiddlewareArgs, SlackOptionsMiddlewareArgs } from '@slack/bolt';
import { searchNumbers } from '../../../core/senderIds.js';
import { numberOptions, numbersLoadingOptions } from '../../ui/senderIdForm.js';
import type { SlackDeps } from '../context.js';

/**
 * The numeric Sender ID's number select (`external_select`): the account's SMS-enabled numbers matching what is typed.
 * Slack asks on each keystroke and gives up after 3 seconds, so the answer is what is known by `answerWithinMs`; the
 * keystrokes share one read of Wavix (deps.smsNumbers), which also keeps the numbers the form was opened with.
 */
export function senderIdNumberOptionsListener(deps: SlackDeps, { answerWithinMs }: { answerWithinMs: number }) {
  return async ({ ack, payload }: SlackOptionsMiddlewareArgs<'block_suggestion'> & AllMiddlewareArgs): Promise<void> => {
    const known = await deps.smsNumbers.within(answerWithinMs);
    if ('loading' in known) {
      await ack(numbersLoadingOptions());
    } else if ('error' in known) {
      // An option cannot carry an error message, and Slack may refuse an empty option group: no options (the read's
      // failure is logged by deps.smsNumbers).
      await ack({ options: [] });
    } else {
      await ack(numberOptions(searchNumbers(known.numbers, typeof payload.value === 'string' ? payload.value : '')));
    }
  };
}
