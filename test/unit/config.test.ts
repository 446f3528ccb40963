import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, configWarnings, parseConfig, readEnvironment } from '../../src/config.js';
import { defaultMaxConnections } from '../../src/http/limitsConfig.js';
import { isSandboxMode, parseSandboxConfig } from '../../src/sandbox/mode.js';

const valid = {
  SLACK_BOT_TOKEN: 'xoxb-1111-2222-abcdef',
  SLACK_SIGNING_SECRET: 'signing-secret-value',
  SLACK_ALERT_CHANNEL: 'C0123456789',
  WAVIX_API_KEY: 'wavix-key-0123456789',
};

function problemsOf(env: Record<string, string | undefined>): readonly string[] {
  const result = parseConfig(env);
  if (result.ok) throw new Error('expected a configuration error');
  return result.error.problems;
}

describe('HTTP limits', () => {
  it('caps connections at three quarters of the descriptor limit (at most 4,096), and reads HTTP_* overrides', () => {
    expect(defaultMaxConnections(256)).toBe(192);
    expect(defaultMaxConnections(1024)).toBe(768);
    expect(defaultMaxConnections(1_048_576)).toBe(4096);
    const result = parseConfig({
      ...valid,
      HTTP_MAX_CONNECTIONS: '100',
      HTTP_HEADERS_TIMEOUT_MS: '2000',
      HTTP_SHUTDOWN_GRACE_MS: '0',
    });
    expect(result.ok && result.value.http.limits).toMatchObject({
      maxConnections: 100,
      headersTimeoutMs: 2000,
      shutdownGraceMs: 0,
    });
  });

  it('refuses a headers timeout longer than the request timeout, and a connection cap below 8', () => {
    expect(problemsOf({ ...valid, HTTP_HEADERS_TIMEOUT_MS: '60000', HTTP_REQUEST_TIMEOUT_MS: '30000' }).join('\n')).toContain(
      'HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS',
    );
    expect(problemsOf({ ...valid, HTTP_MAX_CONNECTIONS: '2' }).join('\n')).toContain('HTTP_MAX_CONNECTIONS');
  });
});

describe('parseConfig', () => {
  it('applies the documented defaults to a minimal valid environment', () => {
    const result = parseConfig(valid);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const config = result.value;
    expect(config.slack.apiUrl).toBe('https://slack.com/api/');
    expect(config.slack.inboxChannel).toBe('C0123456789');
    expect(config.slack.adminUsers).toEqual([]);
    expect(config.wavix.apiUrl).toBe('https://api.wavix.com');
    expect(config.http).toMatchObject({ port: 3000, host: '0.0.0.0' });
    expect(config.http.limits).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 65_000,
      maxConnections: defaultMaxConnections(),
      shutdownGraceMs: 10_000,
    });
    expect(config.databasePath).toBe('./data/smsops.db');
    expect(config.schedules).toEqual({
      senderIdPoll: '*/10 * * * *',
      trafficWatch: '*/5 * * * *',
      digest: '0 8 * * *',
      retention: '30 3 * * *',
      optOutSync: '*/15 * * * *',
      timezone: 'UTC',
    });
    expect(config.logLevel).toBe('info');
    expect(config.portsipWebhookUrl).toBeUndefined();
  });

  it('takes WAVIX_API_URL pasted with the /v1 of Wavix’s documented calls as the base it is (each call adds /v1)', () => {
    for (const pasted of ['https://api.wavix.com/v1', 'https://api.wavix.com/v1/', 'https://api.wavix.com/V1//']) {
      const result = parseConfig({ ...valid, WAVIX_API_URL: pasted });
      expect(result.ok && result.value.wavix.apiUrl, pasted).toBe('https://api.wavix.com');
    }
    // A proxy's own path stays; only the version goes.
    const proxied = parseConfig({ ...valid, WAVIX_API_URL: 'https://proxy.example.com/wavix/v1' });
    expect(proxied.ok && proxied.value.wavix.apiUrl).toBe('https://proxy.example.com/wavix');
  });

  it('reads DATABASE_SYNCHRONOUS as normal (the default) or full, in any case, and explains anything else', () => {
    const read = (value?: string) => {
      const result = parseConfig({ ...valid, DATABASE_SYNCHRONOUS: value });
      return result.ok ? result.value.databaseSynchronous : undefined;
    };
    expect(read()).toBe('normal');
    expect(read('')).toBe('normal');
    expect(read(' FULL ')).toBe('full');
    expect(problemsOf({ ...valid, DATABASE_SYNCHRONOUS: 'extra' })).toEqual([
      expect.stringMatching(/^DATABASE_SYNCHRONOUS .*normal, full/),
    ]);
  });

  it('names every missing required variable in one error', () => {
    const problems = problemsOf({});
    const named = problems.map((p) => p.split(' ')[0]);
    expect(named).toEqual(
      expect.arrayContaining(['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_ALERT_CHANNEL', 'WAVIX_API_KEY']),
    );
    expect(problems.find((p) => p.startsWith('SLACK_SIGNING_SECRET'))).toMatch(/SLACK_APP_TOKEN/);
  });

  it('explains each invalid value', () => {
    const problems = problemsOf({
      ...valid,
      SLACK_BOT_TOKEN: 'xoxp-user-token',
      SLACK_ALERT_CHANNEL: '#alerts',
      SLACK_ADMIN_USERS: 'U0123456789, bob',
      PORT: 'eighty',
      PUBLIC_BASE_URL: 'smsops.example.com',
      SENDER_ID_POLL_CRON: 'every ten minutes',
      SCHEDULE_TIMEZONE: 'Mars/Olympus',
      LOG_LEVEL: 'verbose',
    });
    const byName = Object.fromEntries(problems.map((p) => [p.split(' ')[0], p]));
    expect(byName.SLACK_BOT_TOKEN).toMatch(/xoxb-/);
    expect(byName.SLACK_ALERT_CHANNEL).toMatch(/channel ID/);
    expect(byName.SLACK_ADMIN_USERS).toMatch(/user IDs/);
    expect(byName.PORT).toBeDefined();
    expect(byName.PUBLIC_BASE_URL).toMatch(/http/);
    expect(byName.SENDER_ID_POLL_CRON).toMatch(/cron/);
    expect(byName.SCHEDULE_TIMEZONE).toMatch(/IANA time zone/);
    expect(byName.LOG_LEVEL).toMatch(/debug, info/);
    expect(problems).toHaveLength(8);
  });

  it('names the token pasted in SLACK_BOT_TOKEN instead of the bot token, and where the bot token is', () => {
    const said = (token: string) => problemsOf({ ...valid, SLACK_BOT_TOKEN: token }).find((p) => p.startsWith('SLACK_BOT_TOKEN'));
    expect(said('xoxp-1-2-userTokenValue')).toBe(
      'SLACK_BOT_TOKEN is a user token (xoxp-…), which acts as the person who installed the app: copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions',
    );
    expect(said('xapp-1-A1-appTokenValue')).toMatch(
      /^SLACK_BOT_TOKEN is an app-level token \(xapp-…\), which belongs in SLACK_APP_TOKEN/,
    );
    expect(said('8f14e45fceea167a5a36dedd4bea2543')).toMatch(
      /^SLACK_BOT_TOKEN must start with xoxb-: copy the Bot User OAuth Token/,
    );
    // Never the token itself.
    expect([said('xoxp-1-2-userTokenValue'), said('xapp-1-A1-appTokenValue')].join(' ')).not.toMatch(/TokenValue/);
  });

  it('takes the PortSIP API only whole: a URL without its user and password is explained', () => {
    const partial = problemsOf({ ...valid, PORTSIP_API_URL: 'https://pbx.example.com:8887' });
    expect(partial).toEqual([expect.stringContaining('PORTSIP_API_USER and PORTSIP_API_PASSWORD missing')]);
    const whole = parseConfig({
      ...valid,
      PORTSIP_API_URL: 'https://pbx.example.com:8887',
      PORTSIP_API_USER: 'admin',
      PORTSIP_API_PASSWORD: 'pbx-password-123',
    });
    expect(whole.ok && whole.value.portsipApi).toEqual({
      url: 'https://pbx.example.com:8887',
      username: 'admin',
      password: 'pbx-password-123',
      domain: undefined,
    });
  });

  it('never echoes a secret value in its messages', () => {
    const result = parseConfig({ ...valid, SLACK_BOT_TOKEN: 'not-a-bot-token-SECRET123', WAVIX_API_KEY: 'k3y!' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.message).not.toContain('SECRET123');
    expect(result.error.message).not.toContain('k3y!');
  });

  it('cuts the spaces and line breaks around a token or secret, and refuses one inside, naming the variable only', () => {
    const result = parseConfig({
      ...valid,
      SLACK_SIGNING_SECRET: 'signing-secret-value\n',
      WAVIX_API_KEY: ' wavix-key-0123456789 ',
    });
    expect(result.ok && result.value.slack.signingSecret).toBe('signing-secret-value');
    expect(result.ok && result.value.wavix.apiKey).toBe('wavix-key-0123456789');
    const problems = problemsOf({ ...valid, SLACK_SIGNING_SECRET: 'signing-SECRET 42', SLACK_BOT_TOKEN: 'xoxb-1\nxoxb-2' });
    expect(problems).toEqual([
      'SLACK_BOT_TOKEN holds a space or line break inside: copy it again whole',
      'SLACK_SIGNING_SECRET holds a space or line break inside: copy it again whole',
    ]);
  });

  it('accepts Socket Mode without a signing secret', () => {
    const { SLACK_SIGNING_SECRET: _, ...rest } = valid;
    const result = parseConfig({ ...rest, SLACK_APP_TOKEN: 'xapp-1-A1-abc' });
    expect(result.ok).toBe(true);
  });

  it('keeps a PortSIP webhook URL exactly as copied, spaces included', () => {
    const url = 'https://pbx.example.com:8887/sms/Wavix - Asia/a558d635-66e0-4c64-9f1e-2b1c8f0d7e11';
    const result = parseConfig({ ...valid, PORTSIP_WEBHOOK_URL: url, SLACK_ADMIN_USERS: 'U0123456789,W0123456789' });
    expect(result.ok && result.value.portsipWebhookUrl).toBe(url);
    expect(result.ok && result.value.slack.adminUsers).toEqual(['U0123456789', 'W0123456789']);
  });

  it('refuses a PORTSIP_WEBHOOK_URL that is smsops’ own webhook or listener, in words, without the secret', () => {
    const secret = 'whsec_0123456789abcdefghijklmn';
    const own = { ...valid, PUBLIC_BASE_URL: 'https://smsops.example.com', WEBHOOK_SECRET: secret, PORT: '3000' };
    for (const url of [
      `https://smsops.example.com/webhooks/wavix/inbound/${secret}`,
      `http://10.0.0.5:3000/webhooks/wavix/inbound/${secret}`,
      'https://smsops.example.com/webhooks/wavix/inbound/a558d635-66e0-4c64-9f1e-2b1c8f0d7e11',
      'http://localhost:3000/emc/Wavix/a558d635-66e0-4c64-9f1e-2b1c8f0d7e11',
      'http://127.0.0.1:3000/emc/Wavix/a558d635-66e0-4c64-9f1e-2b1c8f0d7e11',
    ]) {
      const problems = problemsOf({ ...own, PORTSIP_WEBHOOK_URL: url });
      expect(problems, url).toEqual([
        expect.stringMatching(
          /^PORTSIP_WEBHOOK_URL is refused: smsops does not send to ".*": it is smsops’ own (webhook|listener)/,
        ),
      ]);
      expect(problems.join(' '), url).toContain('none would reach PortSIP');
      expect(problems.join(' '), url).not.toContain(secret);
    }
    // PortSIP on this host, on its own port, or on a host that is not smsops' own.
    for (const url of ['http://127.0.0.1:8887/emc/Wavix/a558d635', 'https://pbx.example.com/webhooks/wavix/inbound/x1']) {
      expect(parseConfig({ ...own, PORTSIP_WEBHOOK_URL: url }).ok, url).toBe(true);
    }
  });

  it('treats empty variables as unset, so a copied .env.example starts with defaults', () => {
    const result = parseConfig({ ...valid, PORT: '', SLACK_INBOX_CHANNEL: '', PORTSIP_WEBHOOK_URL: '' });
    expect(result.ok && result.value.http.port).toBe(3000);
    expect(result.ok && result.value.portsipWebhookUrl).toBeUndefined();
  });
});

describe('configuration words', () => {
  it('says what a number variable must be and what it got, naming the variable', () => {
    expect(problemsOf({ ...valid, PORT: 'abc' })).toEqual([
      expect.stringContaining('PORT must be a whole number between 1 and 65535'),
    ]);
    expect(problemsOf({ ...valid, PORT: 'abc' })[0]).toContain('(got "abc")');
    expect(problemsOf({ ...valid, RELAY_CONCURRENCY: '0' })).toEqual([
      'RELAY_CONCURRENCY must be a whole number between 1 and 256 (got "0")',
    ]);
    expect(problemsOf({ ...valid, RELAY_DEAD_AFTER_HOURS: '-1' })).toEqual([
      'RELAY_DEAD_AFTER_HOURS must be a number above 0 and at most 720 (got "-1")',
    ]);
    expect(problemsOf({ ...valid, HTTP_MAX_CONNECTIONS: '2.5' })).toEqual([
      'HTTP_MAX_CONNECTIONS must be a whole number between 8 and 1000000 (got "2.5")',
    ]);
    expect(problemsOf({ ...valid, RETENTION_DAYS: '3' })[0]).toMatch(/^RETENTION_DAYS must be 0 \(keep all\).*\(got "3"\)$/);
  });

  it('takes HOST trimmed, as an IPv4 or IPv6 address or a host name, and refuses anything else naming HOST', () => {
    const hostOf = (HOST: string) => {
      const result = parseConfig({ ...valid, HOST });
      return result.ok ? result.value.http.host : undefined;
    };
    expect(hostOf(' 127.0.0.1')).toBe('127.0.0.1');
    expect(hostOf('0.0.0.0 ')).toBe('0.0.0.0');
    expect(hostOf('::')).toBe('::');
    expect(hostOf('[::1]')).toBe('::1');
    expect(hostOf('localhost')).toBe('localhost');
    expect(hostOf('smsops.internal')).toBe('smsops.internal');
    for (const bad of ['not a host', '999.1.1.1', 'http://127.0.0.1', '127.0.0.1:3000'])
      expect(problemsOf({ ...valid, HOST: bad })).toEqual([
        `HOST must be an IP address (0.0.0.0 for every interface, 127.0.0.1, ::) or a host name like localhost (got ${JSON.stringify(bad)})`,
      ]);
    // The sandbox's own host variable reads the same.
    const sandbox = parseSandboxConfig({ SMSOPS_SANDBOX_HOST: '999.1.1.1' });
    expect(sandbox.ok ? [] : sandbox.error.problems.join('\n')).toContain('SMSOPS_SANDBOX_HOST must be an IP address');
  });

  it('still takes the values that were allowed: PORT 0, fractions of hours, 0 days', () => {
    const result = parseConfig({
      ...valid,
      PORT: '0',
      RELAY_DEAD_AFTER_HOURS: '0.5',
      RETENTION_DAYS: '0',
      RELAY_CONCURRENCY: ' 16 ',
    });
    expect(result.ok && result.value.http.port).toBe(0);
    expect(result.ok && result.value.relay.deadAfterMs).toBe(1_800_000);
    expect(result.ok && result.value.retention.days).toBe(0);
    expect(result.ok && result.value.relay.concurrency).toBe(16);
  });

  it('takes an empty required variable as unset, as .env.example says, and says it is required', () => {
    expect(problemsOf({ ...valid, WAVIX_API_KEY: '' })).toEqual([
      expect.stringMatching(/^WAVIX_API_KEY is required \(create one in the Wavix portal.*empty value counts as unset\)$/),
    ]);
    expect(problemsOf({ ...valid, SLACK_BOT_TOKEN: '  ' })).toEqual([expect.stringMatching(/^SLACK_BOT_TOKEN is required/)]);
  });

  it('warns of a variable one or two letters from one of ours, and of nothing else', () => {
    expect(
      configWarnings({
        SLACK_BOT_TOKN: 'x',
        RELAY_CONCURENCY: '4',
        PATH: '/bin',
        HTTP_PROXY: 'x',
        SLACK_API_URL: 'x',
        XDG_A: '',
      }),
    ).toEqual([
      'RELAY_CONCURENCY is not a smsops setting; did you mean RELAY_CONCURRENCY?',
      'SLACK_BOT_TOKN is not a smsops setting; did you mean SLACK_BOT_TOKEN?',
    ]);
    expect(configWarnings({ SMSOPS_SANDBOX: '1', SMSOPS_SANDBOX_PORT: '0', SLACK_SOMETHING_ELSE: 'x' })).toEqual([]);
  });

  it('warns of a TZ smsops does not read, and of an Etc/GMT zone whose sign is the opposite of what it reads as', () => {
    // A container given TZ=Europe/London kept its digest and threads in UTC without a word.
    expect(configWarnings({ TZ: 'Europe/London' })).toEqual([
      expect.stringMatching(/^TZ=Europe\/London is set, but .* they are in UTC/),
    ]);
    expect(configWarnings({ TZ: 'Europe/London', SCHEDULE_TIMEZONE: 'Europe/London' })).toEqual([]);
    expect(configWarnings({ TZ: 'UTC' })).toEqual([]);
    expect(configWarnings({ TZ: 'Europe/London' }, { sandbox: true })).toEqual([]);
    // Etc/GMT+3 is 3 hours behind UTC: a team at UTC+3 writing it had its 08:00 digest at 14:00.
    expect(configWarnings({ SCHEDULE_TIMEZONE: 'Etc/GMT+3' })).toEqual([
      expect.stringMatching(/^SCHEDULE_TIMEZONE=Etc\/GMT\+3 is UTC-03:00: .* For UTC\+03:00 write Etc\/GMT-3/),
    ]);
    expect(configWarnings({ SCHEDULE_TIMEZONE: 'Etc/GMT-14' })).toEqual([
      expect.stringMatching(/is UTC\+14:00: .* For UTC-14:00 write the team's city/),
    ]);
    expect(configWarnings({ SCHEDULE_TIMEZONE: 'Etc/GMT+0' })).toEqual([]);
    expect(configWarnings({ SCHEDULE_TIMEZONE: 'Asia/Kolkata' })).toEqual([]);
  });

  it('warns of a zone abbreviation, which reads as another place or skips daylight saving, and of GMT for a UK team', () => {
    // A London team writing BST had its 08:00 digest at 03:00 in summer: Node reads BST as Asia/Dhaka.
    expect(configWarnings({ SCHEDULE_TIMEZONE: 'BST' })).toEqual([
      expect.stringMatching(/^SCHEDULE_TIMEZONE=BST is an abbreviation, read here as UTC\+06:00 all year: .*Europe\/London/),
    ]);
    // A New York team writing EST stays at UTC-5 in summer: every local time an hour off from March to November.
    expect(configWarnings({ SCHEDULE_TIMEZONE: 'EST' })).toEqual([
      expect.stringMatching(/^SCHEDULE_TIMEZONE=EST is an abbreviation, read here as UTC-05:00 all year/),
    ]);
    expect(configWarnings({ SCHEDULE_TIMEZONE: 'GMT' })).toEqual([
      expect.stringMatching(/^SCHEDULE_TIMEZONE=GMT is UTC all year: it never moves to British Summer Time/),
    ]);
    for (const fine of ['UTC', 'Etc/UTC', 'EST5EDT', 'America/New_York', 'Europe/London']) {
      expect(configWarnings({ SCHEDULE_TIMEZONE: fine })).toEqual([]);
    }
  });

  it("does not call tzdb's country-named zones abbreviations: GB is Europe/London, Japan Asia/Tokyo", () => {
    // A UK team writing GB was told to write Europe/London, which is what GB already is (daylight saving included).
    for (const zone of ['GB', 'NZ', 'Japan', 'Eire', 'Egypt', 'Cuba', 'Iran', 'Libya', 'PRC', 'ROC', 'ROK']) {
      expect(configWarnings({ SCHEDULE_TIMEZONE: zone })).toEqual([]);
    }
  });
});

describe('on/off variables and PUBLIC_BASE_URL', () => {
  it('reads every on/off variable alike: 1/0, true/false, yes/no, on/off in any case, anything else refused in words', () => {
    for (const [value, on] of [
      ['1', true],
      ['TRUE', true],
      [' yes ', true],
      ['On', true],
      ['0', false],
      ['false', false],
      ['NO', false],
      ['off', false],
      ['', false],
    ] as const) {
      const result = parseConfig({ ...valid, SMS_MASK_CODES: value });
      expect(result.ok && result.value.relay.maskCodesInSlack, value).toBe(on);
      const sandbox = parseSandboxConfig({ SMSOPS_SANDBOX_REQUIRE_TOKEN: value });
      expect(sandbox.ok && sandbox.value.requireToken, value).toBe(on);
    }
    expect(isSandboxMode({ SMSOPS_SANDBOX: 'off' })).toBe(false);
    expect(isSandboxMode({ SMSOPS_SANDBOX: 'On' })).toBe(true);
    const words = 'must be 1, true, yes or on, or 0, false, no or off (got "maybe")';
    expect(problemsOf({ ...valid, SMS_MASK_CODES: 'maybe', SMSOPS_SANDBOX: 'maybe' })).toEqual([
      `SMS_MASK_CODES ${words}`,
      `SMSOPS_SANDBOX ${words}`,
    ]);
    const sandbox = parseSandboxConfig({ SMSOPS_SANDBOX_REQUIRE_TOKEN: 'maybe' });
    expect(sandbox.ok ? [] : sandbox.error.problems).toEqual([`SMSOPS_SANDBOX_REQUIRE_TOKEN ${words}`]);
  });

  it('refuses a PUBLIC_BASE_URL with a query or fragment, which would put the webhook secret after it', () => {
    for (const url of ['https://smsops.example.com/?a=1', 'https://smsops.example.com/#x'])
      expect(problemsOf({ ...valid, PUBLIC_BASE_URL: url })).toEqual([
        expect.stringMatching(/^PUBLIC_BASE_URL must not hold a query \(\?…\) or a fragment/),
      ]);
    const result = parseConfig({ ...valid, PUBLIC_BASE_URL: ' https://smsops.example.com/base/ ' });
    expect(result.ok && result.value.publicBaseUrl).toBe('https://smsops.example.com/base');
  });

  it('warns of a plain http:// PUBLIC_BASE_URL, and of one Wavix cannot reach (loopback, private) instead', () => {
    // The sandbox puts its own URL in PUBLIC_BASE_URL's place: a production value there is not its concern.
    expect(configWarnings({ PUBLIC_BASE_URL: 'http://127.0.0.1:3000' }, { sandbox: true })).toEqual([]);
    expect(configWarnings({ PUBLIC_BASE_URL: 'http://127.0.0.1:3000' })).toHaveLength(1);
    expect(configWarnings({ PUBLIC_BASE_URL: 'http://smsops.acme-pbx.net' })).toEqual([
      expect.stringMatching(/^PUBLIC_BASE_URL is plain http:\/\/: .*use an https:\/\/ address/),
    ]);
    expect(configWarnings({ PUBLIC_BASE_URL: 'https://smsops.acme-pbx.net', HOST: '0.0.0.0' })).toEqual([]);
    // The Slack Request URL or a webhook URL pasted as the base: Wavix would post to …/slack/events/webhooks/…, a 404.
    for (const [url, path] of [
      ['https://smsops.acme-pbx.net/slack/events', '/slack/events'],
      ['https://smsops.acme-pbx.net/bot/slack/events/', '/slack/events'],
      ['https://smsops.acme-pbx.net/webhooks/wavix/inbound/whsec_0123456789abcdefghijkl', '/webhooks/wavix/…'],
      ['https://smsops.acme-pbx.net/healthz', '/healthz'],
    ])
      expect(configWarnings({ PUBLIC_BASE_URL: url, HOST: '0.0.0.0' }), url).toEqual([
        `PUBLIC_BASE_URL ends in ${path}, a path smsops serves itself: it is the address smsops is reached at, without ${path} (smsops puts its webhook paths after it, so Wavix would post each SMS to …${path}/webhooks/wavix/…, where nothing answers); remove ${path} from PUBLIC_BASE_URL`,
      ]);
    expect(configWarnings({ PUBLIC_BASE_URL: 'https://acme-pbx.net/smsops/', HOST: '0.0.0.0' })).toEqual([]);
    // The README's own example, pasted as it is: Wavix would post every SMS to a name nothing answers at.
    for (const url of ['https://smsops.example.com', 'https://example.org/sms', 'https://sms.pbx.test'])
      expect(configWarnings({ PUBLIC_BASE_URL: url, HOST: '0.0.0.0' }), url).toEqual([
        expect.stringMatching(
          /^PUBLIC_BASE_URL's host [a-z.]+ is a name kept for examples .*nothing on the internet answers there/,
        ),
      ]);
    for (const [url, host] of [
      ['http://127.0.0.1:3000', 'a loopback address'],
      ['http://localhost:3000', 'a loopback name'],
      ['https://[::1]:3000', 'a loopback address'],
      ['https://10.1.2.3', 'a private address (10.0.0.0/8)'],
    ])
      expect(configWarnings({ PUBLIC_BASE_URL: url }), url).toEqual([
        `PUBLIC_BASE_URL's host is ${host}: Wavix calls this URL from the internet and cannot reach it; set PUBLIC_BASE_URL to the address where the internet reaches smsops (a Wavix on this host or network, such as its emulator, still reaches it)`,
      ]);
  });

  it('has every variable of the configuration in .env.example', () => {
    const example = readFileSync(join(import.meta.dirname, '..', '..', '.env.example'), 'utf8');
    const named = new Set([...example.matchAll(/^#?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    expect(CONFIG_VARIABLES.filter((name) => !named.has(name))).toEqual([]);
  });

  it("has every variable of the configuration in README's variable table", () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('| variable | meaning'));
    const rows = table.slice(0, table.search(/\n[^|]/));
    const named = new Set(
      [...rows.matchAll(/^\|([^|]*)\|/gm)].flatMap((m) => [...(m[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((n) => n[1])),
    );
    expect(CONFIG_VARIABLES.filter((name) => !named.has(name))).toEqual([]);
  });
});

describe('readEnvironment', () => {
  const envFile = (text: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'smsops-env-')), '.env');
    writeFileSync(file, text);
    return file;
  };

  it('reads .env underneath the real environment', () => {
    const file = envFile('PORT=4000\nHOST=127.0.0.1\n# comment\nLOG_LEVEL="debug"\n');
    const { env, problems } = readEnvironment({ PORT: '5000' }, file);
    expect(env).toMatchObject({ PORT: '5000', HOST: '127.0.0.1', LOG_LEVEL: 'debug' });
    expect(problems).toEqual([]);
  });

  it('works without a .env file', () => {
    expect(readEnvironment({ A: '1' }, '/nonexistent/.env')).toEqual({
      env: { A: '1' },
      problems: [],
      warnings: [],
      fileValues: {},
    });
  });

  it('keeps CRLF, export, quotes, comments after a space and the last of a repeated name', () => {
    const file = envFile(
      'export FOO=\r\nA=1\r\nA=2\r\nB = v w  \r\nC="q # x"\nD=\'s\'\nE=`b`\nF="l1\nl2"\nG="a\\nb"\nH=x # note\n  # indented comment\n\n',
    );
    const values = { FOO: '', A: '2', B: 'v w', C: 'q # x', D: 's', E: 'b', F: 'l1\nl2', G: 'a\nb', H: 'x' };
    expect(readEnvironment({}, file)).toEqual({ env: values, problems: [], warnings: [], fileValues: values });
  });

  it('reads a value that is only a comment as empty, as before: DATABASE_PATH= # default is not a file named "# default"', () => {
    const file = envFile(
      'DATABASE_PATH= # default ./data/smsops.db\nBACKUP_DIR=\t# off\nSLACK_ADMIN_USERS=  # all admins\nK=#x\n',
    );
    const values = { DATABASE_PATH: '', BACKUP_DIR: '', SLACK_ADMIN_USERS: '', K: '#x' };
    expect(readEnvironment({}, file)).toEqual({ env: values, problems: [], warnings: [], fileValues: values });
  });

  it('warns of a #word read as a comment after "= " (a channel by its name), unless the real environment sets it', () => {
    const file = envFile('SLACK_INBOX_CHANNEL= #sms-inbox\nWAVIX_API_KEY= #k3y\nSLACK_ALERT_CHANNEL=\t#ops\n');
    const { env, warnings } = readEnvironment({ SLACK_ALERT_CHANNEL: 'C0123456789' }, file);
    expect(env).toMatchObject({ SLACK_INBOX_CHANNEL: '', WAVIX_API_KEY: '', SLACK_ALERT_CHANNEL: 'C0123456789' });
    expect(warnings).toEqual([
      expect.stringMatching(/line 1: SLACK_INBOX_CHANNEL= #… is read as empty.*its ID, not its #name.*alert channel$/),
      expect.stringMatching(/line 2: WAVIX_API_KEY= #… is read as empty.*remove the space after = or quote the value$/),
    ]);
    // Never the text after the #: it may be a secret.
    expect(warnings.join(' ')).not.toMatch(/sms-inbox|k3y/);
  });

  it('says a name holding characters no variable name can is the problem, not the = sign', () => {
    const file = envFile('A.B=1\n1A=2\nOK=3\n');
    const { env, problems } = readEnvironment({}, file);
    expect(env).toEqual({ OK: '3' });
    expect(problems).toEqual([
      expect.stringMatching(/line 1 names a variable with characters a name cannot hold/),
      expect.stringMatching(/line 2 names a variable with characters a name cannot hold/),
    ]);
  });

  it('reads the first name of a file saved with a byte-order mark', () => {
    expect(readEnvironment({}, envFile('\uFEFFHOST=127.0.0.1\nPORT=4000\n')).env).toMatchObject({ HOST: '127.0.0.1' });
  });

  it('keeps a # inside an unquoted value, as Docker Compose does: a key, a PortSIP URL', () => {
    const url = 'https://pbx.example.com:8887/api/sms/Wavix#2 - US/0d3c5f7e-1111-2222-3333-444455556666';
    const { env } = readEnvironment({}, envFile(`WAVIX_API_KEY=wavixKey#2026abc\nPORTSIP_WEBHOOK_URL=${url}\n`));
    expect(env.WAVIX_API_KEY).toBe('wavixKey#2026abc');
    // Then refused by the rule every PortSIP URL follows, instead of posting to …/api/sms/Wavix.
    expect(problemsOf({ ...valid, ...env })).toEqual([expect.stringMatching(/^PORTSIP_WEBHOOK_URL .*#/)]);
    // A variable names no channel: the advice is the route's, not "put a space before #channel".
    expect(problemsOf({ ...valid, ...env }).join('')).toMatch(/Set the URL alone .*\/sms route set default <URL> #channel/);
  });

  it('names each line that is not NAME=value by file and number, never its content, and reads the others', () => {
    const file = envFile(
      'SLACK_ADMIN_USERS U0ADMIN01\nHOST=127.0.0.1\nWAVIX_API_KEY: key-SECRET-1\n<<<<<<< HEAD\nA="x"tail\nB="open\n',
    );
    const { env, problems } = readEnvironment({}, file);
    expect(env).toEqual({ HOST: '127.0.0.1' });
    expect(problems.map((p) => p.slice(0, p.indexOf(' ', file.length + 7)))).toEqual(
      [1, 3, 4, 5, 6].map((n) => `${file} line ${n}`),
    );
    expect(problems.join('\n')).not.toMatch(/U0ADMIN01|SECRET|HEAD|tail|dangling/);
  });

  it('says what to do with a .env that is a folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsops-env-'));
    mkdirSync(join(dir, '.env'));
    expect(readEnvironment({}, join(dir, '.env')).problems).toEqual([
      expect.stringMatching(new RegExp(`^${join(dir, '.env')} is a folder, not a file .*remove the folder and create the file`)),
    ]);
  });
});
