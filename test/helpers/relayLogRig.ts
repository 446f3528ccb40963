import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, productionEnv, type SmsopsProcess, startSmsopsProcess } from './smsopsProcess.js';
import { sleep } from './waitUntil.js';
import { startWebhookSink, type WebhookSink } from './webhookSink.js';

/** The PortSIP route's path: its last segment is the token log lines mask (`a558…`). */
export const PORTSIP_PATH = '/emc/Wavix - US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90';
/** What the SMS of these tests say and who sent them: never in a log line. */
export const SMS_TEXT = 'Quinlan 7f3a9c at Rue Zephyr';
export const SENDER = '447400987654';
export const OUR_NUMBER = '14155550100';

/**
 * smsops as `npm start` runs it, relaying to a local PortSIP sink, for tests whose assertion is the log: its lines
 * parsed (stderr's too), the webhook and /metrics at hand. Slack and Wavix are unreachable (no inbox channel: the
 * SMS go to PortSIP only).
 */
export interface RelayLogRig {
  sink: WebhookSink;
  dir: string;
  start(env?: Record<string, string>): Promise<SmsopsProcess>;
  /** The process started last. */
  smsops(): SmsopsProcess;
  /** Posts an inbound SMS webhook (a body of the caller's, or one to OUR_NUMBER from SENDER with SMS_TEXT). */
  post(messageId: string, body?: string): Promise<number>;
  metric(line: RegExp): Promise<number | null>;
  /** Every log line of every process started, parsed (a line that is not JSON is skipped). */
  lines(): Array<Record<string, unknown> & { msg?: string; level?: string }>;
  /** The raw lines, for leak checks. */
  rawLogs(): string;
  close(): Promise<void>;
}

export async function startRelayLogRig(): Promise<RelayLogRig> {
  const dir = mkdtempSync(join(tmpdir(), 'smsops-relaylog-'));
  const sink = await startWebhookSink();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const secret = 'whsec_test_relaylog_0123456789abcd';
  const processes: SmsopsProcess[] = [];
  const env = (extra: Record<string, string>) => ({
    ...productionEnv({ port, databasePath: join(dir, 'smsops.db'), webhookSecret: secret }),
    PORTSIP_WEBHOOK_URL: `${sink.url}${PORTSIP_PATH}`,
    RELAY_RETRY_BASE_MS: '50',
    ...extra,
  });
  const parse = (line: string) => {
    try {
      return JSON.parse(line.replace(/^\[stderr\] /, '')) as Record<string, unknown> & { msg?: string; level?: string };
    } catch {
      return undefined;
    }
  };
  return {
    sink,
    dir,
    start: async (extra = {}) => {
      const p = await startSmsopsProcess(dir, env(extra));
      processes.push(p);
      return p;
    },
    smsops: () => {
      const p = processes.at(-1);
      if (!p) throw new Error('no smsops started');
      return p;
    },
    post: async (messageId, body) => {
      const response = await fetch(`${base}/webhooks/wavix/inbound/${secret}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body:
          body ??
          JSON.stringify({
            message_id: messageId,
            message_type: 'sms',
            from: SENDER,
            to: OUR_NUMBER,
            message_body: { text: SMS_TEXT, media: null },
            received_at: '2026-11-25T10:00:00Z',
          }),
      });
      await response.arrayBuffer();
      return response.status;
    },
    metric: async (line) => {
      const text = await (await fetch(`${base}/metrics`)).text();
      const found = text.split('\n').find((l) => line.test(l));
      return found === undefined ? null : Number(found.split(' ').at(-1));
    },
    lines: () =>
      processes.flatMap((p) => p.logs.map(parse)).filter((l): l is NonNullable<ReturnType<typeof parse>> => l !== undefined),
    rawLogs: () => processes.flatMap((p) => p.logs).join('\n'),
    close: async () => {
      for (const p of processes) p.kill();
      await Promise.all(processes.map((p) => Promise.race([p.exited, sleep(5_000)])));
      await sink.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
