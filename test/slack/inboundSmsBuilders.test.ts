import { stringify } from 'node:querystring';
import { describe, expect, it } from 'vitest';
import { blockLimitError } from '../../src/sandbox/fakeSlackApi.js';
import {
  blockTextLength,
  inboundBatchMessage,
  inboundSmsMessage,
  minimalSmsMessage,
  type PortsipState,
} from '../../src/slack/ui/inboundSms.js';
import { clip, code, plain, type SlackMessage } from '../../src/slack/ui/text.js';
import { inboundMessage } from '../helpers/inboundMessage.js';

const sms = inboundMessage;

/** The SMS text a post shows: its rich_text preformatted pieces, in order. */
const textPieces = (message: SlackMessage): string[] =>
  message.blocks
    .filter((b) => b.type === 'rich_text')
    .flatMap((b) => (b.type === 'rich_text' ? b.elements : []))
    .flatMap((e) => (e.type === 'rich_text_preformatted' ? e.elements : []))
    .map((e) => (e.type === 'text' ? e.text : ''));

const delivered: PortsipState = { kind: 'delivered', at: Date.UTC(2026, 10, 25, 12, 3, 4) };
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}

/** What Slack's Node client does with the arguments: JSON for blocks, then form encoding (which throws on half an emoji). */
function encodesLikeTheSlackClient(message: SlackMessage): void {
  const json = JSON.stringify(message.blocks);
  expect(JSON.parse(json)).toEqual(message.blocks);
  expect(() => stringify({ channel: 'C1', text: message.text, blocks: json })).not.toThrow();
  expect(() => encodeURIComponent(message.text)).not.toThrow();
  for (const s of strings(message)) {
    expect(LONE_SURROGATE.test(s)).toBe(false);
    expect(() => encodeURIComponent(s)).not.toThrow();
  }
}

/** Every trace of `cluster` in the message is the whole cluster: removing those leaves none of its code points. */
function onlyWhole(message: SlackMessage, cluster: string): void {
  const parts = [...cluster].filter((c) => (c.codePointAt(0) ?? 0) > 0x7f && c !== '\u200d');
  for (const s of strings(message)) {
    const rest = s.split(cluster).join('');
    for (const part of parts) expect(rest).not.toContain(part);
  }
}

const CLUSTERS = {
  emoji: '😀',
  'skin tone': '👍🏽',
  'ZWJ family': '👨‍👩‍👧‍👦',
  flag: '🇫🇷',
  'combining accent': 'e\u0301',
};

describe('Slack text builders cut between graphemes', () => {
  // The cuts: the notification text at 200, a single post's first section at 2,700, a coalesced post's body at 1,380.
  for (const [name, cluster] of Object.entries(CLUSTERS)) {
    it(`never splits a ${name} at any cut, and the output always encodes`, () => {
      for (const boundary of [200, 1_380, 2_700]) {
        for (let offset = boundary - cluster.length - 2; offset <= boundary + 2; offset++) {
          const text = `${'a'.repeat(offset)}${cluster}${'b'.repeat(300)}`;
          const single = inboundSmsMessage(sms(text), delivered);
          const { message: batch } = inboundBatchMessage([
            { message: sms(text), portsip: delivered },
            { message: sms(text), portsip: { kind: 'none' } },
          ]);
          for (const rendered of [single, batch]) {
            encodesLikeTheSlackClient(rendered);
            onlyWhole(rendered, cluster);
          }
        }
      }
    });
  }

  it('cuts the emoji at characters 199–200 out of the notification text whole, and says the text goes on', () => {
    const text = `${'x'.repeat(199)}😀${'y'.repeat(100)}`;
    const rendered = inboundSmsMessage(sms(text), delivered);
    expect(rendered.text).toBe(`SMS from +44 7400 123456: ${'x'.repeat(199)}…`);
    expect(strings(rendered.blocks).join('\n')).toContain(text);
    encodesLikeTheSlackClient(rendered);
  });

  it('says in the notification text that an MMS holds media, and that it has no text when it has none', () => {
    const photos = ['https://media.wavix.com/a.jpg', 'https://media.wavix.com/b.jpg'];
    const from = '+44 7400 123456';
    expect(inboundSmsMessage(sms('', { messageType: 'mms', media: photos }), delivered).text).toBe(
      `MMS from ${from}: (no text, 2 media)`,
    );
    expect(inboundSmsMessage(sms('see this', { messageType: 'mms', media: photos }), delivered).text).toBe(
      `MMS from ${from}: see this (2 media)`,
    );
    expect(inboundSmsMessage(sms(''), delivered).text).toBe(`SMS from ${from}: (no text)`);
  });

  it('replaces a lone surrogate that arrived in the SMS itself', () => {
    const rendered = inboundSmsMessage(sms('broken \ud83d here'), delivered);
    encodesLikeTheSlackClient(rendered);
    expect(strings(rendered.blocks).join('\n')).toContain('broken \ufffd here');
  });

  it('clip and plain never cut a grapheme, an entity or a <…> token', () => {
    expect(clip('ab😀cd', 4)).toBe('ab…');
    expect(clip('ab👨‍👩‍👧‍👦cd', 12)).toBe('ab…');
    expect(clip('ab👨‍👩‍👧‍👦cd', 14)).toBe('ab👨‍👩‍👧‍👦…');
    expect(clip('Tom &amp; Jerry', 8)).toBe('Tom …');
    expect(clip('at <!date^1700000000^{time}|12:00 UTC> ok', 20)).toBe('at …');
    expect(plain(`${'a'.repeat(73)}🇫🇷🇫🇷`).text).toBe(`${'a'.repeat(73)}…`);
  });
});

describe('a single SMS post', () => {
  it('shows a long text whole over several blocks, and says so when it had to leave some out', () => {
    const long = 'word '.repeat(1_200); // 6,000 characters
    const whole = inboundSmsMessage(sms(long), delivered);
    expect(textPieces(whole).join('')).toBe(long);
    expect(whole.blocks.filter((b) => b.type === 'rich_text').length).toBeGreaterThan(2);
    expect(strings(whole.blocks).join('')).not.toContain('not shown');
    const huge = inboundSmsMessage(sms('z'.repeat(20_000)), delivered);
    expect(strings(huge.blocks).join('')).toMatch(/The text goes on: 12,\d{3} more characters are not shown here/);
    expect(
      textPieces(huge).join('').length + Number(/goes on: ([\d,]+)/.exec(strings(huge.blocks).join(''))?.[1]?.replace(',', '')),
    ).toBe(20_000);
    for (const rendered of [whole, huge]) {
      expect(blockLimitError(rendered.blocks)).toBeUndefined();
      expect(blockTextLength(rendered.blocks)).toBeLessThan(12_000);
    }
  });

  it('stays within Slack limits with hostile input: a huge sender, many long media URLs, entities everywhere', () => {
    const rendered = inboundSmsMessage(
      sms('&<>'.repeat(5_000), {
        fromNumber: 'A'.repeat(10_000),
        messageType: 'mms',
        media: Array.from({ length: 40 }, (_, i) => `https://media.example/${i}/${'p'.repeat(400)}`),
      }),
      { kind: 'dead', reason: 'HTTP 500: '.repeat(100) },
    );
    expect(blockLimitError(rendered.blocks)).toBeUndefined();
    expect(strings(rendered.blocks).join('\n')).toMatch(/\d+ more media/);
    expect(strings(rendered.blocks).join('')).not.toMatch(/&(?:a|am|amp|l|lt|g|gt)?…/);
    encodesLikeTheSlackClient(rendered);
  });

  it('shows a media entry that is no http(s) URL as plain words on the media line: it starts no line and formats nothing', () => {
    const rendered = inboundSmsMessage(
      sms('x', { messageType: 'mms', media: ['ftp://x\n*Your order was cancelled* <!channel>', 'https://ok.example/a.jpg'] }),
      delivered,
    );
    const line = strings(rendered.blocks).find((s) => s.includes('media 1'));
    expect(line).toBe('media 1: ftp://x ＊Your order was cancelled＊ &lt;!channel&gt; · <https://ok.example/a.jpg|media 2>');
  });

  it('keeps a media URL with a line break or space in it one link: the break cannot end the link and format what follows', () => {
    const rendered = inboundSmsMessage(
      sms('x', { messageType: 'mms', media: ['https://media.example/a b\n*FREE* gift.jpg'] }),
      delivered,
    );
    const line = strings(rendered.blocks).find((s) => s.includes('media 1'));
    expect(line).toBe('<https://media.example/a%20b%0A*FREE*%20gift.jpg|media 1>');
  });

  it('shows a sender sent with spaces or a line break around it in bold, not between literal stars', () => {
    for (const fromNumber of [' BANK ', '\nBANK\t']) {
      const header = strings(inboundSmsMessage(sms('x', { fromNumber }), delivered).blocks).find((s) => s.startsWith('*SMS*'));
      expect(header).toBe('*SMS* from *BANK* to +1 415 555 0100');
    }
  });

  it('shows where the SMS went on PortSIP, with Slack-rendered times', () => {
    const show = (state: PortsipState) => strings(inboundSmsMessage(sms('hi'), state).blocks).join('\n');
    expect(show(delivered)).toContain('PortSIP ✓ <!date^1795608184^{time_secs}|12:03:04 UTC>');
    expect(show({ kind: 'retrying', error: 'HTTP 503', attempts: 4, nextAt: Date.UTC(2026, 10, 25, 12, 5) })).toContain(
      'PortSIP retrying (HTTP 503, attempt 4, next <!date^1795608300^{time}|12:05 UTC>)',
    );
    expect(show({ kind: 'dead', reason: 'connect <ECONNREFUSED>' })).toContain('PortSIP dead: connect &lt;ECONNREFUSED&gt;');
    expect(show({ kind: 'none' })).toContain('no PortSIP route');
  });

  it('keeps a message id on one line: a line break in it cannot add a line of smsops’ own under the post', () => {
    const forged = 'x\n\n*:rotating_light: SECURITY ALERT* log in at <https://evil.example|slack.com>\u2028_now_';
    const shown = strings(inboundSmsMessage(sms('hi', { wavixMessageId: forged }), delivered).blocks).join('\u0000');
    const line = shown.split('\u0000').find((s) => s.includes('SECURITY ALERT')) ?? '';
    expect(line).not.toMatch(/[\n\u2028]/);
    expect(line).not.toContain('*:rotating_light');
    expect(line).not.toContain('<https://');
    expect(code('a\n*b*\r`c`\u2029')).toBe("`a *b* 'c' `");
  });

  it('has a minimal form that names the numbers and where to read the text, nothing else', () => {
    const rendered = minimalSmsMessage(sms('<!channel> 😀 secret text'), 'msg_blocks_too_long', delivered);
    expect(rendered.blocks).toEqual([]);
    expect(rendered.text).toBe(
      'SMS from +44 7400 123456 to +1 415 555 0100: text could not be shown (Slack: msg_blocks_too_long), `/sms inbox +14155550100` lists it. PortSIP ✓',
    );
  });
});

describe('a coalesced post under a storm', () => {
  const longSms = (i: number) =>
    sms(`${i}: ${'Storm text with emoji 😀 and accents é. '.repeat(40)}`, {
      fromNumber: `4474001${10_000 + i}`,
      messageType: 'mms',
      media: [`https://media.wavix.com/${i}/a.jpg`, `https://media.wavix.com/${i}/b.jpg`],
    });

  it('titles a post that holds one SMS in the singular, not as a group', () => {
    const { message, shown } = inboundBatchMessage([{ message: longSms(1), portsip: delivered }]);
    expect(shown).toBe(1);
    expect(message.text).toBe('1 inbound message');
    expect(strings(message.blocks[0])).toContain(':incoming_envelope: *1 inbound message*');
  });

  for (const count of [20, 33, 45]) {
    it(`spreads ${count} long SMS over posts that Slack accepts, each message in exactly one`, () => {
      const all = Array.from({ length: count }, (_, i) => longSms(i));
      let rest = all.map((message) => ({ message, portsip: delivered }));
      const posts: SlackMessage[] = [];
      while (rest.length > 0) {
        const { message, shown } = inboundBatchMessage(rest);
        expect(shown).toBeGreaterThan(0);
        posts.push(message);
        // The same messages in their worst state still fit: an update never outgrows the post.
        const worst = inboundBatchMessage(
          rest.slice(0, shown).map((r) => ({ message: r.message, portsip: { kind: 'dead', reason: '☠'.repeat(500) } as const })),
        );
        expect(worst.shown).toBe(shown);
        expect(blockLimitError(worst.message.blocks)).toBeUndefined();
        rest = rest.slice(shown);
      }
      expect(posts.length).toBeGreaterThan(1);
      for (const post of posts) {
        expect(blockTextLength(post.blocks)).toBeLessThan(12_000);
        expect(post.blocks.length).toBeLessThanOrEqual(50);
        expect(blockLimitError(post.blocks)).toBeUndefined();
        encodesLikeTheSlackClient(post);
      }
      const text = posts.map((p) => strings(p.blocks).join('\n')).join('\n');
      for (let i = 0; i < count; i++) expect(text.split(`\n${i}: Storm`).length - 1).toBe(1);
    });
  }

  it('says under its title that a reply in its thread is not sent, and where to answer instead', () => {
    const { message } = inboundBatchMessage([
      { message: sms('first'), portsip: delivered },
      { message: { ...sms('second'), fromNumber: '447400123999' }, portsip: delivered },
    ]);
    expect(message.blocks[1]).toEqual({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: ":speech_balloon: A reply in this post's thread is not sent as an SMS: the post groups SMS that arrived at once and is no conversation's thread. To answer, press *Answer* beside the customer's SMS (it starts their conversation thread, or points to it) and reply in that thread.",
        },
      ],
    });
  });

  it('keeps 60 short SMS under 50 blocks, and shows each one’s PortSIP state compactly', () => {
    const items = Array.from({ length: 60 }, (_, i) => ({
      message: sms(`short ${i}`),
      portsip: (i % 2 ? delivered : { kind: 'retrying', error: 'HTTP 503', attempts: 2, nextAt: 0 }) as PortsipState,
    }));
    const { message, shown } = inboundBatchMessage(items);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    // The title and the hint, then each message as its line and its literal text: two blocks.
    expect(shown).toBe((message.blocks.length - 2) / 2);
    const text = strings(message.blocks).join('\n');
    // Each SMS's header carries its Answer button (its text, action id and the message's id) before the text.
    expect(text).toMatch(/PortSIP ✓\nbutton\nplain_text\nAnswer\n[\s\S]{0,60}\nrich_text\n[\s\S]{0,40}\nshort 1\n/);
    expect(text).toMatch(
      /PortSIP retrying \(HTTP 503, attempt 2\)\nbutton\nplain_text\nAnswer\n[\s\S]{0,60}\nrich_text\n[\s\S]{0,40}\nshort 0\n/,
    );
    expect(text).toContain(`*${shown} inbound messages*`);
  });

  it("labels Wavix's received_at and smsops' ingest time when they differ by more than a minute; one time otherwise", () => {
    const ingestedAt = Date.UTC(2026, 10, 25, 22, 38);
    const late = sms('hi', { receivedAt: ingestedAt - 3_600_000, ingestedAt });
    const post = strings(inboundSmsMessage(late, delivered).blocks).join('\n');
    expect(post).toContain(
      `received by Wavix <!date^${(ingestedAt - 3_600_000) / 1000}^{date_short_pretty} {time}|2026-11-25 21:38 UTC> · by smsops <!date^${ingestedAt / 1000}^{date_short_pretty} {time}|2026-11-25 22:38 UTC>`,
    );
    const grouped = strings(inboundBatchMessage([{ message: late, portsip: delivered }]).message.blocks).join('\n');
    expect(grouped).toContain('received by Wavix');
    const onTime = strings(inboundSmsMessage(sms('hi', { receivedAt: ingestedAt - 20_000, ingestedAt }), delivered).blocks).join(
      '\n',
    );
    expect(onTime).not.toContain('received by');
    expect(onTime).toContain('|2026-11-25 22:37 UTC>');
  });
});
