import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { destinationAnswer } from '../../src/core/destinationAnswer.js';
import { createSlackHolds } from '../../src/slack/notifier/slackHolds.js';
import { createSlackPace, type SlackPace } from '../../src/slack/notifier/slackPace.js';
import { classifySlackFailure, createSlackRelaySender } from '../../src/slack/notifier/slackPost.js';
import { portsipStateOf } from '../../src/slack/notifier/slackPostUpdater.js';
import { deliveryErrorInWords } from '../../src/slack/ui/relay.js';
import { createDeliveriesRepository } from '../../src/store/repositories/deliveries.js';
import { createInboundRepository } from '../../src/store/repositories/inbound.js';
import { createSlackPostsRepository } from '../../src/store/repositories/slackPosts.js';
import { createSlackThreadsRepository } from '../../src/store/repositories/slackThreads.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fakeSlack.js';
import { readable } from '../helpers/smsopsUnderTest.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';
import { waitUntil } from '../helpers/waitUntil.js';

let tmp: TempDb;
let fake: FakeSlack;

beforeEach(async () => {
  tmp = createTempDb();
  fake = await startFakeSlack();
});
afterEach(async () => {
  tmp.cleanup();
  await fake.close();
});

function setup(pace: SlackPace = createSlackPace(0)) {
  const { db, clock } = tmp;
  const inbound = createInboundRepository(db, clock.now);
  const deliveries = createDeliveriesRepository(db, clock.now);
  const posts = createSlackPostsRepository(db, clock.now);
  const client = new webApi.WebClient('xoxb-test-token', {
    slackApiUrl: fake.url,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
  });
  const sender = createSlackRelaySender({
    client,
    threads: createSlackThreadsRepository(db, clock.now),
    posts,
    portsipState: (id) => portsipStateOf(deliveries.forMessage(id)),
    pace,
  });
  let n = 0;
  /** Stores `count` SMS from different senders (as a storm claims them: one per conversation) and their Slack deliveries. */
  const store = (count: number, text: (i: number) => string) =>
    Array.from({ length: count }, () => {
      const i = n++;
      const { id } = inbound.insertWithDeliveries(
        {
          wavixMessageId: `w-${i}`,
          fromNumber: `4474001${10_000 + i}`,
          toNumber: '14155550100',
          messageType: 'sms',
          text: text(i),
          media: null,
          receivedAtText: '2026-11-25T12:00:00Z',
          receivedAt: clock.now(),
          contentType: 'application/json',
          rawBody: Buffer.from('{}'),
        },
        [
          { kind: 'slack', destination: 'C0INBOX' },
          { kind: 'portsip', destination: 'http://pbx.invalid/x' },
        ],
      );
      const message = inbound.get(id);
      const delivery = deliveries.forMessage(id).find((d) => d.destinationKind === 'slack');
      if (!message || !delivery) throw new Error('not stored');
      return { message, delivery };
    });
  return { sender, store, posts, db, deliveries };
}

const longText = (i: number) => `SMS ${i}: ${'long text of a storm 🌩️ with emoji. '.repeat(44)}`;
const posted = () => fake.callsTo('chat.postMessage').filter((c) => !c.error && !c.rateLimited);

describe('the Slack relay sender', () => {
  it("shows each message's PortSIP state as it is when the post gets its turn of the pace, not as it was when it began to wait", async () => {
    // A pace whose turns the test hands out: the post waits as it would behind the one before it.
    let giveTurn: (go: boolean) => void = () => {};
    let turnAsked: () => void = () => {};
    const asked = new Promise<void>((resolve) => (turnAsked = resolve));
    const pace: SlackPace = {
      turn: () =>
        new Promise<boolean>((resolve) => {
          giveTurn = resolve;
          turnAsked();
        }),
      close: () => {},
      holds: createSlackHolds(() => performance.now()),
    };
    const { sender, store, deliveries } = setup(pace);
    const batch = store(3, (i) => `hello ${i}`);
    const sending = sender.send(batch);
    await asked;
    // Meanwhile PortSIP took every one of them.
    for (const { message } of batch) {
      const portsip = deliveries.forMessage(message.id).find((d) => d.destinationKind === 'portsip');
      if (!portsip) throw new Error('no PortSIP delivery');
      deliveries.markDelivered(portsip.id, 200);
    }
    giveTurn(true);
    const outcomes = await sending;
    expect(outcomes.every((o) => o.delivered)).toBe(true);
    const text = posted()
      .map((c) => readable(c.args.blocks))
      .join('\n');
    expect(text.match(/PortSIP ✓/g)).toHaveLength(3);
    expect(text).not.toContain('sending');
  });

  it('posts 20 long SMS in as many posts as Slack accepts (each under 12,000 characters of blocks), none lost', async () => {
    fake.enforceLimits();
    const { sender, store, posts, db } = setup();
    const batch = store(20, longText);
    const outcomes = await sender.send(batch);
    expect(outcomes.every((o) => o.delivered)).toBe(true);
    expect(fake.callsTo('chat.postMessage').filter((c) => c.error)).toEqual([]);
    expect(posted().length).toBeGreaterThan(1);
    const text = posted()
      .map((c) => readable(c.args.blocks))
      .join('\n');
    for (let i = 0; i < 20; i++) expect(text).toContain(`SMS ${i}: long text`);
    // Each post is recorded with the messages it shows, for the in-place updates.
    expect(db.prepare('SELECT count(*) AS n FROM slack_posts').get()).toEqual({ n: posted().length });
    const recorded = batch.flatMap((i) => posts.forMessage(i.message.id));
    expect(recorded).toHaveLength(20);
    expect(new Set(recorded.map((p) => p.ts))).toEqual(new Set(posted().map((c) => c.result?.ts)));
  });

  it('splits a post Slack refuses as too long into halves, down to single messages, never sending the same post twice', async () => {
    fake.enforceLimits({ blockText: 3_500 }); // a Slack refusing below its usual limit (bolt-js #2509)
    const { sender, store } = setup();
    const batch = store(6, longText);
    const outcomes = await sender.send(batch);
    expect(outcomes.every((o) => o.delivered)).toBe(true);
    const refused = fake.callsTo('chat.postMessage').filter((c) => c.error === 'msg_blocks_too_long');
    expect(refused.length).toBeGreaterThan(0);
    const bodies = fake.callsTo('chat.postMessage').map((c) => JSON.stringify(c.args.blocks));
    expect(new Set(bodies).size).toBe(bodies.length);
    const text = posted()
      .map((c) => readable(c.args.blocks))
      .join('\n');
    for (let i = 0; i < 6; i++) expect(text.split(`SMS ${i}: long text`).length - 1).toBe(1);
  });

  it('shows a long SMS Slack refuses in full in one block, saying how much is not shown', async () => {
    fake.enforceLimits({ blockText: 4_000 });
    const { sender, store, posts } = setup();
    const [item] = store(1, () => 'a long single message. '.repeat(300));
    if (!item) throw new Error('not stored');
    expect(await sender.send([item])).toEqual([{ delivered: true, statusCode: 200 }]);
    const [refused, accepted] = fake.callsTo('chat.postMessage');
    expect(refused?.error).toBe('msg_blocks_too_long');
    expect(readable(accepted?.args.blocks)).toMatch(
      /The text goes on: [\d,]+ more characters are not shown here \(Slack refused the post with the whole text\)/,
    );
    expect(posts.forMessage(item.message.id).map((p) => p.layout)).toEqual(['short']);
  });

  it('posts a message Slack refuses whatever its shape as a minimal text, so its conversation goes on', async () => {
    const { sender, store } = setup();
    const [item] = store(1, () => '<!channel> a text Slack will not take');
    if (!item) throw new Error('not stored');
    fake.failNext('chat.postMessage', 'invalid_blocks');
    const [outcome] = await sender.send([item]);
    expect(outcome).toEqual({ delivered: true, statusCode: 200 });
    const [, minimal] = fake.callsTo('chat.postMessage');
    expect(minimal?.args.blocks).toBeUndefined();
    expect(minimal?.args.text).toBe(
      'SMS from +44 7400 110000 to +1 415 555 0100: text could not be shown (Slack: invalid_blocks), `/sms inbox +14155550100` lists it. PortSIP sending…',
    );
  });

  it('flags a message refused even as minimal text as a deterministic failure', async () => {
    const { sender, store } = setup();
    const [item] = store(1, () => 'x');
    if (!item) throw new Error('not stored');
    fake.failNext('chat.postMessage', 'invalid_blocks');
    fake.failNext('chat.postMessage', 'msg_too_long');
    const [outcome] = await sender.send([item]);
    expect(outcome).toMatchObject({ delivered: false, deterministic: true, error: 'Slack: msg_too_long' });
  });

  it('stops a send at a rate limit (Retry-After for every message left), and treats other failures as retryable', async () => {
    fake.enforceLimits();
    const { sender, store } = setup();
    const batch = store(20, longText);
    fake.failNext('chat.postMessage', 'not_in_channel');
    const [single] = await sender.send(batch.slice(0, 1));
    expect(single).toEqual({ delivered: false, statusCode: null, error: 'Slack: not_in_channel' });
    fake.rateLimit('chat.postMessage', 7, 1);
    const outcomes = await sender.send(batch);
    expect(outcomes.every((o) => !o.delivered && o.retryAfterMs === 7000 && !o.deterministic)).toBe(true);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(2);
    // The channel is held for the rest of the wait: the next send makes no call, and waits what is left of it.
    const [held] = await sender.send(batch.slice(0, 1));
    expect(held).toMatchObject({ delivered: false, statusCode: null, retryAfterMs: expect.any(Number) });
    expect(held?.retryAfterMs).toBeGreaterThan(5_000);
    expect(held?.retryAfterMs).toBeLessThanOrEqual(7_000);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(2);
  });

  it('waits at most an hour whatever Retry-After a misbehaving proxy sends', async () => {
    const { sender, store } = setup();
    const [item] = store(1, () => 'x');
    if (!item) throw new Error('not stored');
    fake.rateLimit('chat.postMessage', 100_000, 1);
    const [outcome] = await sender.send([item]);
    expect(outcome).toMatchObject({ delivered: false, statusCode: 429, retryAfterMs: 3_600_000 });
  });

  it('makes no post for an attempt the relay gave up on while it waited for its turn, and its turn goes to the next', async () => {
    const { sender, store } = setup(createSlackPace(500));
    const [first, abandoned, next] = store(3, (i) => `message ${i} of the pace`);
    if (!first || !abandoned || !next) throw new Error('not stored');
    const attempt = (controller: AbortController) => ({
      signal: controller.signal,
      waiting: () => {},
      calling: () => {},
      settled: () => {},
    });
    expect(await sender.send([first], attempt(new AbortController()))).toEqual([{ delivered: true, statusCode: 200 }]);
    const givenUp = new AbortController();
    const waiting = sender.send([abandoned], attempt(givenUp));
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The relay's attempt timeout: it records the attempt as failed and sends the SMS again in a new attempt.
    givenUp.abort();
    expect(await waiting).toEqual([
      expect.objectContaining({ delivered: false, notAttempted: true, error: expect.stringContaining('not posted') }),
    ]);
    const started = performance.now();
    expect(await sender.send([next], attempt(new AbortController()))).toEqual([{ delivered: true, statusCode: 200 }]);
    // The withdrawn turn cost no one a pace: the next post went at the first one's pace, not a pace later.
    expect(performance.now() - started).toBeLessThan(700);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const texts = posted().map((c) => readable(c.args));
    expect(texts.filter((t) => t.includes('message 1 of the pace'))).toEqual([]);
    expect(texts).toHaveLength(2);
  });

  it('keeps posting at its pace when the wall clock steps back 150 s, then two hours', async () => {
    // The wall clock as NTP or a resumed VM moves it: stepped back under smsops while it runs.
    const wallClock = Date.now.bind(Date);
    let step = 0;
    const stepped = vi.spyOn(Date, 'now').mockImplementation(() => wallClock() + step);
    try {
      const { sender, store } = setup(createSlackPace(200));
      const [first, second, third] = store(3, (i) => `hello ${i}`);
      if (!first || !second || !third) throw new Error('not stored');
      const inTime = (batch: typeof first) =>
        Promise.race([
          sender.send([batch]),
          new Promise<string>((resolve) => setTimeout(() => resolve('not posted within 3 s'), 3_000)),
        ]);
      const started = performance.now();
      expect(await inTime(first)).toEqual([{ delivered: true, statusCode: 200 }]);
      step = -150_000;
      expect(await inTime(second)).toEqual([{ delivered: true, statusCode: 200 }]);
      step -= 2 * 3_600_000;
      expect(await inTime(third)).toEqual([{ delivered: true, statusCode: 200 }]);
      expect(posted()).toHaveLength(3);
      // Still paced: three posts take two paces at least.
      expect(performance.now() - started).toBeGreaterThanOrEqual(390);
    } finally {
      stepped.mockRestore();
    }
  });

  it("tells the relay a channel's outcome once it is posted, while a later channel of the same send still hangs", async () => {
    const { sender, store } = setup();
    const [inbox, other] = store(2, (i) => `channel ${i}`);
    if (!inbox || !other) throw new Error('not stored');
    const hung = { ...other, delivery: { ...other.delivery, destination: 'C0HUNG' } };
    const release = fake.hang('chat.postMessage', (call) => call.args.channel === 'C0HUNG');
    const told = new Map<number, unknown>();
    const attempt = {
      signal: new AbortController().signal,
      waiting: () => {},
      calling: () => {},
      settled: (id: number, outcome: unknown) => told.set(id, outcome),
    };
    try {
      const sending = sender.send([inbox, hung], attempt);
      await waitUntil(() => fake.callsTo('chat.postMessage').some((c) => c.args.channel === 'C0HUNG'), 5_000, 'the hung call');
      // Known to the relay before the send returns: should its timeout end the send now, the inbox is not posted again.
      expect([...told]).toEqual([[inbox.delivery.id, { delivered: true, statusCode: 200 }]]);
      release();
      expect(await sending).toEqual([
        { delivered: true, statusCode: 200 },
        { delivered: true, statusCode: 200 },
      ]);
    } finally {
      release();
    }
  });

  it('says a Slack call its client ended for want of an answer in words, and retries it', () => {
    const timedOut = Object.assign(new Error('A request error occurred: The operation was aborted due to timeout'), {
      code: 'slack_webapi_request_error',
      original: new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
    });
    expect(classifySlackFailure(timedOut)).toEqual({
      outcome: { delivered: false, statusCode: null, error: 'Slack did not answer in time' },
      refused: null,
    });
  });

  it('says a Slack it could not reach in words with the code, never as Slack refusing nor with an address', async () => {
    const closed = createNetServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const failureAt = async (slackApiUrl: string) => {
      const client = new webApi.WebClient('xoxb-test', { slackApiUrl, retryConfig: { retries: 0 } });
      const error = await client.chat.postMessage({ channel: 'C0INBOX001', text: 'x' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      return classifySlackFailure(error).outcome.error ?? '';
    };
    const refused = await failureAt(`http://127.0.0.1:${port}/api/`);
    expect(refused).toBe('Slack not reached: connection refused (ECONNREFUSED)');
    expect(deliveryErrorInWords({ lastError: refused, lastStatusCode: null }, 'slack')).toBe(
      'smsops could not reach Slack: connection refused (ECONNREFUSED); check the network, proxy (HTTPS_PROXY) and firewall between smsops and slack.com',
    );
    expect(await failureAt('https://slack.invalid/api/')).toMatch(
      /^Slack not reached: host name not found \((ENOTFOUND|EAI_AGAIN)\)$/,
    );
    expect(destinationAnswer({ destinationKind: 'slack', lastStatusCode: null, lastError: refused }, false)).not.toMatch(
      /127\.0\.0\.1|request error/,
    );
  });

  it('says a Slack not reached for a reason outside the words table (an egress firewall: EPERM) by its code, not as Slack refusing', () => {
    const original = Object.assign(new Error('connect EPERM 52.1.2.3:443 - Local (10.0.0.5:40000)'), { code: 'EPERM' });
    const blocked = Object.assign(new Error(`A request error occurred: ${original.message}`), {
      code: 'slack_webapi_request_error',
      original: Object.assign(new TypeError('fetch failed'), { cause: original }),
    });
    const said = classifySlackFailure(blocked).outcome.error ?? '';
    expect(said).toBe('Slack not reached: the connection failed (EPERM)');
    expect(deliveryErrorInWords({ lastError: said, lastStatusCode: null }, 'slack')).toMatch(
      /^smsops could not reach Slack: the connection failed \(EPERM\)/,
    );
    expect(said).not.toMatch(/52\.1\.2\.3|10\.0\.0\.5|request error/);
  });

  it("says a proxy's 502/504 page (or Slack's 503) in front of Slack as an HTTP answer, not as Slack refusing the post", async () => {
    for (const status of [502, 503, 504]) {
      const page = createServer((_request, response) => {
        response.writeHead(status, { 'content-type': 'text/html' });
        response.end('<html><body>Bad Gateway</body></html>');
      });
      await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
      const port = (page.address() as { port: number }).port;
      try {
        const client = new webApi.WebClient('xoxb-test', {
          slackApiUrl: `http://127.0.0.1:${port}/api/`,
          retryConfig: { retries: 0 },
        });
        const error = await client.chat.postMessage({ channel: 'C0INBOX001', text: 'x' }).then(
          () => undefined,
          (e: unknown) => e,
        );
        const said = classifySlackFailure(error).outcome.error ?? '';
        expect(said).toBe(`Slack answered HTTP ${status}`);
        const words = deliveryErrorInWords({ lastError: said, lastStatusCode: null }, 'slack');
        expect(words).not.toContain('Slack refused the post');
        expect(words).toContain(status === 503 ? 'Slack is unavailable' : 'from a proxy between smsops and Slack');
      } finally {
        page.close();
      }
    }
  });

  it('counts an argument the Slack client cannot encode (URI malformed) as deterministic', () => {
    expect(classifySlackFailure(new URIError('URI malformed'))).toMatchObject({
      outcome: { deterministic: true },
      refused: 'URI malformed',
    });
    const invalidAuth = Object.assign(new Error('x'), { code: 'slack_webapi_platform_error', data: { error: 'invalid_auth' } });
    expect(classifySlackFailure(invalidAuth).outcome.deterministic).toBeUndefined();
  });
});
