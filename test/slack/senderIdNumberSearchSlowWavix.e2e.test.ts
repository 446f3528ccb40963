import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CALLBACK, SENDER_ID_ACTION, SENDER_ID_BLOCK } from '../../src/slack/ids.js';
import { ALERT_CHANNEL, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

// Slack gives the number search 3 seconds per keystroke (1.5 s here: the test's Bolt timer) and shows no options,
// without a word, to one answered later. A slow Wavix or a large account must not leave the select empty.

let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest();
});
afterEach(async () => {
  await t.stop();
});

const suggest = (value: string) =>
  t.slack.blockSuggestion({
    actionId: SENDER_ID_ACTION.value,
    blockId: SENDER_ID_BLOCK.valueNumber,
    value,
    callbackId: CALLBACK.senderIdCreate,
    privateMetadata: JSON.stringify({ channelId: ALERT_CHANNEL, type: 'numeric' }),
  });

const numberReads = () => t.emulator.requests().filter((r) => r.method === 'GET' && r.path.startsWith('/v1/numbers')).length;
const optionValues = (json: { options?: { value: string }[] }) => (json.options ?? []).map((o) => o.value);
const unacknowledged = () => t.logs.filter((l) => /not acknowledged|Slack listener failed|Cannot write headers/.test(l));

describe('the Sender ID number search while Wavix is slow', () => {
  it('answers each keystroke that the numbers are still loading, and the keystrokes share one read of Wavix', async () => {
    t.emulator.injectFault({ method: 'GET', path: '/v1/numbers', latencyMs: 4000, times: 10 });

    const answers = await Promise.all(['4', '41', '415'].map(suggest));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.json.options).toHaveLength(1);
      expect(answer.json.options[0].text.text).toBe('Still loading your Wavix numbers: type again in a moment');
    }

    // The read they started goes on; the next keystroke finds the numbers without asking Wavix again.
    await waitUntil(() => numberReads() > 0, 10_000, 'the read of the numbers to end');
    const typedAgain = await suggest('4155');
    expect(optionValues(typedAgain.json)).toEqual(['+14155550100']);
    expect(numberReads()).toBe(1);
    expect(unacknowledged()).toEqual([]);
  });

  it('searches the numbers the form was opened with, without reading Wavix again', async () => {
    await t.slack.command('senderid create +1 415 555 0100 DE');
    await t.fakeSlack.waitFor('views.update');
    const readsForTheForm = numberReads();
    // Wavix now refusing: a search that asked it would find nothing.
    t.emulator.injectFault({ method: 'GET', path: '/v1/numbers', status: 503, times: 10 });

    const found = await suggest('+');
    expect(found.status).toBe(200);
    expect(optionValues(found.json)).toContain('+447400123456');
    expect(numberReads()).toBe(readsForTheForm);
  });

  it('logs a failed read once however many keystrokes shared it', async () => {
    t.emulator.injectFault({
      method: 'GET',
      path: '/v1/numbers',
      latencyMs: 300,
      status: 401,
      body: { success: false, message: 'Unauthorized' },
      times: 10,
    });
    const answers = await Promise.all(['4', '41', '415'].map(suggest));
    for (const answer of answers) expect(answer.json).toEqual({ options: [] });
    expect(t.logs.filter((l) => l.includes('Wavix could not be read'))).toHaveLength(1);
  });

  it('refuses the "still loading" placeholder when it is submitted, on the number field', async () => {
    const response = await t.slack.viewSubmission({
      callbackId: CALLBACK.senderIdCreate,
      privateMetadata: JSON.stringify({ channelId: ALERT_CHANNEL, type: 'numeric' }),
      values: {
        [SENDER_ID_BLOCK.valueNumber]: {
          [SENDER_ID_ACTION.value]: { type: 'external_select', selected_option: { value: 'sid_numbers_loading' } },
        },
        sid_countries: { sid_countries_choice: { type: 'multi_static_select', selected_options: [{ value: 'DE' }] } },
        sid_usecase: { sid_usecase_choice: { type: 'static_select', selected_option: { value: 'transactional' } } },
      },
    });
    expect(response.json).toEqual({
      response_action: 'errors',
      errors: { [SENDER_ID_BLOCK.valueNumber]: 'The numbers were still loading: open the list again and choose a number.' },
    });
  });
});
