import type { AllMiddlewareArgs, SlackOptionsMiddlewareArgs } from '@slack/bolt';
import { searchNumbers } from '../../../core/senderIds.js';
import { SMS_NUMBERS_UNFOUND_FRESH_FOR_MS } from '../../../core/smsNumbersCache.js';
import { numberOptions, numbersLoadingOptions } from '../../ui/senderIdForm.js';
import type { SlackDeps } from '../context.js';

/**
 * The numeric Sender ID's number select (`external_select`): the account's SMS-enabled numbers matching what is typed.
 * Slack asks on each keystroke and gives up after 3 seconds, so the answer is what is known by `answerWithinMs`; the
 * keystrokes share one read of Wavix (deps.smsNumbers), which also keeps the numbers the form was opened with.
 */
export function senderIdNumberOptionsListener(deps: SlackDeps, { answerWithinMs }: { answerWithinMs: number }) {
  return async ({ ack, payload }: SlackOptionsMiddlewareArgs<'block_suggestion'> & AllMiddlewareArgs): Promise<void> => {
    const typed = typeof payload.value === 'string' ? payload.value : '';
    const started = performance.now();
    let known = await deps.smsNumbers.within(answerWithinMs);
    // Nothing kept matches: a number bought since they were read? Read again (shared, at most every few seconds), in
    // what is left of Slack's time.
    const left = answerWithinMs - (performance.now() - started);
    if ('numbers' in known && left > 0 && searchNumbers(known.numbers, typed).numbers.length === 0) {
      known = await deps.smsNumbers.within(left, SMS_NUMBERS_UNFOUND_FRESH_FOR_MS);
    }
    if ('loading' in known) {
      await ack(numbersLoadingOptions());
    } else if ('error' in known) {
      // An option cannot carry an error message, and Slack may refuse an empty option group: no options (the read's
      // failure is logged by deps.smsNumbers).
      await ack({ options: [] });
    } else {
      await ack(numberOptions(searchNumbers(known.numbers, typed)));
    }
  };
}
