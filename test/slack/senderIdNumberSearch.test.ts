import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CALLBACK, SENDER_ID_ACTION, SENDER_ID_BLOCK } from '../../src/slack/ids.js';
import { ALERT_CHANNEL, readable, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';

// The numeric Sender ID's number select searches all of the account's SMS-enabled numbers (an external_select served
// by smsops), and `/sms senderid create Acme FR GB` opens the form filled with what was typed.

let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest();
});
afterEach(async () => {
  await t.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: views are asserted structurally
const blockById = (view: any, id: string) => view.blocks.find((b: { block_id?: string }) => b.block_id === id);

/** 135 more SMS-enabled UK mobiles, +44 7400 100000 to +44 7400 100134: 138 in all with the seeded three. */
function manyNumbers(): void {
  const numbers = t.emulator.state().numbers;
  const template = numbers.find((n) => n.number === '447400123456');
  for (let i = 0; i < 135; i += 1) {
    numbers.push({ ...structuredClone(template), id: 5000 + i, number: `4474001${String(i).padStart(5, '0')}` } as never);
  }
}

/** The form as `/sms senderid create <words>` fills it. */
async function formFor(words: string) {
  const before = t.fakeSlack.callsTo('views.update').length;
  await t.slack.command(`senderid create ${words}`.trim());
  const updates = await t.fakeSlack.waitFor('views.update', before + 1);
  return updates[before]?.args.view;
}

const suggest = (value: string) =>
  t.slack.blockSuggestion({
    actionId: SENDER_ID_ACTION.value,
    blockId: SENDER_ID_BLOCK.valueNumber,
    value,
    callbackId: CALLBACK.senderIdCreate,
    privateMetadata: JSON.stringify({ channelId: ALERT_CHANNEL, type: 'numeric' }),
  });

const values = (options: { value: string }[]) => options.map((o) => o.value);

describe('the numeric Sender ID’s number select', () => {
  it('is searched through smsops, and says how many more match when it shows 100', async () => {
    manyNumbers();
    const view = await formFor('+44 7400 123456 DE');
    const select = blockById(view, SENDER_ID_BLOCK.valueNumber).element;
    expect(select).toMatchObject({ type: 'external_select', min_query_length: 0 });
    expect(readable(blockById(view, SENDER_ID_BLOCK.valueNumber).hint)).toContain('(138 here)');

    const all = await suggest('');
    expect(all.status).toBe(200);
    expect(all.json.option_groups).toHaveLength(1);
    expect(all.json.option_groups[0].label.text).toBe('Type more digits: 38 more match');
    expect(all.json.option_groups[0].options).toHaveLength(100);

    const narrowed = await suggest('7400 1001');
    expect(narrowed.json.option_groups).toBeUndefined();
    expect(values(narrowed.json.options)).toHaveLength(35);
    expect(narrowed.json.options[0].text.text).toBe('+44 7400 100100 (GB)');

    expect(values((await suggest('+1 613')).json.options)).toEqual(['+16135550123']);
    expect(values((await suggest('ca')).json.options)).toEqual(['+16135550123']);
  });

  it('matches nothing for a search without digits or a country, and answers no options (logged) when Wavix cannot be read', async () => {
    for (const query of ['😀', '%', '.*', '*']) {
      const found = await suggest(query);
      expect(found.json.option_groups, query).toBeUndefined();
      expect(found.json.options, query).toEqual([]);
    }
    expect(values((await suggest('+')).json.options).length).toBeGreaterThan(0);

    // A fresh smsops: the numbers read above are kept for a minute.
    await t.stop();
    t = await startSmsopsUnderTest();
    t.emulator.injectFault({ path: '/v1/numbers', status: 401, body: { success: false, message: 'Unauthorized' } });
    const failed = await suggest('');
    expect(failed.status).toBe(200);
    expect(failed.json).toEqual({ options: [] });
    expect(t.logs.some((line) => line.includes('"level":"warn"') && line.includes('Wavix could not be read'))).toBe(true);
  });

  it('creates the Sender ID with the number chosen from the search', async () => {
    const response = await t.slack.viewSubmission({
      callbackId: CALLBACK.senderIdCreate,
      privateMetadata: JSON.stringify({ channelId: ALERT_CHANNEL, type: 'numeric' }),
      values: {
        sid_value_number: { sid_value_input: { type: 'external_select', selected_option: { value: '+447400123456' } } },
        sid_countries: { sid_countries_choice: { type: 'multi_static_select', selected_options: [{ value: 'DE' }] } },
        sid_usecase: { sid_usecase_choice: { type: 'static_select', selected_option: { value: 'transactional' } } },
      },
    });
    expect(response.json.response_action).toBe('update');
    const [announcement] = await t.fakeSlack.waitFor('chat.postMessage');
    expect(announcement?.args.text).toContain('Sender ID +44 7400 123456 (numeric)');
    expect(t.emulator.state().senderIds.some((s) => s.sender_id === '447400123456')).toBe(true);
  });
});

describe('/sms senderid create with arguments', () => {
  it('fills the value and the countries, and says which words are not country codes', async () => {
    const view = await formFor('Acme Co FR GB XX UK');
    expect(JSON.parse(view.private_metadata).type).toBe('alphanumeric');
    expect(blockById(view, SENDER_ID_BLOCK.valueText).element.initial_value).toBe('Acme Co');
    expect(values(blockById(view, SENDER_ID_BLOCK.countries).element.initial_options)).toEqual(['FR', 'GB']);
    expect(readable(blockById(view, SENDER_ID_BLOCK.notice))).toContain(
      '"XX", "UK" are not ISO country codes, so they are not chosen (the United Kingdom is GB)',
    );
  });

  it('takes a number as a numeric Sender ID and chooses it when it is one of the account’s', async () => {
    const view = await formFor('+44 7400 123456 DE');
    expect(JSON.parse(view.private_metadata).type).toBe('numeric');
    const select = blockById(view, SENDER_ID_BLOCK.valueNumber).element;
    expect(select.initial_option).toEqual({
      text: { type: 'plain_text', text: '+44 7400 123456 (GB)', emoji: true },
      value: '+447400123456',
    });
    expect(values(blockById(view, SENDER_ID_BLOCK.countries).element.initial_options)).toEqual(['DE']);

    const other = await formFor('+44 20 7946 0000 DE');
    expect(readable(blockById(other, SENDER_ID_BLOCK.notice))).toContain(
      '+44 20 7946 0000 is not one of this account’s SMS-enabled numbers',
    );
  });
});
