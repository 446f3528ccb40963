import { describe, expect, it } from 'vitest';
import { blockLimitError } from '../../src/sandbox/fakeSlackApi.js';
import { inboundBatchMessage, inboundSmsMessage, type PortsipState } from '../../src/slack/ui/inboundSms.js';
import { SMS_TEXT_PIECE_MAX, splitSmsText } from '../../src/slack/ui/smsText.js';
import type { SlackMessage } from '../../src/slack/ui/text.js';
import { inboundMessage } from '../helpers/inboundMessage.js';

const HOSTILE = '*notbold* _x_ ~y~ `code` :tada: <!channel> &amp; <http://x|y>';

const sms = (text: string) => inboundMessage(text);
const delivered: PortsipState = { kind: 'delivered', at: Date.UTC(2026, 10, 25, 12) };

/** The SMS text of a post: what its rich_text preformatted blocks hold, in order. */
function textPieces(message: SlackMessage): string[] {
  const pieces: string[] = [];
  for (const block of message.blocks) {
    if (block.type !== 'rich_text') continue;
    expect(block.elements).toHaveLength(1);
    for (const element of block.elements) {
      expect(element.type).toBe('rich_text_preformatted');
      if (element.type !== 'rich_text_preformatted') continue;
      for (const text of element.elements) {
        expect(text).toEqual({ type: 'text', text: expect.any(String) }); // no style: no bold, no code, no link
        if (text.type === 'text') pieces.push(text.text);
      }
    }
  }
  return pieces;
}

/** Every mrkdwn or plain_text string in the blocks (smsops' own words around the SMS text). */
function formattedStrings(message: SlackMessage): string[] {
  const out: string[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) for (const v of value) walk(v);
    else if (value && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      if ((o.type === 'mrkdwn' || o.type === 'plain_text') && typeof o.text === 'string') out.push(o.text);
      else for (const v of Object.values(o)) walk(v);
    }
  };
  walk(message.blocks);
  return out;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('SMS text in Slack is shown exactly as sent', () => {
  it('keeps mrkdwn characters, shortcodes, mentions, entities and link syntax literal, in the post and in a coalesced post', () => {
    const single = inboundSmsMessage(sms(HOSTILE), delivered);
    expect(textPieces(single)).toEqual([HOSTILE]);
    const { message: batch } = inboundBatchMessage([
      { message: sms(HOSTILE), portsip: delivered },
      { message: sms(`second ${HOSTILE}`), portsip: delivered },
    ]);
    expect(textPieces(batch)).toEqual([HOSTILE, `second ${HOSTILE}`]);
    for (const message of [single, batch]) {
      // The text is nowhere in a mrkdwn object, where Slack would format it, ping or link.
      for (const s of formattedStrings(message)) expect(s).not.toContain('notbold');
      // The notification text is escaped: no ping, no link.
      expect(message.text).not.toMatch(/<!channel>|<http/);
    }
    expect(single.text).toContain('&lt;!channel&gt; &amp;amp; &lt;http://x|y&gt;');
  });

  it('shows a 4,600-character SMS whole, in pieces under 3,000 whose concatenation is the text', () => {
    const text = Array.from({ length: 460 }, (_, i) => `${String(i).padStart(3, '0')} ${'😀é'.repeat(2)}\n`)
      .join('')
      .slice(0, 4_600);
    const message = inboundSmsMessage(sms(text), delivered);
    const pieces = textPieces(message);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe(text);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(SMS_TEXT_PIECE_MAX);
      expect(LONE_SURROGATE.test(piece)).toBe(false);
    }
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(blockLimitError(message.blocks)).toBeUndefined();
    expect(JSON.stringify(message.blocks)).not.toContain('not shown');
  });

  it('cuts at a line break or a space near the end of a piece, else between graphemes, never inside a surrogate pair', () => {
    const words = 'lorem ipsum dolor sit amet '.repeat(200);
    for (const piece of splitSmsText(words, 100).pieces.slice(0, -1)) expect(piece.endsWith(' ')).toBe(true);
    for (const cluster of ['😀', '👍🏽', '👨‍👩‍👧‍👦', '🇫🇷']) {
      for (let offset = 0; offset < 12; offset++) {
        const text = `${'a'.repeat(offset)}${cluster.repeat(400)}`;
        const { pieces, rest } = splitSmsText(text, 97);
        expect(rest).toBe('');
        expect(pieces.join('')).toBe(text);
        for (const piece of pieces) {
          expect(piece.length).toBeLessThanOrEqual(97);
          expect(
            piece
              .slice(offset > 0 && piece.startsWith('a') ? offset : 0)
              .split(cluster)
              .join(''),
          ).toBe('');
        }
      }
    }
    // One grapheme longer than a piece (a letter with 200 combining marks) is cut rather than refused.
    const zalgo = `x${'\u0301'.repeat(200)}`;
    expect(splitSmsText(zalgo, 97).pieces.join('')).toBe(zalgo);
  });

  it('keeps a coalesced post within 50 blocks and 12,000 characters, each text whole in exactly one post', () => {
    let rest = Array.from({ length: 30 }, (_, i) => ({
      message: sms(`${i}: ${'x'.repeat(1_000 + i * 37)}`),
      portsip: delivered,
    }));
    const seen: string[] = [];
    while (rest.length > 0) {
      const { message, shown } = inboundBatchMessage(rest);
      expect(shown).toBeGreaterThan(0);
      expect(blockLimitError(message.blocks)).toBeUndefined();
      seen.push(...textPieces(message));
      rest = rest.slice(shown);
    }
    expect(seen.join('|')).toBe(Array.from({ length: 30 }, (_, i) => `${i}: ${'x'.repeat(1_000 + i * 37)}`).join('|'));
  });
});
