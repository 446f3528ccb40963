import { describe, expect, it } from 'vitest';
import { storedRouteProblems } from '../../src/core/portsipUrl.js';
import { sandboxStartupSummary, startupSummary } from '../../src/startupSummary.js';

const bare = {
  listeningUrl: 'http://0.0.0.0:3000',
  publicBaseUrl: undefined,
  inboundWebhookUrl: undefined,
  portsipWebhookUrl: undefined,
  portsipRouteCount: 0,
  slackMode: 'socket',
};

describe('startupSummary', () => {
  it('says what is missing and what that means for SMS', () => {
    const said = startupSummary(bare);
    expect(said.every((line) => line.level === 'info')).toBe(true);
    const lines = said.map((line) => line.msg);
    expect(lines[0]).toContain('http://localhost:3000');
    expect(lines[0]).toContain('PUBLIC_BASE_URL is not set, so Wavix cannot reach smsops: no inbound SMS');
    expect(lines).toContain(
      'no PortSIP route and no PORTSIP_WEBHOOK_URL: inbound SMS are stored and shown in Slack but not relayed to PortSIP (/sms route set adds one)',
    );
  });

  it('masks the secret in the webhook and PortSIP URLs', () => {
    const lines = startupSummary({
      ...bare,
      publicBaseUrl: 'https://smsops.example.com',
      inboundWebhookUrl: 'https://smsops.example.com/webhooks/wavix/inbound/s3cretS3cretS3cretS3cret',
      portsipWebhookUrl: 'https://pbx.example.com:8887/sms/Wavix/a558d635-66e0-4c64-9f1e-2b1c8f0d7e11',
      portsipRouteCount: 1,
      slackMode: 'http',
    })
      .map((line) => line.msg)
      .join('\n');
    expect(lines).not.toContain('s3cretS3cret');
    expect(lines).not.toContain('a558d635-66e0-4c64-9f1e-2b1c8f0d7e11');
    expect(lines).toContain('relaying inbound SMS to PortSIP: 1 PortSIP route, default https://pbx.example.com:8887/sms/Wavix/');
    expect(lines).toContain('Slack must reach https://smsops.example.com/slack/events');
  });

  it('names a stored `default` route as the default, before PORTSIP_WEBHOOK_URL (it said "no default")', () => {
    const route = 'https://pbx.example.com:8887/emc/route/0d3c9999-eeee-3333-4444-555566667777';
    const env = 'https://old.example.com/emc/env/0d3c1111-eeee-3333-4444-555566667777';
    const line = (facts: Partial<Parameters<typeof startupSummary>[0]>) =>
      startupSummary({ ...bare, ...facts }).find((l) => l.msg.includes('PortSIP'))?.msg;
    expect(line({ portsipRouteCount: 15, defaultRouteUrl: route })).toBe(
      'relaying inbound SMS to PortSIP: 15 PortSIP routes, default https://pbx.example.com:8887/emc/route/0d3c… (the `default` route)',
    );
    expect(line({ portsipRouteCount: 0, defaultRouteUrl: route, portsipWebhookUrl: env })).toBe(
      'relaying inbound SMS to PortSIP: 0 PortSIP routes, default https://pbx.example.com:8887/emc/route/0d3c… (the `default` route; PORTSIP_WEBHOOK_URL is not used while it exists)',
    );
    expect(line({ portsipRouteCount: 2, portsipWebhookUrl: env })).toBe(
      'relaying inbound SMS to PortSIP: 2 PortSIP routes, default https://old.example.com/emc/env/0d3c… (PORTSIP_WEBHOOK_URL)',
    );
  });

  it('cuts a password in PUBLIC_BASE_URL from the Request URL it names, keeping the path Slack must be given (it was logged in clear)', () => {
    const lines = startupSummary({
      ...bare,
      publicBaseUrl: 'http://hook:BasicPassw0rd99@smsops.example.com:8443/bot',
      slackMode: 'http',
    })
      .map((line) => line.msg)
      .join('\n');
    expect(lines).not.toContain('BasicPassw0rd99');
    expect(lines).not.toContain('hook:');
    expect(lines).toContain('Slack must reach http://…@smsops.example.com:8443/bot/slack/events');
  });

  it('names the path Slack must reach in HTTP mode without PUBLIC_BASE_URL, in words (it read "this server/slack/events")', () => {
    const lines = startupSummary({ ...bare, slackMode: 'http' }).map((line) => line.msg);
    expect(lines).toContain(
      'Slack: HTTP mode: Slack must reach /slack/events on this server from the internet (its Request URL: the public address of smsops followed by /slack/events)',
    );
    expect(lines.join('\n')).not.toContain('server/slack');
  });
});

describe('startupSummary: stored routes whose URL cannot be right', () => {
  const uuid = '0d3c1111-2222-3333-4444-555566667777';
  const route = (n: number, url: string) => ({ number: `+1415555010${n}`, portsipUrl: url });

  it('names at most five, counts the rest, and says why in the words of the check', () => {
    const routes = [
      route(0, `https://pbx.example.com/emc/Wavix/${uuid}#inbox`),
      route(1, `https://pbx.example.com/emc/Wavix/${uuid}`),
      route(2, `https://pbx.example.com/emc/Wavix/${uuid} #sms-a`),
      ...[3, 4, 5, 6, 7, 8].map((n) => route(n, `https://pbx.example.com/emc/Wavix/${uuid} #sms-${n}`)),
      { number: 'default', portsipUrl: null },
    ];
    const lines = startupSummary({ ...bare, portsipRouteCount: routes.length, routeProblems: storedRouteProblems(routes) });
    const warnings = lines.filter((line) => line.level === 'warn').map((line) => line.msg);
    expect(warnings).toHaveLength(6);
    expect(warnings[0]).toBe(
      'PortSIP route +1 415 555 0100 → https://pbx.example.com/emc/Wavix/0d3c…#… cannot be right: it contains `#`: what follows `#` is a fragment, which is never sent to PortSIP. To name a channel, put a space before `#channel`. It was saved before smsops checked this: set the route again with `/sms route set`.',
    );
    expect(warnings[1]).toContain(
      'PortSIP route +1 415 555 0102 → https://pbx.example.com/emc/Wavix/0d3c…#… cannot be right: it ends with ` #…`',
    );
    expect(warnings[5]).toBe('3 more PortSIP routes cannot be right: /sms route list and /sms doctor name them');
    expect(JSON.stringify(lines)).not.toContain('1111-2222');
  });
});

describe('sandboxStartupSummary', () => {
  const facts = {
    consoleUrl: 'http://localhost:3000/sandbox',
    databasePath: './data/sandbox.db',
    reason: 'unconfigured' as const,
    portsipSink: { url: 'http://127.0.0.1:41234', port: 'kept' as const },
  };

  it('says first which URL to open, what runs and what is missing', () => {
    const lines = sandboxStartupSummary(facts).map((line) => line.msg);
    expect(lines[0]).toBe('sandbox running: open http://localhost:3000/sandbox in a browser');
    expect(lines.join('\n')).toContain('nothing reaches Slack, Wavix or PortSIP');
    expect(lines.join('\n')).toContain('no Slack, Wavix or PortSIP credentials: copy .env.example to .env');
    expect(lines.join('\n')).toContain('PortSIP stand-in at http://127.0.0.1:41234 (same port as last run');
  });

  it('says when the PortSIP stand-in could not keep its port', () => {
    const lines = sandboxStartupSummary({
      ...facts,
      reason: 'asked',
      portsipSink: { url: 'http://127.0.0.1:5', port: { busy: 41234 } },
    }).map((line) => line.msg);
    expect(lines.join('\n')).toContain('port 41234 of the last run was busy');
    expect(lines.join('\n')).toContain('SMSOPS_SANDBOX=1 asked for the sandbox');
  });
});
