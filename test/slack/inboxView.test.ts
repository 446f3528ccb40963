import { describe, expect, it } from 'vitest';
import type { InboxLine, InboxReplyLine } from '../../src/relay/inboxReading.js';
import { blockLimitError } from '../../src/sandbox/fakeSlackApi.js';
import { inboxMessage } from '../../src/slack/ui/relay.js';
import { formattedTexts, literalTexts } from '../helpers/slackText.js';

const HOSTILE = '*notbold* _x_ ~y~ `code` :tada: <!channel> &amp; <http://x|y>';
const at = Date.UTC(2026, 0, 2, 9, 30);

const inbound = (text: string, n = 1): InboxLine => ({
  direction: 'inbound',
  wavixMessageId: `w-${n}`,
  toNumber: '14155550100',
  ingestedAt: at,
  messageType: 'sms',
  mediaCount: 0,
  fromNumber: '447400123456',
  text,
  hidden: null,
  deliveries: [{ kind: 'slack', status: 'delivered', answer: null }],
});

const reply: InboxReplyLine = {
  direction: 'reply',
  wavixMessageId: 'r-1',
  slackUser: 'U0123456789',
  fromNumber: '14155550100',
  toNumber: '447400123456',
  createdAt: at,
  textLength: 12,
  segments: 1,
  encoding: 'GSM-7',
  status: 'delivered',
  statusReason: null,
  hidden: null,
};

const reading = (lines: Array<InboxLine | InboxReplyLine>) => ({ lines, admin: true, numberIs: 'smsops' as const, withheld: 0 });

describe('/sms inbox', () => {
  it('shows each text literally, as its post does', () => {
    const message = inboxMessage(reading([inbound(HOSTILE)]));
    expect(literalTexts(message.blocks)).toEqual([HOSTILE]);
    for (const text of formattedTexts(message.blocks)) expect(text).not.toMatch(/notbold|<!channel>|<http:\/\/x/);
  });

  it('shows the first 600 characters of a long text and says how long it is and where the rest is', () => {
    const long = `${'a'.repeat(599)}😀${'b'.repeat(4_000)}`;
    const message = inboxMessage(reading([inbound(long)]));
    expect(literalTexts(message.blocks)).toEqual(['a'.repeat(599)]);
    expect(formattedTexts(message.blocks).join('\n')).toContain(
      '4,600 characters (the first 600 below; the whole text is in its Slack post)',
    );
  });

  it('clips a sender of thousands of characters as the posts do, so the line keeps its delivery states and id', () => {
    const message = inboxMessage(reading([{ ...inbound('hi'), fromNumber: 'S'.repeat(4_000), wavixMessageId: 'w-long' }]));
    const line = formattedTexts(message.blocks).find((t) => t.includes('SSSS')) ?? '';
    expect(line.length).toBeLessThan(400);
    expect(formattedTexts(message.blocks).join('\n')).toContain('w-long');
  });

  it('lists ten long messages within Slack limits, and counts any left out', () => {
    const ten = inboxMessage(reading(Array.from({ length: 10 }, (_, i) => inbound('z'.repeat(5_000), i))));
    expect(blockLimitError(ten.blocks)).toBeUndefined();
    expect(literalTexts(ten.blocks)).toHaveLength(10);
    const forty = inboxMessage(reading(Array.from({ length: 40 }, (_, i) => inbound('z'.repeat(5_000), i))));
    expect(blockLimitError(forty.blocks)).toBeUndefined();
    const shown = literalTexts(forty.blocks).length;
    expect(formattedTexts(forty.blocks).join('\n')).toContain(
      `…and ${40 - shown} more messages — \`/sms inbox page 2\` shows the next ones.`,
    );
    const second = inboxMessage(reading(Array.from({ length: 40 }, (_, i) => inbound('z'.repeat(5_000), i))), undefined, 2);
    expect(blockLimitError(second.blocks)).toBeUndefined();
    expect(formattedTexts(second.blocks).join('\n')).toContain(`Page 2 of`);
  });

  it("shows a reply's time in each reader's time zone, with the UTC text as fallback", () => {
    const message = inboxMessage(reading([reply]));
    const line = formattedTexts(message.blocks).join('\n');
    expect(line).toContain(`<!date^${at / 1000}^{date_short_pretty} {time}|2026-01-02 09:30 UTC>`);
    expect(line).not.toMatch(/· 2026-01-02 09:30 UTC ·/);
    expect(message.text).not.toContain('<!date');
  });
});
