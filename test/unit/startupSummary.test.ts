import { describe, expect, it } from 'vitest';
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
    const lines = startupSummary(bare);
    expect(lines.every((line) => line.startsWith('smsops: '))).toBe(true);
    expect(lines[0]).toContain('http://localhost:3000');
    expect(lines[0]).toContain('PUBLIC_BASE_URL is not set, so Wavix cannot reach smsops: no inbound SMS');
    expect(lines).toContain(
      'smsops: no PortSIP route and no PORTSIP_WEBHOOK_URL: inbound SMS are stored and shown in Slack but not relayed to PortSIP (/sms route set adds one)',
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
    }).join('\n');
    expect(lines).not.toContain('s3cretS3cret');
    expect(lines).not.toContain('a558d635-66e0-4c64-9f1e-2b1c8f0d7e11');
    expect(lines).toContain('relaying inbound SMS to PortSIP: 1 PortSIP route, default https://pbx.example.com:8887/sms/Wavix/');
    expect(lines).toContain('Slack must reach https://smsops.example.com/slack/events');
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
    const lines = sandboxStartupSummary(facts);
    expect(lines[0]).toBe('smsops: sandbox running: open http://localhost:3000/sandbox in a browser');
    expect(lines.join('\n')).toContain('nothing reaches Slack, Wavix or PortSIP');
    expect(lines.join('\n')).toContain('no Slack, Wavix or PortSIP credentials: copy .env.example to .env');
    expect(lines.join('\n')).toContain('PortSIP stand-in at http://127.0.0.1:41234 (same port as last run');
  });

  it('says when the PortSIP stand-in could not keep its port', () => {
    const lines = sandboxStartupSummary({
      ...facts,
      reason: 'asked',
      portsipSink: { url: 'http://127.0.0.1:5', port: { busy: 41234 } },
    });
    expect(lines.join('\n')).toContain('port 41234 of the last run was busy');
    expect(lines.join('\n')).toContain('SMSOPS_SANDBOX=1 asked for the sandbox');
  });
});
