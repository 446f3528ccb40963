import type { AllMiddlewareArgs, SlackOptionsMiddlewareArgs } from '@slack/bolt';
import type { PhoneNumber } from '../../../core/phone.js';
import { listSmsEnabledNumbers, searchNumbers } from '../../../core/senderIds.js';
import { numberOptions } from '../../ui/senderIdForm.js';
import type { SlackDeps } from '../context.js';

/**
 * Slack asks for options on each keystroke and gives up after 3 seconds; reading every page of the account's
 * numbers each time would cost that much on a large account, so one read serves the searches of the next minute.
 */
const NUMBERS_FRESH_FOR_MS = 60_000;

/** The numeric Sender ID's number select (`external_select`): the account's SMS-enabled numbers matching what is typed. */
export function senderIdNumberOptionsListener(deps: SlackDeps) {
  let cached: { at: number; numbers: PhoneNumber[] } | undefined;
  return async ({ ack, payload }: SlackOptionsMiddlewareArgs<'block_suggestion'> & AllMiddlewareArgs): Promise<void> => {
    if (!cached || Date.now() - cached.at > NUMBERS_FRESH_FOR_MS) {
      const numbers = await listSmsEnabledNumbers(deps.services);
      if (!numbers.ok) {
        deps.logger.warn('senderid number options: Wavix could not be read', { error: numbers.error.message });
        // An option cannot carry an error message, and Slack may refuse an empty option group: no options, logged.
        await ack({ options: [] });
        return;
      }
      cached = { at: Date.now(), numbers: numbers.value };
    }
    await ack(numberOptions(searchNumbers(cached.numbers, payload.value ?? '')));
  };
}
