import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import { productionEnv, type SmsopsProcess, startSmsopsProcess } from '../helpers/smsopsProcess.js';

/**
 * The start-up question to Slack (auth.test) writes through smsops' logger like every other Slack client: its lines
 * are JSON and masked, never @slack/web-api's own console lines (`[ERROR]  web-api:WebClient:0 …`) on stderr, which
 * quoted Slack's messages, the token they may echo included, and broke a log shipper reading JSON. Real process.
 */

const BOT_TOKEN = 'xoxb-tokencheck-4242424242-abcdef';

describe('the Slack token check at start (real process)', () => {
  const rig = useRealProcessRig('smsops-tokencheck-');

  const start = (slackApiUrl: string) =>
    startSmsopsProcess(rig.dir, {
      ...productionEnv({
        port: rig.port,
        databasePath: join(rig.dir, 'data', 'smsops.db'),
        webhookSecret: 'whsec_tokencheck_0123456789abcdefgh',
      }),
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_API_URL: slackApiUrl,
    }).then(rig.track);

  /**
   * Every line the process wrote is one of its JSON log lines (stderr's too, the start-up summary's too), and none
   * holds the token.
   */
  const expectOnlyJsonLines = (smsops: SmsopsProcess) => {
    const lines = smsops.logs.map((line) => line.replace(/^\[stderr\] /, ''));
    for (const line of lines) {
      expect(() => JSON.parse(line), line).not.toThrow();
      expect(line).not.toContain(BOT_TOKEN);
    }
    expect(lines.join('\n')).not.toContain('web-api:WebClient');
  };

  it('a token Slack refuses, with messages quoting it: one JSON error line, the token in no line', {
    timeout: 60_000,
  }, async () => {
    rig.fakeSlack.handle('auth.test', () => ({
      ok: false,
      error: 'invalid_auth',
      response_metadata: { messages: [`[ERROR] token ${BOT_TOKEN} is invalid`], warnings: [`token ${BOT_TOKEN}`] },
    }));
    const smsops = await start(rig.fakeSlack.url);
    const line = await smsops.waitForLine(/Slack rejected SLACK_BOT_TOKEN \(invalid_auth\)/, 15_000);
    expect(JSON.parse(line.replace(/^\[stderr\] /, ''))).toMatchObject({ level: 'error' });
    // Slack's messages are written before the rejection line, on the same stream.
    expectOnlyJsonLines(smsops);
    expect(smsops.logs.some((l) => l.includes('Slack answered invalid_auth; its message is left out'))).toBe(true);
  });

  it('Slack unreachable: a JSON warning line, and nothing else on stderr', { timeout: 60_000 }, async () => {
    const smsops = await start('http://127.0.0.1:9/api/');
    await smsops.waitForLine(/Slack could not be asked whether SLACK_BOT_TOKEN is valid/, 15_000);
    expectOnlyJsonLines(smsops);
  });
});
