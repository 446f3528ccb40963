import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { type BotIdentity, learnBotIdentity } from '../../src/slack/botIdentity.js';

/**
 * The bot's ids Bolt's authorisation returns for each Slack request: never waited for, asked with one question at a
 * time, and taken from the start-up token check when it learnt them.
 */

const BOT: BotIdentity = { botId: 'BBOT', botUserId: 'UBOT' };
const EVENT = { authorizations: [{ team_id: 'T1', user_id: 'UBOT', is_bot: true }] };

function rig(first?: Promise<BotIdentity | undefined>) {
  const lines: string[] = [];
  let clock = 1_000_000;
  const questions: Array<{ answer(who: BotIdentity | undefined): void; fail(error: Error): void }> = [];
  const identity = learnBotIdentity({
    ask: () =>
      new Promise((resolve, reject) => {
        questions.push({ answer: resolve, fail: reject });
      }),
    ...(first ? { first } : {}),
    logger: createLogger({ sink: (line) => lines.push(line) }),
    now: () => clock,
  });
  return { identity, questions, lines, advance: (ms: number) => (clock += ms) };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("the bot's ids for Slack's requests", () => {
  it('uses what the start-up token check learnt, asking Slack nothing', async () => {
    const r = rig(Promise.resolve(BOT));
    await settle();
    expect(r.identity.forRequest()).toEqual(BOT);
    expect(r.questions).toHaveLength(0);
  });

  it('while the token check is out, asks nothing more; after it failed, one question at the next request', async () => {
    let checked: (who: BotIdentity | undefined) => void = () => {};
    const r = rig(new Promise((resolve) => (checked = resolve)));
    expect(r.identity.forRequest()).toEqual({});
    expect(r.questions).toHaveLength(0);
    checked(undefined);
    await settle();
    expect(r.identity.forRequest(EVENT)).toEqual({ botUserId: 'UBOT' });
    expect(r.identity.forRequest(EVENT)).toEqual({ botUserId: 'UBOT' });
    expect(r.questions).toHaveLength(1);
    r.questions[0]?.answer(BOT);
    await settle();
    expect(r.identity.forRequest()).toEqual(BOT);
  });

  it('after a failed question, asks again only a minute later, and says why in the log', async () => {
    const r = rig();
    r.identity.forRequest();
    r.questions[0]?.fail(Object.assign(new Error('An API error occurred: invalid_auth'), { data: { error: 'invalid_auth' } }));
    await settle();
    r.identity.forRequest();
    expect(r.questions).toHaveLength(1);
    expect(r.lines.join('\n')).toContain("Slack refused SLACK_BOT_TOKEN (invalid_auth) when asked for the bot's own ids");
    r.advance(60_000);
    r.identity.forRequest();
    expect(r.questions).toHaveLength(2);
  });
});
