import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createAttemptFailures, FAILURE_LOG_EVERY_MS, failureKind } from '../../src/relay/attemptFailures.js';
import { createRelaySlackClient } from '../../src/slack/app.js';
import { classifySlackFailure } from '../../src/slack/notifier/slackPost.js';

const PBX = 'https://pbx.example.com/emc/Wavix - US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90';

function rig() {
  const lines: Array<Record<string, unknown>> = [];
  let at = 1_000_000;
  const failures = createAttemptFailures({
    logger: createLogger({ level: 'debug', sink: (line) => lines.push(JSON.parse(line)) }),
    now: () => at,
  });
  return { failures, lines, advance: (ms: number) => (at += ms) };
}

describe('failed attempts in the log', () => {
  it('says a failing destination at once, then at most once a minute with the count since the last line, never its secret or the answer', () => {
    const { failures, lines, advance } = rig();
    const pbx = { destinationKind: 'portsip' as const, destination: PBX, attempts: 0 };
    for (let i = 0; i < 50; i++) {
      failures.failed(pbx, { delivered: false, statusCode: 503, error: 'HTTP 503: sorry, Hello from the customer' });
      advance(1_000);
    }
    // Another kind of failure at the same destination is its own line.
    failures.failed(pbx, { delivered: false, statusCode: null, error: 'no complete answer within 15000 ms' });
    advance(20_000);
    failures.failed({ ...pbx, attempts: 6 }, { delivered: false, statusCode: 503, error: 'HTTP 503' }, 'wvx-last');

    expect(lines.at(-1)).toMatchObject({ lastWavixMessageId: 'wvx-last', lastAttempt: 7 });
    expect(lines.map((l) => [l.level, l.error, l.failedAttempts, l.sinceSeconds])).toEqual([
      ['warn', 'HTTP 503', 1, undefined],
      ['warn', 'no answer within the deadline', 1, undefined],
      ['warn', 'HTTP 503', 50, 70],
    ]);
    const text = JSON.stringify(lines);
    expect(text).toContain('/emc/Wavix - US/a558…');
    expect(text).not.toContain('a558d635');
    expect(text).not.toContain('customer');
  });

  it('says a refused Slack token once at error level, and that it is accepted again after a post got through', () => {
    const { failures, lines, advance } = rig();
    const inbox = { destinationKind: 'slack' as const, destination: 'C0INBOX01', attempts: 0 };
    for (let i = 0; i < 5; i++) {
      failures.failed(inbox, { delivered: false, statusCode: null, error: 'Slack: token_revoked' });
      advance(FAILURE_LOG_EVERY_MS);
    }
    expect(failures.slackTokenRefused()).toMatchObject({ code: 'token_revoked' });
    expect(lines.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual([
      expect.stringContaining('Slack refuses SLACK_BOT_TOKEN (token_revoked): nothing reaches Slack'),
    ]);
    // Another Slack failure (a channel) is not the token.
    failures.delivered(inbox);
    failures.failed(inbox, { delivered: false, statusCode: null, error: 'Slack: channel_not_found' });
    expect(failures.slackTokenRefused()).toBeNull();
    expect(lines.slice(-3).map((l) => l.msg)).toEqual([
      'Slack accepts SLACK_BOT_TOKEN again',
      'relay destination answers again',
      'relay attempts fail; retried with backoff (`/sms relay status` shows them)',
    ]);
  });

  it('says a destination answers again once, with how long it failed and the failures not said yet', () => {
    const { failures, lines, advance } = rig();
    const pbx = { destinationKind: 'portsip' as const, destination: PBX, attempts: 0 };
    for (let i = 0; i < 7; i++) {
      failures.failed(pbx, { delivered: false, statusCode: 500, error: 'HTTP 500' });
      advance(4_000);
    }
    failures.delivered(pbx);
    failures.delivered(pbx);
    expect(lines.map((l) => [l.msg, l.failedAttempts, l.failingForSeconds])).toEqual([
      ['relay attempts fail; retried with backoff (`/sms relay status` shows them)', 1, undefined],
      ['relay destination answers again', 6, 28],
    ]);
    // A new outage is said at once; its end within a minute of the last is said with the next delivery after it.
    failures.failed(pbx, { delivered: false, statusCode: 500, error: 'HTTP 500' });
    failures.failed(pbx, { delivered: false, statusCode: 500, error: 'HTTP 500' });
    failures.delivered(pbx);
    expect(lines).toHaveLength(3);
    advance(60_000);
    failures.delivered(pbx);
    expect(lines.at(-1)).toMatchObject({ msg: 'relay destination answers again', failedAttempts: 1, failingForSeconds: 60 });
  });

  it('says the failures held back of a destination that went quiet within two minutes, and at stop, so the lines add up to /metrics', () => {
    vi.useFakeTimers();
    try {
      const { failures, lines, advance } = rig();
      const pbx = { destinationKind: 'portsip' as const, destination: PBX, attempts: 0 };
      const passes = (ms: number) => {
        advance(ms);
        vi.advanceTimersByTime(ms);
      };
      // Six attempts 8 s apart, then nothing more to that URL (its deliveries dead, or moved to another).
      for (let i = 0; i < 6; i++) {
        failures.failed({ ...pbx, attempts: i }, { delivered: false, statusCode: 503, error: 'HTTP 503' }, `wvx-${i}`);
        passes(8_000);
      }
      passes(2 * FAILURE_LOG_EVERY_MS);
      const failed = (l: Record<string, unknown>) => String(l.msg).startsWith('relay attempts fail');
      expect(lines.filter(failed).map((l) => [l.failedAttempts, l.lastWavixMessageId, l.lastAttempt])).toEqual([
        [1, 'wvx-0', 1],
        [5, 'wvx-5', 6],
      ]);
      // Nothing held back: no more lines.
      passes(5 * FAILURE_LOG_EVERY_MS);
      expect(lines.filter(failed)).toHaveLength(2);
      // Held back at a stop: said then, not lost with the process.
      failures.failed(pbx, { delivered: false, statusCode: 503, error: 'HTTP 503' });
      failures.failed(pbx, { delivered: false, statusCode: 503, error: 'HTTP 503' });
      failures.stop();
      expect(lines.filter(failed).map((l) => l.failedAttempts)).toEqual([1, 5, 1, 1]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('names a failure by its status, code or a fixed phrase', () => {
    expect(failureKind({ statusCode: 200, error: 'Slack: msg_too_long' })).toBe('Slack: msg_too_long');
    expect(failureKind({ statusCode: 429, error: 'Slack rate limit' })).toBe('HTTP 429');
    expect(failureKind({ statusCode: null, error: 'connect ECONNREFUSED 10.0.0.7:8443' })).toBe('ECONNREFUSED');
    expect(failureKind({ statusCode: null, error: 'no complete answer within 15000 ms (HTTP 200: partial)' })).toBe(
      'no answer within the deadline',
    );
    expect(failureKind({ statusCode: null, error: 'message no longer stored' })).toBe('other (see /sms relay status)');
    // A PortSIP certificate or TLS version refused is named in the log line, not left as "other".
    expect(failureKind({ statusCode: null, error: 'unable to verify the first certificate' })).toBe(
      'TLS certificate not accepted',
    );
    expect(
      failureKind({ statusCode: null, error: '80:error:0A00042E:SSL routines:ssl3_read_bytes:tlsv1 alert protocol version' }),
    ).toBe('TLS version or cipher too old');
  });

  it("names a Slack that does not answer in time and one whose answer is not JSON, without the answer's body", async () => {
    // A proxy in front of Slack: chat.postMessage hangs, chat.update answers 200 with an HTML page.
    const server = createServer((req, res) => {
      if (req.url?.includes('chat.update'))
        res.writeHead(200, { 'content-type': 'application/json' }).end('<html>proxy page</html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = createRelaySlackClient(
        { botToken: 'xoxb-kind-0000', apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/` } as never,
        createLogger({ level: 'silent' }),
        300,
      );
      const outcomeOf = (call: Promise<unknown>) =>
        call.then(
          () => {
            throw new Error('answered ok');
          },
          (error: unknown) => classifySlackFailure(error).outcome,
        );
      const timedOut = await outcomeOf(client.chat.postMessage({ channel: 'C0INBOX', text: 'x' }));
      const notJson = await outcomeOf(client.chat.update({ channel: 'C0INBOX', ts: '1.2', text: 'x' }));
      const { failures, lines, advance } = rig();
      const inbox = { destinationKind: 'slack' as const, destination: 'C0INBOX', attempts: 0 };
      failures.failed(inbox, timedOut);
      advance(FAILURE_LOG_EVERY_MS);
      failures.failed(inbox, notJson);
      expect(lines.map((l) => l.error)).toEqual(['Slack did not answer in time', "Slack's answer was not JSON"]);
      expect(JSON.stringify([timedOut, notJson])).not.toContain('proxy page');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
