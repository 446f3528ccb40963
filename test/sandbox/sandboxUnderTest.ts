import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/log.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/startSandbox.js';
import { SENDER_ID_ACTION, SENDER_ID_BLOCK } from '../../src/slack/ids.js';
import { waitUntil } from '../helpers/waitUntil.js';

export interface SandboxUnderTest {
  sandbox: RunningSandbox;
  /** Every log line of the run (JSON text). */
  logs: string[];
  /** The console's JSON API: GET without a body, POST with one. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read the console's JSON structurally
  api(path: string, body?: unknown): Promise<{ status: number; json: any }>;
  /** Polls the console state until `ready` returns something other than undefined. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read the console's JSON structurally
  waitForState<T>(ready: (state: any) => T | undefined, what: string, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

/**
 * The sandbox as `npm start` runs it without credentials, on a free loopback port with a temporary database, or on
 * `databasePath` (kept at stop, for a restart on it).
 */
export async function startSandboxUnderTest(options: { databasePath?: string } = {}): Promise<SandboxUnderTest> {
  const dir = options.databasePath === undefined ? mkdtempSync(join(tmpdir(), 'smsops-sandbox-')) : undefined;
  const logs: string[] = [];
  const sandbox = await startSandbox({
    host: '127.0.0.1',
    port: 0,
    databasePath: options.databasePath ?? join(dir ?? '', 'sandbox.db'),
    logger: createLogger({ level: 'debug', sink: (line) => logs.push(line) }),
    logLevel: 'debug',
    scheduleJobs: false,
  });

  const api: SandboxUnderTest['api'] = async (path, body) => {
    const response = await fetch(`${sandbox.url}/sandbox/api/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: await response.json() };
  };

  const waitForState: SandboxUnderTest['waitForState'] = async (ready, what, timeoutMs = 8000) => {
    let last: unknown;
    // Boxed: any value but undefined is an answer, a false or a 0 too.
    const found = await waitUntil(
      async () => {
        last = (await api('state')).json;
        const value = ready(last);
        return value === undefined ? undefined : { value };
      },
      timeoutMs,
      () => `${what}; last state: ${JSON.stringify(last).slice(0, 3000)}`,
    );
    return found.value;
  };

  return {
    sandbox,
    logs,
    api,
    waitForState,
    stop: async () => {
      await sandbox.stop();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The Sender ID form's values, in Slack's `view.state.values` shape. */
export function senderIdFormValues(fields: { value: string; countries: string[]; samples?: string }) {
  return {
    [SENDER_ID_BLOCK.type]: {
      [SENDER_ID_ACTION.type]: { type: 'radio_buttons', selected_option: { value: 'alphanumeric' } },
    },
    [SENDER_ID_BLOCK.valueText]: { [SENDER_ID_ACTION.value]: { type: 'plain_text_input', value: fields.value } },
    [SENDER_ID_BLOCK.countries]: {
      [SENDER_ID_ACTION.countries]: {
        type: 'multi_static_select',
        selected_options: fields.countries.map((value) => ({ value })),
      },
    },
    [SENDER_ID_BLOCK.usecase]: {
      [SENDER_ID_ACTION.usecase]: { type: 'static_select', selected_option: { value: 'transactional' } },
    },
    [SENDER_ID_BLOCK.samples]: { [SENDER_ID_ACTION.samples]: { type: 'plain_text_input', value: fields.samples ?? null } },
  };
}
