import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REQUIRED_BOT_SCOPES } from '../../src/core/slackScopes.js';
import { HELP_TOPICS } from '../../src/slack/ui/help.js';

const manifest = parse(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8'));

describe('manifest.yml', () => {
  it('installs /sms, interactivity and the App Home event at the one endpoint smsops serves', () => {
    const [command] = manifest.features.slash_commands;
    expect(command).toMatchObject({ command: '/sms', should_escape: true });
    const urls = [command.url, manifest.settings.interactivity.request_url, manifest.settings.event_subscriptions.request_url];
    for (const url of urls) expect(new URL(url).pathname).toBe('/slack/events');
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual([
      'app_home_opened',
      'message.channels',
      'message.groups',
      // a channel where SMS are posted shared with another organisation is said at once
      'channel_shared',
      // an uninstall or a revoked bot token is said at once, not at the next auth.test or refused post
      'app_uninstalled',
      'tokens_revoked',
    ]);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
  });

  it('asks the same endpoint for external_select options (the numeric Sender ID’s number search)', () => {
    expect(new URL(manifest.settings.interactivity.message_menu_options_url).pathname).toBe('/slack/events');
  });

  it('has as many URLs to replace as the README and its own first comment say', () => {
    const text = readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const urls = text.split('\n').filter((line) => !line.startsWith('#') && line.includes('smsops.example.com')).length;
    const words = ['one', 'two', 'three', 'four', 'five', 'six'];
    const said = (where: string) => words.indexOf(/\((\w+) places/.exec(where)?.[1] ?? '') + 1;
    expect(urls).toBe(4);
    expect(said(text)).toBe(urls);
    expect(said(readme)).toBe(urls);
  });

  it('asks only for the scopes smsops uses', () => {
    expect(manifest.oauth_config.scopes.bot).toEqual([
      'commands',
      'chat:write',
      'files:write',
      'channels:read',
      'groups:read',
      'users:read',
      'channels:history',
      'groups:history',
    ]);
    expect(manifest.oauth_config.scopes.user).toBeUndefined();
    // `/sms doctor` checks the bot token against the same list, each with what stops working without it.
    expect(Object.keys(REQUIRED_BOT_SCOPES)).toEqual(manifest.oauth_config.scopes.bot);
  });

  it('hints only at commands that exist', () => {
    const hinted: string[] = manifest.features.slash_commands[0].usage_hint.split('|').map((s: string) => s.trim());
    const documented = Object.values(HELP_TOPICS)
      .flat()
      .map(([example]) => example);
    for (const hint of hinted) {
      if (hint === 'help') continue;
      expect(documented.some((example) => example.startsWith(`/sms ${hint}`))).toBe(true);
    }
    expect(manifest.features.slash_commands[0].usage_hint.length).toBeLessThanOrEqual(100);
  });
});
