import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * Each Slack Web API method smsops calls, with the bot scopes it needs (Slack's method pages). A method called in src
 * but missing here fails the test: add it with its scopes, and the scope to manifest.yml, README's "Install the Slack
 * app" and src/core/slackScopes.ts, or every install lacks it (conversations.members for the traffic chart once went in
 * with no word in the manifest's comments).
 */
const METHOD_SCOPES: Record<string, readonly string[]> = {
  'auth.test': [],
  'chat.postMessage': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.delete': ['chat:write'],
  'conversations.info': ['channels:read', 'groups:read'],
  'conversations.list': ['channels:read', 'groups:read'],
  'conversations.members': ['channels:read', 'groups:read'],
  'users.conversations': ['channels:read', 'groups:read'],
  'users.info': ['users:read'],
  'views.open': [],
  'views.update': [],
  'views.push': [],
  'views.publish': [],
  'files.uploadV2': ['files:write'],
};

const root = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'sandbox' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** `client.chat.postMessage(`, `deps.homeSlack.views.publish(`, `charts.slack.files.uploadV2(`: a Bolt WebClient call. */
const CALL =
  /\b(?:client|[sS]lack)\.(auth|chat|conversations|users|views|files|reactions|pins|bookmarks|usergroups|team|emoji|bots|apps)\.(\w+)\(/g;

describe('manifest.yml scopes', () => {
  it('cover every Slack Web API method src calls', () => {
    const called = new Map<string, string>();
    for (const file of sourceFiles(join(root, 'src')))
      for (const match of readFileSync(file, 'utf8').matchAll(CALL)) called.set(`${match[1]}.${match[2]}`, relative(root, file));
    expect([...called.keys()]).toContain('conversations.members');
    const unknown = [...called].filter(([method]) => !(method in METHOD_SCOPES)).map(([method, file]) => `${method} (${file})`);
    expect(unknown).toEqual([]);
    const manifest = parse(readFileSync(join(root, 'manifest.yml'), 'utf8'));
    const granted = new Set<string>(manifest.oauth_config.scopes.bot);
    const lacking = [...called.keys()].flatMap((method) =>
      (METHOD_SCOPES[method] ?? []).filter((scope) => !granted.has(scope)).map((scope) => `${method} needs ${scope}`),
    );
    expect(lacking).toEqual([]);
  });
});
