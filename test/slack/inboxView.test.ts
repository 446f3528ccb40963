import { describe, expect, it } from 'vitest';
import type { InboxLine, InboxReplyLine } from '../../src/relay/inboxReading.js';
import type { InboxPage } from '../../src/relay/operations.js';
import { blockLimitError } from '../../src/sandbox/fakeSlackApi.js';
import { inboxMessageDetail } from '../../src/slack/ui/inboxMessage.js';
import { inboxMessage } from '../../src/slack/ui/inboxPage.js';
import { formattedTexts, literalTexts } from '../helpers/slackText.js';

const HOSTILE = '*notbold* _x_ ~y~ `code` :tada: <!channel> &amp; <http://x|y>';
const at = Date.UTC(2026, 0, 2, 9, 30);

const inbound = (text: string, n = 1): InboxLine => ({
  direction: 'inbound',
  wavixMessageId: `w-${n}`,
  toNumber: '14155550100',
  ingestedAt: at,
  receivedAt: null,
  messageType: 'sms',
  mediaCount: 0,
  fromNumber: '447400123456',
  text,
  media: null,
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
  wavixSegments: null,
  status: 'delivered',
  statusReason: null,
  hidden: null,
};

/** The whole list on one page, unless a page of a longer list is given. */
const reading = (lines: Array<InboxLine | InboxReplyLine>, page: Partial<InboxPage> = {}) => ({
  lines,
  admin: true,
  numberIs: 'smsops' as const,
  withheld: 0,
  page: { number: 1, count: 1, first: 0, size: lines.length, total: lines.length, beyond: false, ...page },
});

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

  it('lists a page of ten long messages within Slack limits, and counts those on later pages', () => {
    const ten = Array.from({ length: 10 }, (_, i) => inbound('z'.repeat(5_000), i));
    const first = inboxMessage(reading(ten, { count: 4, total: 40 }));
    expect(blockLimitError(first.blocks)).toBeUndefined();
    expect(literalTexts(first.blocks)).toHaveLength(10);
    expect(formattedTexts(first.blocks).join('\n')).toContain(
      'Page 1 of 4 (messages 1–10 of 40). …and 30 more messages — `/sms inbox page 2` shows the next ones.',
    );
    expect(first.text).toBe('10 received, 0 replies (page 1 of 4, 40 messages)');
    const last = inboxMessage(reading(ten, { number: 4, count: 4, first: 30, total: 40 }), '+14155550100');
    expect(formattedTexts(last.blocks).join('\n')).toContain(
      'Page 4 of 4 (messages 31–40 of 40). `/sms inbox +14155550100` starts again from the first.',
    );
  });

  it('shortens the excerpts of a page that would not fit one Slack message at 600 characters each', () => {
    // What PortSIP answered, as admins see it (80 characters at most), escaped in the line: five times longer.
    const answer = `HTTP 503: ${'&'.repeat(40)}`;
    const ten = Array.from({ length: 10 }, (_, i) => ({
      ...inbound('z'.repeat(5_000), i),
      deliveries: [
        { kind: 'portsip' as const, status: 'pending' as const, answer },
        { kind: 'slack' as const, status: 'pending' as const, answer: 'msg_too_long' },
      ],
    }));
    const message = inboxMessage(reading(ten));
    expect(blockLimitError(message.blocks)).toBeUndefined();
    expect(literalTexts(message.blocks)).toEqual(Array.from({ length: 10 }, () => 'z'.repeat(200)));
    expect(formattedTexts(message.blocks).join('\n')).toContain('5,000 characters (the first 200 below;');
  });

  it('says when the list goes further back than it pages', () => {
    const ten = Array.from({ length: 10 }, (_, i) => inbound('hi', i));
    const message = inboxMessage(reading(ten, { count: 100, total: 1_000, beyond: true }));
    expect(formattedTexts(message.blocks).join('\n')).toContain(
      'More than 1,000 messages: the newest 1,000 are paged here; `/sms inbox <number>` pages one number’s.',
    );
  });

  it("shows a reply's time in each reader's time zone, with the UTC text as fallback", () => {
    const message = inboxMessage(reading([reply]));
    const line = formattedTexts(message.blocks).join('\n');
    expect(line).toContain(`<!date^${at / 1000}^{date_short_pretty} {time}|2026-01-02 09:30 UTC>`);
    expect(line).not.toMatch(/· 2026-01-02 09:30 UTC ·/);
    expect(message.text).not.toContain('<!date');
  });

  it('says each delivery in words, with its attempts and when it was delivered', () => {
    const delivered = at + 65_000;
    const message = inboxMessage(
      reading([
        {
          ...inbound('hi'),
          deliveries: [
            { kind: 'portsip', status: 'delivered', answer: null, attempts: 2, deliveredAt: delivered },
            { kind: 'slack', status: 'in_flight', answer: null, attempts: 0, deliveredAt: null },
          ],
        },
        {
          ...inbound('later', 2),
          deliveries: [
            { kind: 'portsip', status: 'pending', answer: 'HTTP 500', attempts: 3, deliveredAt: null },
            { kind: 'slack', status: 'pending', answer: null, attempts: 0, deliveredAt: null },
          ],
        },
        { ...inbound('gone', 3), deliveries: [{ kind: 'portsip', status: 'dead', answer: 'HTTP 500', attempts: 7 }] },
      ]),
    );
    const lines = formattedTexts(message.blocks).join('\n');
    expect(lines).toContain(
      `PortSIP: delivered <!date^${delivered / 1000}^{date_short_pretty} {time}|2026-01-02 09:31 UTC> (2 attempts) · :arrows_counterclockwise: Slack: being sent (attempt 1)`,
    );
    expect(lines).toContain(
      'PortSIP: waiting to be tried again, 3 attempts failed (HTTP 500) · :hourglass_flowing_sand: Slack: waiting to be sent',
    );
    expect(lines).toContain('PortSIP: dead after 7 attempts (HTTP 500)');
    expect(lines).not.toMatch(/in_flight|PortSIP delivered/);
  });

  it("names Wavix's and smsops' times when they are more than a minute apart, and shows one time otherwise", () => {
    const late = { ...inbound('late'), receivedAt: at - 3_600_000 };
    const lines = formattedTexts(inboxMessage(reading([late, { ...inbound('now', 2), receivedAt: at - 30_000 }])).blocks).join(
      '\n',
    );
    expect(lines).toContain(
      `received by Wavix <!date^${(at - 3_600_000) / 1000}^{date_short_pretty} {time}|2026-01-02 08:30 UTC> · by smsops <!date^${at / 1000}^{date_short_pretty} {time}|2026-01-02 09:30 UTC>`,
    );
    expect(lines.match(/received by Wavix/g)).toHaveLength(1);
  });

  it('shows one message by its Wavix id: both times, each delivery with its error, a replay and a send again after a stop', () => {
    const history = {
      lastAttemptAt: at + 1_000,
      nextAttemptAt: null,
      deadAt: null,
      replayedAt: null,
      releasedAt: null,
      failure: null,
    };
    const message = inboxMessageDetail({
      admin: false,
      line: {
        ...inbound('Your code is 482913'),
        wavixMessageId: 'wvx-A-1',
        receivedAt: at - 3_600_000,
        deliveries: [
          { kind: 'portsip', status: 'dead', answer: 'HTTP 500', destination: null, attempts: 7, deliveredAt: null },
          { kind: 'slack', status: 'delivered', answer: null, destination: 'C0INBOX01', attempts: 1, deliveredAt: at + 2_000 },
        ],
      },
      history: [
        {
          ...history,
          deadAt: at + 9_000,
          failure: { lastStatusCode: 500, lastError: 'HTTP 500: http://pbx/emc/x/a558d635-secret' },
        },
        { ...history, replayedAt: at + 5_000, releasedAt: at + 4_000 },
      ],
    });
    const text = formattedTexts(message.blocks).join('\n');
    expect(text).toContain('*Message `wvx-A-1`*: SMS from *+44 7400 123456* → +1 415 555 0100');
    expect(text).toMatch(/Received by Wavix <!date[^|]*\|2026-01-02 08:30 UTC> · by smsops <!date[^|]*\|2026-01-02 09:30 UTC>/);
    expect(text).toContain('PortSIP: dead after 7 attempts (HTTP 500)');
    expect(text).toMatch(/Last error \(<!date[^>]*>\): PortSIP answered HTTP 500: PortSIP failed on its side/);
    expect(text).toMatch(/Given up <!date/);
    expect(text).toContain('Slack in <#C0INBOX01>: delivered');
    expect(text).toMatch(/Sent again by an operator \(`\/sms relay replay`\) <!date/);
    expect(text).toMatch(/Sent again after smsops stopped during an attempt \(<!date[^>]*>\): Slack may have got it twice/);
    expect(text).not.toContain('a558d635');
    expect(literalTexts(message.blocks)).toEqual(['Your code is 482913']);
    expect(blockLimitError(message.blocks)).toBeUndefined();
  });
});
