import type { ViewSubmissionOptions } from '../../src/sandbox/slackRequests.js';
import { CALLBACK } from '../../src/slack/ids.js';

/** The Sender ID form submitted as Slack sends it: an alphanumeric `value` for `countries`, transactional. */
export function alphanumericSenderIdSubmission(options: {
  viewId: string;
  value: string;
  countries: string[];
  channelId: string;
  userId: string;
}): ViewSubmissionOptions {
  return {
    callbackId: CALLBACK.senderIdCreate,
    viewId: options.viewId,
    privateMetadata: JSON.stringify({ channelId: options.channelId, type: 'alphanumeric' }),
    userId: options.userId,
    values: {
      sid_value_text: { sid_value_input: { type: 'plain_text_input', value: options.value } },
      sid_countries: {
        sid_countries_choice: {
          type: 'multi_static_select',
          selected_options: options.countries.map((value) => ({ value })),
        },
      },
      sid_usecase: { sid_usecase_choice: { type: 'static_select', selected_option: { value: 'transactional' } } },
    },
  };
}
