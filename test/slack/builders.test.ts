import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/inputError.js';
import { toNumberState } from '../../src/core/numbers.js';
import type { WavixNumber } from '../../src/core/ports/wavix.js';
import { blockLimitError } from '../../src/sandbox/fakeSlackApi.js';
import { SENDER_ID_BLOCK } from '../../src/slack/ids.js';
import { auditMessage } from '../../src/slack/ui/audit.js';
import { errorMessage } from '../../src/slack/ui/errors.js';
import { numberListMessage } from '../../src/slack/ui/numbers.js';
import { senderIdFormView } from '../../src/slack/ui/senderIdForm.js';
import type { Block, SlackMessage } from '../../src/slack/ui/text.js';
import { WavixError } from '../../src/wavix/errors.js';

const wavixNumber = (id: number, number: string, country: string, extra: Partial<WavixNumber> = {}): WavixNumber => ({
  id,
  number,
  country_short_name: country,
  status: 'active',
  sms_enabled: true,
  sms_relay_url: null,
  label: null,
  ...extra,
});

/** Slack refuses a message with more than 50 blocks or a section text over 3,000 characters. */
function expectWithinSlackLimits(message: { blocks: Block[] }) {
  expect(message.blocks.length).toBeLessThanOrEqual(50);
  for (const block of message.blocks) {
    if (block.type === 'section' && block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
  }
}

const allText = (message: SlackMessage) => JSON.stringify(message);

describe('Block Kit builders', () => {
  it('escape text that comes from Wavix, so a number label cannot ping the channel or fake a link', () => {
    const number = toNumberState(
      wavixNumber(1, '14155550100', 'US', { label: '<!channel> <@U123> <https://evil.example|your bank> & co' }),
      null,
      null,
    );
    const message = numberListMessage({
      numbers: [number],
      accountWebhook: null,
      accountPointsAtSmsops: false,
      smsopsUrlKnown: true,
    });
    const text = allText(message);
    expect(text).toContain('&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|your bank&gt; &amp; co');
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U123>');
  });

  // Two blocks of one block_id make Slack refuse the whole answer: /sms numbers showed nothing at all (a probe).
  it('list a number Wavix holds two records of (one inactive) in an answer Slack takes', () => {
    const records = [
      wavixNumber(101, '14155550100', 'US', { sms_enabled: false }),
      wavixNumber(777, '14155550100', 'US', { sms_enabled: false, status: 'inactive' }),
    ];
    const message = numberListMessage({
      numbers: records.map((n) => toNumberState(n, null, 'https://smsops.example.com/in')),
      accountWebhook: null,
      accountPointsAtSmsops: false,
      smsopsUrlKnown: true,
    });
    expect(message.blocks.filter((b) => b.type === 'actions' && b.block_id !== 'number:default')).toHaveLength(2);
    expect(blockLimitError(message.blocks)).toBeUndefined();
  });

  it('keep a long number list within Slack’s limits and count what is not shown', () => {
    const numbers = Array.from({ length: 200 }, (_, i) =>
      toNumberState(wavixNumber(i, `1415555${String(1000 + i)}`, 'US', { sms_enabled: i % 2 === 0 }), null, 'https://s/x'),
    );
    const message = numberListMessage({ numbers, accountWebhook: null, accountPointsAtSmsops: false, smsopsUrlKnown: true });
    expectWithinSlackLimits(message);
    expect(allText(message)).toContain('…and 180 more numbers — `/sms numbers page 2` shows the next ones.');
  });

  it('spread a long audit over sections that Slack accepts', () => {
    const entries = Array.from({ length: 50 }, (_, i) => ({
      id: i,
      at: Date.UTC(2026, 10, 25, 12, i),
      actor: 'U0ADMIN001',
      action: 'webhook.set',
      target: '+14155550100',
      params: {},
      outcome: 'failed' as const,
      detail: 'Wavix refused to update number 101 (422). Wavix said: "x". '.repeat(3),
    }));
    const message = auditMessage(entries);
    expectWithinSlackLimits(message);
    expect(allText(message).match(/webhook\.set/g)).toHaveLength(50);
  });

  it("show a reply's number, length, segments and Wavix id in the audit, and nothing of a withheld one", () => {
    const reply = {
      id: 1,
      at: Date.UTC(2026, 10, 25, 12),
      actor: 'U0ADMIN001',
      action: 'conversation.reply',
      target: '447400123456',
      params: { from: '14155550100', to: '447400123456', length: 42, segments: 1, wavixMessageId: 'wvx-R-1', channel: 'C1' },
      outcome: 'ok' as const,
      detail: null,
    };
    const withheld = { ...reply, id: 2, target: null, params: {}, withheld: { reason: 'not-member' as const, channel: 'C1' } };
    const lines = allText(auditMessage([reply, withheld]));
    expect(lines).toContain(
      '`conversation.reply` `447400123456`: ok — from +1 415 555 0100, 42 characters, 1 segment, Wavix `wvx-R-1`',
    );
    expect(lines).toContain('`conversation.reply`: ok — _recipient and details hidden');
  });

  it('show every input problem of an error, escaped', () => {
    const message = errorMessage(
      new InputError([
        { field: 'value', message: 'Only letters; remove "<".' },
        { field: 'countries', message: 'US: not allowed.' },
      ]),
      'create the Sender ID',
    );
    expect(allText(message)).toContain('• Only letters; remove \\"&lt;\\".');
    expect(allText(message)).toContain('• US: not allowed.');
  });

  it('tell a read that timed out to run again, and only a change to look first (Wavix may have applied it)', () => {
    const timedOut = (operation: string) => new WavixError({ kind: 'timeout', operation, attempts: 2 });
    const read = allText(errorMessage(timedOut('list numbers'), 'list the numbers', { readOnly: true }));
    expect(read).toContain('It is safe to run the command again.');
    expect(read).not.toContain('may still have applied it');
    const change = allText(errorMessage(timedOut('update a number'), 'activate inbound SMS'));
    expect(change).toContain('Wavix may still have applied it');
    expect(change).not.toContain('safe to run the command again');
  });

  it('keep an error within Slack’s limits, fallback text included, when it quotes a huge input', () => {
    const huge = 'x'.repeat(40_000);
    const message = errorMessage(
      new InputError([{ field: 'message', message: `No stored message has the id ${huge}.` }]),
      'replay',
    );
    expectWithinSlackLimits(message);
    expect(message.text.length).toBeLessThanOrEqual(3_000);
  });

  it('build a Sender ID form whose inputs carry the block ids the submission handler reads', () => {
    const alphanumeric = senderIdFormView({ metadata: { channelId: null, type: 'alphanumeric' }, numbers: [] });
    const inputIds = alphanumeric.blocks.filter((b) => b.type === 'input').map((b) => b.block_id);
    expect(inputIds).toEqual([
      SENDER_ID_BLOCK.type,
      SENDER_ID_BLOCK.valueText,
      SENDER_ID_BLOCK.countries,
      SENDER_ID_BLOCK.usecase,
      SENDER_ID_BLOCK.volume,
      SENDER_ID_BLOCK.samples,
    ]);
    const numeric = senderIdFormView({
      metadata: { channelId: null, type: 'numeric' },
      numbers: [{ e164: '+447400123456', country: 'GB', display: '+44 7400 123456' }],
      values: { value: '+447400123456', countries: ['GB', 'XX'] },
    });
    const select = numeric.blocks.find((b) => b.block_id === SENDER_ID_BLOCK.valueNumber);
    expect(select).toMatchObject({
      element: { type: 'external_select', min_query_length: 0, initial_option: { value: '+447400123456' } },
    });
    const countries = numeric.blocks.find((b) => b.block_id === SENDER_ID_BLOCK.countries);
    // An unknown code in the values is dropped rather than sent to Slack as an option that does not exist.
    expect(countries).toMatchObject({ element: { initial_options: [{ value: 'GB' }] } });
    expect(JSON.stringify(numeric)).toContain('US traffic from a long-code number goes through 10DLC');
    expect(numeric.private_metadata?.length ?? 0).toBeLessThanOrEqual(3000);
  });
});
