import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMOJI, plainTextShown } from '../../src/sandbox/console/emoji.js';
import { renderMrkdwn } from '../../src/sandbox/console/mrkdwn.js';

const src = join(import.meta.dirname, '..', '..', 'src');
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );

describe('emoji shortcodes in the sandbox console', () => {
  it('knows every shortcode smsops writes in Slack messages', () => {
    const used = new Set<string>();
    for (const file of ['slack', 'core', 'jobs'].flatMap((dir) => sources(join(src, dir)))) {
      for (const [, name] of readFileSync(file, 'utf8').matchAll(/:([a-z]+(?:_[a-z]+)*):/g)) used.add(name ?? '');
    }
    // Not emoji: a Slack OAuth scope (`files:read:`…), an IPv6 prefix (`::ffff:`), OpenSSL's own error text quoted in
    // a comment (`80FC…:error:0A00042E:…`) and comments naming `:emoji:`, `:shortcode:` and `:name:` (what Slack's plain
    // text holds for an emoji a person typed).
    for (const notEmoji of ['read', 'ffff', 'error', 'emoji', 'shortcode', 'name']) used.delete(notEmoji);
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((name) => !(name in EMOJI))).toEqual([]);
  });

  it('renders shortcodes in mrkdwn and in plain_text, but keeps them as typed where plain_text says emoji: false', () => {
    expect(renderMrkdwn('Doctor :stethoscope: done :white_check_mark:')).toBe('Doctor 🩺 done ✅');
    expect(renderMrkdwn(':not_an_emoji_we_know:')).toBe(':not_an_emoji_we_know:');
    expect(plainTextShown({ type: 'plain_text', text: 'Run :stethoscope:' })).toBe('Run 🩺');
    expect(plainTextShown({ type: 'plain_text', text: 'Run :stethoscope:', emoji: true })).toBe('Run 🩺');
    expect(plainTextShown({ type: 'plain_text', text: '*notbold* :tada:', emoji: false })).toBe('*notbold* :tada:');
  });
});
