import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { type RunningSmsops, type StartOptions, startSmsops } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { type StartWavixEmulatorOptions, startWavixEmulator, type WavixEmulator } from '../../src/sandbox/emulator/server.js';
import { closeDatabase, type Db, openDatabase } from '../../src/store/database.js';
import { type FakeSlack, startFakeSlack } from './fakeSlack.js';
import { createSlackTestClient, type SlackTestClient } from './slackRequests.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const BOT_TOKEN = 'xoxb-test-bot-token-0123456789';
export const WEBHOOK_SECRET = 'whsec_test_0123456789abcdefghijkl';
export const ALERT_CHANNEL = 'C0ALERTS01';
export const ADMIN = 'U0ADMIN001';
export const OUTSIDER = 'U0OTHER002';
export const PUBLIC_BASE_URL = 'https://smsops.example.com';

export interface SmsopsUnderTest {
  smsops: RunningSmsops;
  emulator: WavixEmulator;
  fakeSlack: FakeSlack;
  slack: SlackTestClient;
  /** Every log line smsops wrote (JSON text). */
  logs: string[];
  /** A second connection to smsops' database file, for assertions. */
  db: Db;
  /** Every secret of this run, to assert none leaks. */
  secrets: string[];
  stop(): Promise<void>;
}

/**
 * smsops started in-process as in production (config parsed from an environment, a real SQLite file, the HTTP
 * listener), with the Wavix emulator and the fake Slack Web API in place of the real services.
 */
export async function startSmsopsUnderTest(
  env: Record<string, string | undefined> = {},
  options: {
    emulator?: StartWavixEmulatorOptions;
    replyDrainMs?: number;
    replyWriteWaitMs?: number;
    /** Tries of a failed Slack call (production: 3); 0 keeps tests fast, and a rate limit then fails the call at once. */
    slackRetries?: number;
    /** The least time between two doctor runs (production: 5 s); 0 lets a test run it again at once. */
    doctorRunGapMs?: number;
    /** A job's time limit when it sets none (10 minutes by default). */
    jobTimeLimitMs?: number;
    /** How often (and how soon after a stale signed request) Slack's time is asked again; production: 10 min, 1 min. */
    slackClockCheck?: StartOptions['slackClockCheck'];
  } = {},
): Promise<SmsopsUnderTest> {
  const emulator = await startWavixEmulator(options.emulator ?? {});
  const fakeSlack = await startFakeSlack();
  const dir = mkdtempSync(join(tmpdir(), 'smsops-e2e-'));
  const parsed = parseConfig({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fakeSlack.url,
    SLACK_ALERT_CHANNEL: ALERT_CHANNEL,
    SLACK_ADMIN_USERS: ADMIN,
    WAVIX_API_KEY: emulator.apiKey,
    WAVIX_API_URL: emulator.url,
    PUBLIC_BASE_URL,
    WEBHOOK_SECRET,
    DATABASE_PATH: join(dir, 'smsops.db'),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'debug',
    ...env,
  });
  if (!parsed.ok) throw parsed.error;
  const logs: string[] = [];
  // smsops' one clock is real time moved on by however far the test moved the emulator's (`clock.advance`): the relay's
  // retries and leases run in real time, and a test moves "now" for Wavix and the watch together.
  const emulatorStart = emulator.clock.now();
  const smsops = await startSmsops(parsed.value, {
    logger: createLogger({ level: 'debug', sink: (line) => logs.push(line) }),
    slack: {
      unhandledRequestTimeoutMillis: 1500,
      retryConfig: { retries: options.slackRetries ?? 0, minTimeout: 10, maxTimeout: 10 },
    },
    now: () => Date.now() + (emulator.clock.now() - emulatorStart),
    // Jobs run only when a test asks (`/sms jobs run …`).
    scheduleJobs: false,
    ...(options.replyDrainMs !== undefined ? { replyDrainMs: options.replyDrainMs } : {}),
    ...(options.replyWriteWaitMs !== undefined ? { replyWriteWaitMs: options.replyWriteWaitMs } : {}),
    doctorRunGapMs: options.doctorRunGapMs ?? 0,
    ...(options.jobTimeLimitMs !== undefined ? { jobTimeLimitMs: options.jobTimeLimitMs } : {}),
    ...(options.slackClockCheck ? { slackClockCheck: options.slackClockCheck } : {}),
  });
  const db = openDatabase(parsed.value.databasePath).db;
  const slack = createSlackTestClient({
    eventsUrl: `${smsops.url}/slack/events`,
    signingSecret: SIGNING_SECRET,
    responseUrl: fakeSlack.responseUrl,
  });
  return {
    smsops,
    emulator,
    fakeSlack,
    slack,
    logs,
    db,
    secrets: [SIGNING_SECRET, BOT_TOKEN, WEBHOOK_SECRET, emulator.apiKey],
    stop: async () => {
      closeDatabase(db);
      await smsops.stop();
      await Promise.all([emulator.close(), fakeSlack.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Everything smsops sent to Slack as content (not the Authorization header), to search for leaks. */
export function slackTraffic(t: Pick<SmsopsUnderTest, 'fakeSlack'>): string {
  return JSON.stringify([t.fakeSlack.calls.map((c) => c.args), t.fakeSlack.responses]);
}

/** Stops smsops after checking that no secret reached Slack or a log line in the whole test (the house rule). */
export async function stopCheckingSecrets(t: SmsopsUnderTest): Promise<void> {
  const seen = `${slackTraffic(t)}\n${t.logs.join('\n')}`;
  for (const secret of t.secrets) expect(seen).not.toContain(secret);
  await t.stop();
}

/** The text of every block and the fallback text of a recorded message, for assertions on what a person reads. */
export function readable(message: unknown): string {
  const parts: string[] = [];
  const walk = (value: unknown) => {
    if (typeof value === 'string') parts.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(message);
  return parts.join('\n');
}

/**
 * Runs `/sms <text>` and returns what the person sees: the ack's own body when it carries the answer, otherwise the
 * next response_url post.
 */
export async function runCommand(
  t: Pick<SmsopsUnderTest, 'slack' | 'fakeSlack'>,
  text: string,
  options: { userId?: string; channelId?: string } = {},
  // biome-ignore lint/suspicious/noExplicitAny: Slack message bodies are asserted structurally
): Promise<{ status: number; body: any; viaAck: boolean }> {
  const before = t.fakeSlack.responses.length;
  const response = await t.slack.command(text, options);
  if (response.status !== 200) return { status: response.status, body: response.json ?? response.text, viaAck: true };
  if (response.json) return { status: 200, body: response.json, viaAck: true };
  const all = await t.fakeSlack.waitForResponses(before + 1);
  return { status: 200, body: all[before]?.body, viaAck: false };
}

let inboundCounter = 0;

/**
 * Posts a Wavix inbound SMS webhook to the running smsops, as Wavix does (its secret URL, JSON): the fields given
 * override a plain SMS from a UK mobile to the US test number, with a `message_id` of its own. Returns the answer.
 */
export function postInbound(
  t: Pick<SmsopsUnderTest, 'smsops'>,
  fields: { message_id?: string; from?: string; to?: string; text?: string } = {},
): Promise<Response> {
  const { text = 'Hello from a customer', ...rest } = fields;
  return fetch(`${t.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      message_id: `in-${++inboundCounter}-${Date.now()}`,
      message_type: 'sms',
      from: '447400123456',
      to: '14155550100',
      message_body: { text, media: null },
      received_at: '2026-11-25T10:00:00.000Z',
      ...rest,
    }),
  });
}

/** Posts `report`, a Wavix delivery report (its DLR webhook's JSON), to the running smsops as Wavix does. */
export function postDeliveryReport(t: Pick<SmsopsUnderTest, 'smsops'>, report: object): Promise<Response> {
  return fetch(`${t.smsops.url}/webhooks/wavix/dlr/${WEBHOOK_SECRET}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(report),
  });
}
