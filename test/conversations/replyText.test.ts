import { describe, expect, it } from 'vitest';
import type { ConversationReply } from '../../src/core/ports/conversationReplies.js';
import { AppError, err, ok } from '../../src/errors.js';
import { typedText, typedTextNamed } from '../../src/slack/messageText.js';
import { replyStatusMessage } from '../../src/slack/ui/replyStatus.js';

describe('typedText: a Slack message event’s text back to what the person typed', () => {
  it.each([
    ['Tom &amp; Jerry &lt;3 &gt;_&lt;', 'Tom & Jerry <3 >_<'],
    ['typed &amp;lt; literally', 'typed &lt; literally'],
    ['see <http://example.com|example.com>', 'see example.com'],
    ['see <https://example.com/a?b=1&amp;c=2>', 'see https://example.com/a?b=1&c=2'],
    ['see <https://example.com/|example.com>', 'see example.com'],
    ['<https://acme.test/track|your parcel>', 'your parcel (https://acme.test/track)'],
    ['mail <mailto:help@acme.test|help@acme.test>', 'mail help@acme.test'],
    ['ask <@U0123ABC|maria> or <@U0456DEF>', 'ask @maria or @someone'],
    ['in <#C0123ABC|support> or <#C0456DEF>', 'in #support or #channel'],
    ['<!here> and <!channel>', '@here and @channel'],
    ['*bold* _it_ ~x~', '*bold* _it_ ~x~'],
  ])('%s', (slack, typed) => {
    expect(typedText(slack)).toBe(typed);
  });
});

describe('typedTextNamed: mentions by id named from the directory', () => {
  it('names people and channels, falling back to @someone and #channel rather than an id', async () => {
    const directory = {
      userName: async (id: string) =>
        id === 'U0ADMIN001' ? ok('Bob') : err(new AppError('users.info failed', 'Slack answered users.info with user_not_found')),
      channelName: async (id: string) =>
        id === 'C0INBOX001'
          ? ok('sms-inbox')
          : err(new AppError('no', 'Slack answered conversations.info with channel_not_found')),
    };
    expect(
      await typedTextNamed(
        'hey <@U0ADMIN001>, <@U0GONE0001> and <@U0123|maria> in <#C0INBOX001> <#C0GONE001> <#C1|x>',
        directory,
      ),
    ).toBe('hey @Bob, @someone and @maria in #sms-inbox #channel #x');
  });
});

const reply = (overrides: Partial<ConversationReply>): ConversationReply => ({
  id: 1,
  slackChannel: 'C1',
  threadTs: '1.1',
  slackMessageTs: '1.2',
  slackUser: 'U1',
  fromNumber: '14155550100',
  toNumber: '447400123456',
  textLength: 10,
  segments: 2,
  encoding: 'UCS-2',
  wavixMessageId: null,
  status: 'sending',
  statusReason: null,
  createdAt: 0,
  submittedAt: null,
  statusAt: 0,
  deliveredAt: null,
  statusTs: null,
  ...overrides,
});

describe('the status line under a reply', () => {
  it('says sending with the cost, then sent, delivered and undelivered with the Wavix id', () => {
    expect(replyStatusMessage(reply({}), '2 segments, UCS-2 because of ’').text).toBe(
      'Sending… · 2 segments, UCS-2 because of ’',
    );
    expect(replyStatusMessage(reply({ status: 'accepted', wavixMessageId: 'abc' })).text).toBe(
      'Sent · Wavix id `abc` · 2 segments, UCS-2',
    );
    expect(replyStatusMessage(reply({ status: 'delivered', wavixMessageId: 'abc' })).text).toBe(
      'Delivered · Wavix id `abc` · 2 segments, UCS-2',
    );
    expect(
      replyStatusMessage(reply({ status: 'undelivered', wavixMessageId: 'abc', statusReason: 'Absent subscriber' })).text,
    ).toBe(
      'Undelivered: Absent subscriber · Wavix id `abc` · Check the number, or reach the customer another way. · 2 segments, UCS-2',
    );
    expect(replyStatusMessage(reply({ status: 'expired', wavixMessageId: 'abc', statusReason: 'Too late' })).text).toMatch(
      /^Undelivered \(expired\): Too late · /,
    );
  });

  it('escapes what Wavix says, so nothing pings a channel or hides a link, and stays within Block Kit limits', () => {
    const message = replyStatusMessage(
      reply({ status: 'failed', statusReason: `<!channel> <http://evil|ok> & ${'<'.repeat(5000)}` }),
    );
    expect(message.text).toContain('&lt;!channel&gt; &lt;http://evil|ok&gt; &amp;');
    expect(message.text).not.toContain('<!channel>');
    const [block] = message.blocks as Array<{ type: string; elements: Array<{ text: string }> }>;
    expect(block?.type).toBe('context');
    expect(block?.elements[0]?.text.length).toBeLessThanOrEqual(3000);
  });
});
