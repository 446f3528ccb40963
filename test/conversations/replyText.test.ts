import { describe, expect, it } from 'vitest';
import type { ConversationReply } from '../../src/core/ports/conversationReplies.js';
import { AppError, err, ok } from '../../src/errors.js';
import { blockLimitError } from '../../src/sandbox/fakeSlackApi.js';
import { linksIntoSlack, typedText, typedTextNamed } from '../../src/slack/messageText.js';
import { replyLineBlock } from '../../src/slack/ui/inboxReply.js';
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
    ['write to <mailto:help@acme.test|our support team>', 'write to our support team (help@acme.test)'],
    ['write to <mailto:help@acme.test>', 'write to help@acme.test'],
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

/** A message's `blocks` as the Slack composer sends them: one rich_text block. */
const composed = (...elements: unknown[]) => [{ type: 'rich_text', block_id: 'Xq3Ab', elements }];
const section = (...elements: unknown[]) => ({ type: 'rich_text_section', elements });
const plain = (text: string) => ({ type: 'text', text });

describe('typedText with the event’s rich_text blocks: emoji as the customer sees them', () => {
  it.each([
    [
      'Unicode emoji, where `text` has shortcodes',
      'Thanks :+1: see you :slightly_smiling_face:',
      composed(
        section(plain('Thanks '), { type: 'emoji', name: '+1', unicode: '1f44d' }, plain(' see you '), {
          type: 'emoji',
          name: 'slightly_smiling_face',
          unicode: '1f642',
        }),
      ),
      'Thanks 👍 see you 🙂',
    ],
    [
      'a skin tone in the unicode',
      ':+1::skin-tone-4:',
      composed(section({ type: 'emoji', name: '+1', unicode: '1f44d-1f3fd', skin_tone: 4 })),
      '👍🏽',
    ],
    [
      'a skin tone given beside the unicode',
      ':wave::skin-tone-3: :v::skin-tone-2:',
      composed(
        section({ type: 'emoji', name: 'wave', unicode: '1f44b', skin_tone: 3 }, plain(' '), {
          type: 'emoji',
          name: 'v::skin-tone-2',
          unicode: '270c-fe0f',
        }),
      ),
      '👋🏼 ✌🏻',
    ],
    [
      'a ZWJ family and a heart with its variation selector',
      ':family_man_woman_girl_boy: :heart:',
      composed(
        section(
          { type: 'emoji', name: 'family_man_woman_girl_boy', unicode: '1f468-200d-1f469-200d-1f467-200d-1f466' },
          plain(' '),
          { type: 'emoji', name: 'heart', unicode: '2764-fe0f' },
        ),
      ),
      '👨‍👩‍👧‍👦 ❤️',
    ],
    [
      'a custom emoji (no unicode) as its name',
      'shipped :partyparrot:',
      composed(section(plain('shipped '), { type: 'emoji', name: 'partyparrot' })),
      'shipped :partyparrot:',
    ],
    [
      'links as typed, labelled and bare, and entities',
      'Tom &amp; Jerry &lt;3 <http://example.com|example.com> <https://acme.test/track|your parcel> <https://acme.test/a?b=1&amp;c=2> <mailto:help@acme.test|help@acme.test> typed &amp;lt;',
      composed(
        section(
          plain('Tom & Jerry <3 '),
          { type: 'link', url: 'http://example.com', text: 'example.com' },
          plain(' '),
          { type: 'link', url: 'https://acme.test/track', text: 'your parcel' },
          plain(' '),
          { type: 'link', url: 'https://acme.test/a?b=1&c=2' },
          plain(' '),
          { type: 'link', url: 'mailto:help@acme.test', text: 'help@acme.test' },
          plain(' typed &lt;'),
        ),
      ),
      'Tom & Jerry <3 example.com your parcel (https://acme.test/track) https://acme.test/a?b=1&c=2 help@acme.test typed &lt;',
    ],
    [
      'styles as Slack writes them in `text`, but code',
      '*bold* _it_ ~x~ `code` :tada:',
      composed(
        section(
          { type: 'text', text: 'bold ', style: { bold: true } },
          { type: 'text', text: 'it', style: { italic: true } },
          plain(' '),
          { type: 'text', text: 'x', style: { strike: true, highlight: true } },
          plain(' '),
          { type: 'text', text: 'code', style: { code: true } },
          plain(' '),
          { type: 'emoji', name: 'tada', unicode: '1f389' },
        ),
      ),
      // Code without Slack's backticks: GSM-7 has none, and they made the SMS UCS-2.
      '*bold* _it_ ~x~ code 🎉',
    ],
    [
      'a bullet list and a numbered one continuing at 3, between lines',
      'Your order :package::\n• shoes\n• socks\n3. pay\n4. collect\nThanks',
      composed(
        section(plain('Your order '), { type: 'emoji', name: 'package', unicode: '1f4e6' }, plain(':\n')),
        {
          type: 'rich_text_list',
          style: 'bullet',
          indent: 0,
          border: 0,
          elements: [section(plain('shoes')), section(plain('socks'))],
        },
        {
          type: 'rich_text_list',
          style: 'ordered',
          indent: 0,
          offset: 2,
          elements: [section(plain('pay')), section(plain('collect'))],
        },
        section(plain('Thanks')),
      ),
      // Bullets as "- ": Slack's • is not in GSM-7.
      'Your order 📦:\n- shoes\n- socks\n3. pay\n4. collect\nThanks',
    ],
    [
      'a nested list',
      '• shoes\n    ◦ size 42',
      composed(
        { type: 'rich_text_list', style: 'bullet', indent: 0, elements: [section(plain('shoes'))] },
        { type: 'rich_text_list', style: 'bullet', indent: 1, elements: [section(plain('size 42'))] },
      ),
      '- shoes\n    - size 42',
    ],
    [
      'a quote of two lines, then a reply',
      '&gt; Where is it? :thinking_face:\n&gt; Today?\nIt ships today',
      composed(
        {
          type: 'rich_text_quote',
          elements: [plain('Where is it? '), { type: 'emoji', name: 'thinking_face', unicode: '1f914' }, plain('\nToday?')],
        },
        section(plain('It ships today')),
      ),
      '> Where is it? 🤔\n> Today?\nIt ships today',
    ],
    [
      'code as a block',
      'Your code:\n```ORDER-42 &lt;a&amp;b&gt;```',
      composed(section(plain('Your code:\n')), {
        type: 'rich_text_preformatted',
        border: 0,
        elements: [plain('ORDER-42 <a&b>')],
      }),
      'Your code:\nORDER-42 <a&b>',
    ],
  ])('%s', (_case, slackText, blocks, typed) => {
    expect(typedText(slackText, undefined, blocks)).toBe(typed);
    // From the blocks alone: the same as with Slack's `text`.
    expect(typedText('', undefined, blocks)).toBe(typed);
  });

  it('names mentions from the blocks like those of `text`', async () => {
    const directory = {
      userName: async (id: string) => (id === 'U0ADMIN001' ? ok('Bob') : err(new AppError('no', 'user_not_found'))),
      channelName: async (id: string) => (id === 'C0INBOX001' ? ok('sms-inbox') : err(new AppError('no', 'channel_not_found'))),
    };
    const blocks = composed(
      section(
        { type: 'broadcast', range: 'here' },
        plain(' '),
        { type: 'user', user_id: 'U0ADMIN001' },
        plain(' and '),
        { type: 'user', user_id: 'U0GONE0001' },
        plain(' in '),
        { type: 'channel', channel_id: 'C0INBOX001' },
        plain(' '),
        { type: 'emoji', name: 'wave', unicode: '1f44b' },
      ),
    );
    expect(await typedTextNamed('<!here> <@U0ADMIN001> and <@U0GONE0001> in <#C0INBOX001> :wave:', directory, blocks)).toBe(
      '@here @Bob and @someone in #sms-inbox 👋',
    );
  });

  it('sends a user group as its handle, or @group, and keeps the emoji beside it (where `text` said @subteam :tada:)', () => {
    const blocks = composed(
      section(plain('ping '), { type: 'usergroup', usergroup_id: 'S0123' }, plain(' '), {
        type: 'emoji',
        name: 'tada',
        unicode: '1f389',
      }),
    );
    expect(typedText('ping <!subteam^S0123|@team> :tada:', undefined, blocks)).toBe('ping @team 🎉');
    expect(typedText('ping <!subteam^S0123> :tada:', undefined, blocks)).toBe('ping @group 🎉');
    expect(typedText('ping <!subteam^S0123>')).toBe('ping @group');
  });

  it('sends a date as its fallback text (else the moment in UTC) and a colour as its value, keeping the emoji', () => {
    const blocks = composed(
      section(
        { type: 'date', timestamp: 1720710212, format: '{date_short}', fallback: 'Jul 11, 2024' },
        plain(', '),
        { type: 'date', timestamp: 1720710212, format: '{time}' },
        plain(' in '),
        { type: 'color', value: '#F405B3' },
        plain(' '),
        { type: 'emoji', name: 'heart', unicode: '2764-fe0f' },
      ),
    );
    expect(
      typedText(
        '<!date^1720710212^{date_short}|Jul 11, 2024>, <!date^1720710212^{time}|15:03> in #F405B3 :heart:',
        undefined,
        blocks,
      ),
    ).toBe('Jul 11, 2024, 2024-07-11 15:03 UTC in #F405B3 ❤️');
  });

  it.each([
    ['no blocks', undefined],
    [
      'an element kind it does not render (one Slack adds later)',
      composed(section(plain('ask '), { type: 'team', team_id: 'T0123' })),
    ],
    ['a block that is not rich_text', [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }]],
    ['an emoji without its name', composed(section({ type: 'emoji', unicode: '1f44d' }))],
    ['blocks that are not a list', { type: 'rich_text' }],
    ['empty blocks', []],
    ['a rich_text with nothing in it', composed()],
  ])('falls back to `text` on %s', (_case, blocks) => {
    expect(typedText('ask <!subteam^S0123|@support> :+1:', undefined, blocks)).toBe('ask @support :+1:');
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
  wavixSegments: null,
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

describe('the status line under a reply, with a Wavix id of thousands of characters', () => {
  // The id was shown whole, so the context element went past Slack's 3,000 and the status line was refused (a probe).
  it('bounds the id, so the line stays within Block Kit limits and still says how the reply stands', () => {
    for (const status of ['delivered', 'undelivered'] as const) {
      const message = replyStatusMessage(reply({ status, wavixMessageId: `w-${'&'.repeat(1_000)}`, statusReason: 'Absent' }));
      expect(blockLimitError(message.blocks)).toBeUndefined();
      expect(message.text).toMatch(status === 'delivered' ? /^Delivered · Wavix id `w-&amp;/ : /^Undelivered: Absent · /);
    }
  });
});

describe('a reply’s line in /sms inbox', () => {
  it('keeps Wavix’s reason on the line: a line break or a direction override in it becomes a space', () => {
    const block = replyLineBlock({
      direction: 'reply',
      wavixMessageId: 'wx\n1',
      slackUser: 'U1',
      fromNumber: '14155550100',
      toNumber: '447400123456',
      createdAt: 0,
      textLength: 5,
      segments: 1,
      encoding: 'GSM-7',
      wavixSegments: null,
      status: 'undelivered',
      statusReason: 'Absent\nsubscriber\u202E `x`',
      hidden: null,
    }) as { text: { text: string } };
    const [, status] = block.text.text.split('\n');
    expect(block.text.text.split('\n')).toHaveLength(2);
    expect(status).toBe('5 chars, 1 segment (GSM-7) · :x: undelivered (Absent subscriber  ｀x｀) · id `wx 1`');
  });
});

describe('linksIntoSlack: a link only the workspace’s members can open', () => {
  it.each([
    ['<https://acme.slack.com/files/U01/F02/receipt.png>', true],
    ['<https://files.slack.com/files-pri/T01-F02/receipt.png|receipt>', true],
    ['<https://acme.enterprise.slack.com/archives/C01/p1800000000000100>', true],
    ['<https://app.slack.com/client/T01/C01>', true],
    ['<https://acme.slack.com/docs/T01/F03>', true],
    ['<HTTPS://ACME.SLACK.COM/FILES/U01/F02/x.png>', true],
    // "Copy image address" on an image in Slack's web client: its thumbnail, as private as the file.
    ['<https://files.slack.com/files-tmb/T01-F02-1a2b3c/receipt_720.png>', true],
    ['<https://files.slack.com/anything/T01-F02/receipt.png>', true],
    // "Copy huddle link" and "Copy link to profile".
    ['<https://app.slack.com/huddle/T01/C01>', true],
    ['<https://acme.slack.com/team/U01>', true],
    ['<https://acme.slack.com:443/files/U01/F02/x.png>', true],
    ['<https://acme.slack.com./files/U01/F02/x.png>', true],
    // An invitation to a community workspace or a Slack Connect channel is the customer's to open.
    ['<https://join.slack.com/t/acme/shared_invite/zt-abc>', false],
    ['<https://acme.slack.com/join/shared_invite/zt-abc>', false],
    ['<https://slack-files.com/T01-F02-1a2b3c>', false],
    ['<https://slack.com/help/articles/201330736>', false],
    ['<https://api.slack.com/docs/messages>', false],
    ['<https://acme.test/files/receipt.png>', false],
    ['<https://evil.test/?next=https://acme.slack.com/files/U01/F02>', false],
    ['acme.slack.com/files typed as code, no link', false],
  ])('%s → %s', (text, expected) => {
    expect(linksIntoSlack(text)).toBe(expected);
  });
});
