import { webApi } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { boltLineWithoutBodies, toBoltLogger } from '../../src/slack/boltLogger.js';
import { startFakeSlack } from '../helpers/fakeSlack.js';

const SMS = 'meet Dr Quinlan at 7';

describe('Bolt log lines without bodies', () => {
  it.each([
    [`http request body: {"channel":"C1","text":"${SMS}"}`, /^http request body: \[\d+ bytes omitted\]$/],
    [
      `http request result: {"ok":true,"channel":"C1","ts":"1.2","message":{"text":"${SMS}"}}`,
      /^http request result: \{"ok":true,"channel":"C1","ts":"1.2"\} \[\d+ bytes omitted\]$/,
    ],
    [`Received a message on the WebSocket: {"payload":{"text":"${SMS}"}}`, /^Received a message on the WebSocket: \[\d+/],
    [`Sending a WebSocket message: {"envelope_id":"e","payload":{"text":"${SMS}"}}`, /^Sending a WebSocket message: \[\d+/],
    [`Calling ack() - type: slash_commands, envelope_id: e1, data: {"text":"${SMS}"}`, /envelope_id: e1, data: \[\d+/],
    [
      'http request url: https://files.slack.com/upload/v1/CwABAAAAXAoAAZnrHfSecretPart',
      /^http request url: https:\/\/files\.slack\.com\/upload\/…$/,
    ],
    [`ack() call begins (body: {"response_type":"ephemeral","text":"${SMS}"})`, /^ack\(\) call begins \(body: \[\d+/],
    [`ack() response sent (body: {"text":"${SMS}"})`, /^ack\(\) response sent \(body: \[\d+/],
    [`{"type":"event_callback","event":{"text":"${SMS}"}}`, /^\[\d+ bytes omitted\]$/],
    // A proxy's page where Slack's JSON should be: the client keeps it whole as the `error` of its result.
    [
      `http request result: {"ok":false,"error":"<html>channel=C1&text=${SMS}</html>"}`,
      /^http request result: \{"ok":false,"error":"\[\d+ bytes omitted\]"\} \[\d+ bytes omitted\]$/,
    ],
    [
      `http request result: {"ok":false,"error":"invalid_auth","channel":"${SMS}"}`,
      /^http request result: \{"ok":false,"error":"invalid_auth","channel":"\[\d+ bytes omitted\]"\}/,
    ],
  ])('%s', (line, expected) => {
    const cleaned = boltLineWithoutBodies([line]);
    expect(cleaned).toMatch(expected);
    expect(cleaned).not.toContain('Quinlan');
  });

  it('keeps plain lines and error messages, and reduces objects to their size', () => {
    expect(boltLineWithoutBodies(["apiCall('chat.postMessage') start"])).toBe("apiCall('chat.postMessage') start");
    expect(boltLineWithoutBodies(['failed:', new Error('channel_not_found')])).toBe('failed: channel_not_found');
    expect(boltLineWithoutBodies([{ text: SMS }])).toMatch(/^\[\d+ bytes omitted\]$/);
  });

  it('does not read a debug line below debug level (the Web API client passes whole bodies), and cleans it at debug', () => {
    let read = 0;
    const body = {
      toJSON: () => {
        read += 1;
        return { text: SMS };
      },
    };
    const atInfo: string[] = [];
    toBoltLogger(createLogger({ level: 'info', sink: (line) => atInfo.push(line) })).debug(body);
    expect(read).toBe(0);
    expect(atInfo).toEqual([]);
    const atDebug: string[] = [];
    toBoltLogger(createLogger({ level: 'debug', sink: (line) => atDebug.push(line) })).debug(body);
    expect(read).toBe(1);
    expect(atDebug).toHaveLength(1);
    expect(atDebug[0]).toMatch(/bytes omitted/);
    expect(atDebug[0]).not.toContain('Quinlan');
  });
});

/** A Web API client logging through smsops' logger at info into `lines`, as smsops' own clients do. */
const loggingClient = (slackApiUrl: string, lines: string[]) =>
  new webApi.WebClient('xoxb-test-0000', {
    slackApiUrl,
    logger: toBoltLogger(createLogger({ level: 'info', sink: (line) => lines.push(line) })),
    retryConfig: { retries: 0 },
  });

describe("Slack's own messages about a refused call", () => {
  it('logs the error code and where, not what Slack said: it quotes the request back (a relayed SMS)', async () => {
    const slack = await startFakeSlack();
    const lines: string[] = [];
    try {
      const quoted = `{"type":"section","text":{"type":"mrkdwn","text":"${SMS}"}}`;
      slack.handle('chat.postMessage', () => ({
        ok: false,
        error: 'invalid_blocks',
        response_metadata: {
          messages: [`[ERROR] invalid block text: ${quoted} [json-pointer:/blocks/0/text]`, `[WARN] ${SMS}: looks like mrkdwn`],
        },
      }));
      const client = loggingClient(slack.url, lines);
      await expect(client.chat.postMessage({ channel: 'C1', text: SMS })).rejects.toThrow(/invalid_blocks/);
    } finally {
      await slack.close();
    }
    // The Web API client logged `invalid block text: {"type":"section",…"meet Dr Quinlan at 7"…}` at error level.
    expect(lines.join('\n')).not.toContain('Quinlan');
    expect(lines.map((line) => JSON.parse(line) as { level: string; msg: string })).toMatchObject([
      {
        level: 'error',
        msg: expect.stringMatching(
          /^Slack answered invalid_blocks at \/blocks\/0\/text; its message is left out \(\[\d+ bytes omitted\]\): it may quote the call$/,
        ),
      },
      { level: 'warn', msg: expect.stringMatching(/^Slack answered invalid_blocks; its message is left out/) },
    ]);
  });

  it("logs Slack's warnings as codes, and warnings in words by their size only (a JSON proxy echoing the call)", async () => {
    const slack = await startFakeSlack();
    const lines: string[] = [];
    try {
      slack.handle('chat.postMessage', () => ({
        ok: true,
        channel: 'C1',
        ts: '1.2',
        response_metadata: { warnings: ['missing_charset', `superfluous: channel=C1&text=${SMS}`] },
      }));
      const client = loggingClient(slack.url, lines);
      await client.chat.postMessage({ channel: 'C1', text: SMS });
    } finally {
      await slack.close();
    }
    expect(lines.join('\n')).not.toContain('Quinlan');
    expect(lines.map((line) => JSON.parse(line) as { level: string; msg: string })).toMatchObject([
      { level: 'warn', msg: 'Slack warned: missing_charset' },
      { level: 'warn', msg: expect.stringMatching(/^Slack warned with words that are left out \(\[\d+ bytes omitted\]\)/) },
    ]);
  });

  it.each([
    ['the same words twice', [SMS, SMS]],
    ['an entry that is not text first', [null, SMS]],
    ['a number first', [0, SMS]],
  ])("never logs a warning's words: %s", async (_, warnings) => {
    const slack = await startFakeSlack();
    const lines: string[] = [];
    try {
      slack.handle('chat.postMessage', () => ({
        ok: false,
        error: 'invalid_blocks',
        response_metadata: { warnings, messages: [`[ERROR] ${SMS}`, `[ERROR] ${SMS}`] },
      }));
      const client = loggingClient(slack.url, lines);
      await expect(client.chat.postMessage({ channel: 'C1', text: SMS })).rejects.toThrow(/invalid_blocks/);
    } finally {
      await slack.close();
    }
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.join('\n')).not.toContain('Quinlan');
  });
});
