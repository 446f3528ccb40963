import { type AddressInfo, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { checkSlackToken } from '../../src/slack/tokenCheck.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fakeSlack.js';

const token = 'xoxb-token-check-0123456789';
let fake: FakeSlack;

beforeAll(async () => {
  fake = await startFakeSlack();
});
afterAll(() => fake.close());

function slackConfig(apiUrl: string) {
  return {
    botToken: token,
    signingSecret: 'secret',
    appToken: undefined,
    apiUrl,
    alertChannel: 'C0123456789',
    inboxChannel: 'C0123456789',
    adminUsers: [],
    alertUsers: [],
    replyUsers: [],
  };
}

async function logsOf(apiUrl: string): Promise<string[]> {
  const lines: string[] = [];
  await checkSlackToken(slackConfig(apiUrl), createLogger({ sink: (line) => lines.push(line) }));
  return lines;
}

describe('the Slack token checked at start', () => {
  it('says in words that Slack rejected the token, with Slack’s reason and without the token', async () => {
    fake.failNext('auth.test', 'invalid_auth');
    const lines = await logsOf(fake.url);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 'error' });
    expect(lines[0]).toContain('Slack rejected SLACK_BOT_TOKEN (invalid_auth): ');
    expect(lines.join('\n')).not.toContain(token);
  });

  it('says the token was accepted, and only warns when Slack cannot be reached', async () => {
    expect((await logsOf(fake.url))[0]).toContain('Slack accepted SLACK_BOT_TOKEN');
    const unreachable = await logsOf('http://127.0.0.1:9/api/');
    expect(JSON.parse(unreachable[0] ?? '{}')).toMatchObject({ level: 'warn' });
    expect(unreachable.join('\n')).not.toContain(token);
    // In words with its code and what to check, where it said "A request error occurred: fetch failed" alone.
    // A port nothing listens on (127.0.0.1:9 above is one fetch refuses to use at all: "bad port").
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await logsOf(`http://127.0.0.1:${port}/api/`);
    const said = refused.find((line) => line.includes('could not be asked whether SLACK_BOT_TOKEN is valid'));
    expect(said).toContain('smsops could not reach Slack: connection refused (ECONNREFUSED)');
    expect(said).toContain('proxy (HTTPS_PROXY)');
    expect(said).not.toContain('fetch failed');
  });

  it('warns at once when Slack rate-limits the question, instead of waiting its Retry-After (a day, from a proxy)', async () => {
    fake.rateLimit('auth.test', 100_000);
    const lines = await Promise.race([
      logsOf(fake.url),
      new Promise<string[]>((resolve) => setTimeout(() => resolve(['still waiting after 5 s']), 5_000)),
    ]);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      level: 'warn',
      msg: 'Slack could not be asked whether SLACK_BOT_TOKEN is valid (auth.test)',
    });
  });
});

describe('the host clock checked against Slack’s at start', () => {
  const logsAt = async (offsetMs: number, appToken?: string) => {
    const lines: string[] = [];
    await checkSlackToken(
      { ...slackConfig(fake.url), appToken },
      createLogger({ sink: (line) => lines.push(line) }),
      () => {},
      () => Date.now() + offsetMs,
    );
    return lines.filter((line) => line.includes('this host’s clock') || line.includes("this host's clock"));
  };

  it('says, as an error in HTTP mode, that a clock 10 minutes off refuses every Slack request, ahead or behind', async () => {
    const ahead = await logsAt(10 * 60_000);
    expect(ahead).toHaveLength(1);
    expect(JSON.parse(ahead[0] ?? '{}')).toMatchObject({ level: 'error' });
    expect(ahead[0]).toContain('600 s ahead of Slack');
    expect(ahead[0]).toContain('every Slack command, button and thread reply is refused');
    expect((await logsAt(-10 * 60_000))[0]).toContain('600 s behind Slack');
  });

  it('warns of a clock 2 minutes off, and says nothing of one a few seconds off', async () => {
    const off = await logsAt(2 * 60_000);
    expect(JSON.parse(off[0] ?? '{}')).toMatchObject({ level: 'warn' });
    expect(off[0]).toContain('past 5 minutes');
    expect(await logsAt(3_000)).toEqual([]);
  });

  it('in Socket Mode (nothing signed) only warns', async () => {
    const socket = await logsAt(10 * 60_000, 'xapp-1-socket');
    expect(JSON.parse(socket[0] ?? '{}')).toMatchObject({ level: 'warn' });
    expect(socket[0]).not.toContain('refused');
  });
});
