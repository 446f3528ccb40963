import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel, webApi } from '@slack/bolt';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../helpers/fakeSlack.js';
import { createSlackTestClient, type SlackTestClient, signSlackRequest } from '../helpers/slackRequests.js';

// The fake and the request client are exercised against the real Bolt HTTPReceiver, so the wire formats they assume
// (signing, content types, payload shapes, Web API encoding) are the ones Bolt actually accepts and produces.

const SECRET = 'test-secret';
const { WebClient, ErrorCode } = webApi;

let fake: FakeSlack;
let app: App;
let slack: SlackTestClient;
const seenActions: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  fake = await startFakeSlack();
});

afterAll(async () => {
  await fake.close();
});

beforeEach(async () => {
  fake.reset();
  seenActions.length = 0;
  const receiver = new HTTPReceiver({ signingSecret: SECRET, unhandledRequestTimeoutMillis: 500, logLevel: LogLevel.ERROR });
  app = new App({
    token: 'xoxb-test',
    botId: 'BBOT',
    botUserId: 'UBOT',
    receiver,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: fake.url, retryConfig: { retries: 0 } },
  });
  app.command('/sms', async ({ ack, client, command, respond }) => {
    await ack();
    await client.chat.postEphemeral({ channel: command.channel_id, user: command.user_id, text: `hi ${command.text}` });
    await respond({ text: 'via response_url' });
  });
  app.view('cb', async ({ ack }) => {
    await ack({ response_action: 'errors', errors: { value: 'bad' } });
  });
  app.action('btn', async ({ ack, action, body }) => {
    await ack();
    seenActions.push({ action, container: (body as { container?: unknown }).container });
  });
  app.event('app_mention', async ({ event, client }) => {
    await client.chat.postMessage({
      channel: event.channel,
      text: 'pong',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*pong*' } }],
    });
  });
  const server = await app.start({ port: 0, host: '127.0.0.1' });
  const { port } = server.address() as AddressInfo;
  slack = createSlackTestClient({
    eventsUrl: `http://127.0.0.1:${port}/slack/events`,
    signingSecret: SECRET,
    responseUrl: fake.responseUrl,
  });
});

afterEach(async () => {
  await app.stop();
});

/**
 * A valid command sent after the refusal and seen through to its response_url post: a listener run for the refused
 * request would have started first, so its calls would be in by now. Every call and response must be this command's.
 */
async function expectOnlyTheNextCommandRan() {
  expect((await slack.command('after')).status).toBe(200);
  await fake.waitForResponses();
  expect(fake.calls.map((c) => c.args)).toEqual([expect.objectContaining({ text: 'hi after' })]);
  expect(fake.responses).toHaveLength(1);
}

describe('Bolt receiver driven by signed requests', () => {
  it('runs a slash command: ack 200, Web API call with the bot token, respond() through response_url', async () => {
    const res = await slack.command('status');
    expect(res.status).toBe(200);

    const [call] = await fake.waitFor('chat.postEphemeral');
    expect(call?.token).toBe('xoxb-test');
    expect(call?.args).toMatchObject({ channel: 'C0ALERTS01', user: 'U0ADMIN001', text: 'hi status' });

    const responses = await fake.waitForResponses();
    expect(responses).toEqual([{ path: '/response/cmd-1', body: { text: 'via response_url' } }]);
  });

  it('rejects a wrong signature with 401 and runs no listener', async () => {
    const res = await slack.command('status', { signature: 'v0=deadbeef' });
    expect(res.status).toBe(401);
    await expectOnlyTheNextCommandRan();
  });

  it('rejects a request signed 6 minutes ago with 401', async () => {
    const res = await slack.command('status', { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(res.status).toBe(401);
    await expectOnlyTheNextCommandRan();
  });

  it('raw() sends exactly what it is given: unsigned ssl_check, signed url_verification', async () => {
    const body = 'ssl_check=1&token=x';
    const res = await slack.raw(body, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(200); // ssl_check needs no signature
    const signedJson = JSON.stringify({ type: 'url_verification', challenge: 'c-1' });
    const ok = await slack.raw(signedJson, { 'content-type': 'application/json', ...signSlackRequest(SECRET, signedJson) });
    expect(ok.json).toEqual({ challenge: 'c-1' });
  });

  it('returns the view_submission ack body as JSON', async () => {
    const res = await slack.viewSubmission({
      callbackId: 'cb',
      values: { value: { value: { type: 'plain_text_input', value: 'x' } } },
      privateMetadata: '{"k":1}',
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ response_action: 'errors', errors: { value: 'bad' } });
  });

  it('routes block_actions from a message button to app.action()', async () => {
    const res = await slack.blockAction({ actionId: 'btn', value: 'v-1' });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(seenActions).toHaveLength(1);
    expect(seenActions[0]).toMatchObject({
      action: { type: 'button', action_id: 'btn', block_id: 'b', value: 'v-1' },
      container: { type: 'message', channel_id: 'C0ALERTS01' },
    });
  });

  it('routes block_actions from a select inside a view to app.action()', async () => {
    const res = await slack.blockAction({ actionId: 'btn', container: 'view', viewId: 'V9', selectedOption: { value: 'opt' } });
    expect(res.status).toBe(200);
    expect(seenActions[0]).toMatchObject({
      action: { type: 'static_select', selected_option: { value: 'opt', text: { type: 'plain_text', text: 'opt' } } },
      container: { type: 'view', view_id: 'V9' },
    });
  });

  it('delivers Events API callbacks; the Web API call arrives with blocks parsed', async () => {
    const res = await slack.event({
      type: 'app_mention',
      user: 'U0ADMIN001',
      text: '<@UBOT> ping',
      ts: '1700000001.000100',
      channel: 'C0ALERTS01',
      event_ts: '1700000001.000100',
    });
    expect(res.status).toBe(200);
    const [call] = await fake.waitFor('chat.postMessage');
    expect(call?.args.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: '*pong*' } }]);
  });

  it('answers an un-acked request with 404 once unhandledRequestTimeoutMillis passed', async () => {
    const started = Date.now();
    const res = await slack.command('x', { command: '/unknown' });
    // Bolt's default unhandledRequestHandler logs "not acknowledged within 3 seconds" whatever the configured timeout.
    expect(res.status).toBe(404);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(fake.calls).toEqual([]);
  });

  it('treats a form body whose content type carries a charset as JSON (and fails it with 400)', async () => {
    const body = new URLSearchParams({ command: '/sms', text: 'status' }).toString();
    const res = await slack.raw(body, {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      ...signSlackRequest(SECRET, body),
    });
    expect(res.status).toBe(400);
  });
});

describe('fake Slack Web API', () => {
  const client = () =>
    new WebClient('xoxb-test', { slackApiUrl: fake.url, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });

  it('answers 429 with Retry-After for a rate-limited method, then recovers', async () => {
    fake.rateLimit('chat.postMessage', 1);
    const web = client();
    await expect(web.chat.postMessage({ channel: 'C1', text: 'a' })).rejects.toMatchObject({
      code: ErrorCode.RateLimitedError,
      retryAfter: 1,
    });
    expect(ErrorCode.RateLimitedError).toBe('slack_webapi_rate_limited_error');
    const ok = await web.chat.postMessage({ channel: 'C1', text: 'b' });
    expect(ok.ts).toMatch(/^\d{10}\.\d{6}$/);
    const calls = await fake.waitFor('chat.postMessage');
    expect(calls).toHaveLength(1);
    expect(fake.callsTo('chat.postMessage').map((call) => call.rateLimited ?? false)).toEqual([true, false]);
  });

  it('failNext answers one call with ok:false', async () => {
    fake.failNext('conversations.info', 'channel_not_found');
    const web = client();
    await expect(web.conversations.info({ channel: 'C1' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { ok: false, error: 'channel_not_found' },
    });
    const info = await web.conversations.info({ channel: 'C1' });
    expect(info.channel).toEqual({ id: 'C1', is_member: true });
  });

  it('answers not_authed without a bearer token', async () => {
    const web = new WebClient(undefined, { slackApiUrl: fake.url, retryConfig: { retries: 0 } });
    await expect(web.auth.test()).rejects.toMatchObject({ data: { error: 'not_authed' } });
    expect(fake.callsTo('auth.test')[0]?.error).toBe('not_authed');
  });

  it('issues increasing message timestamps and view ids; views.update keeps the id', async () => {
    const web = client();
    const a = await web.chat.postMessage({ channel: 'C1', text: 'a' });
    const b = await web.chat.postMessage({ channel: 'C1', text: 'b' });
    expect(Number(b.ts)).toBeGreaterThan(Number(a.ts));
    const opened = await web.views.open({
      trigger_id: 'trig-1',
      view: { type: 'modal', callback_id: 'cb', title: { type: 'plain_text', text: 'T' }, blocks: [] },
    });
    expect(opened.view).toMatchObject({ id: expect.stringMatching(/^V\d{4}$/), callback_id: 'cb', state: { values: {} } });
    const viewId = opened.view?.id ?? '';
    const updated = await web.views.update({
      view_id: viewId,
      view: { type: 'modal', callback_id: 'cb2', title: { type: 'plain_text', text: 'T2' }, blocks: [] },
    });
    expect(updated.view?.id).toBe(viewId);
    expect(updated.view?.hash).not.toBe(opened.view?.hash);
    expect(fake.callsTo('views.open')[0]?.args.view).toMatchObject({ type: 'modal', callback_id: 'cb' });
  });

  it('supports files.uploadV2 (upload URL, file bytes, completion)', async () => {
    const web = client();
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const result = await web.filesUploadV2({ channel_id: 'C1', file: bytes, filename: 'report.csv', title: 'Report' });
    expect(result.ok).toBe(true);
    expect(fake.uploads).toHaveLength(1);
    expect(fake.uploads[0]?.bytes.equals(bytes)).toBe(true);
    const [complete] = await fake.waitFor('files.completeUploadExternal');
    expect(complete?.args.files).toEqual([{ id: fake.uploads[0]?.fileId, title: 'Report' }]);
  });

  it('waitFor rejects listing the methods seen', async () => {
    await client().auth.test();
    await expect(fake.waitFor('chat.update', 1, 50)).rejects.toThrow(/chat\.update.*auth\.test x1/);
  });
});
