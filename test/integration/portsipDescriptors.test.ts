import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultMaxConnections } from '../../src/http/limitsConfig.js';
import { portsipConnections } from '../../src/relay/portsipConnections.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fakeSlack.js';
import { openFds, postOnce, serverPid, slowHeaderFlood } from '../helpers/hostileClients.js';
import { freePort, inboundWebhookBody, productionEnv, type SmsopsProcess, spawnSmsops } from '../helpers/smsopsProcess.js';
import { waitUntil } from '../helpers/waitUntil.js';
import { webhookSinks } from '../helpers/webhookSink.js';

/**
 * The relay's PortSIP connections beside a listener at its cap, on the real process under the lowest descriptor limit
 * smsops starts with: each must leave the other its descriptors.
 */

const SECRET = 'whsec_test_0123456789abcdefghijkl';
const LIMIT = 256;
const WEBHOOKS = 600;
let dir: string;
let smsops: SmsopsProcess | undefined;
let slack: FakeSlack | undefined;
const sinks = webhookSinks();

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'smsops-portsip-fds-'));
});

afterEach(async () => {
  smsops?.kill();
  smsops = undefined;
  await slack?.close();
  slack = undefined;
  await sinks.closeAll();
  rmSync(dir, { recursive: true, force: true });
});

describe('PortSIP connections under `ulimit -n 256`', () => {
  it('a burst relayed to a PBX while silent connections hold the listener at its cap: every webhook answered, fewer descriptors than the limit', async () => {
    const sink = await sinks.start();
    sink.delay(20);
    slack = await startFakeSlack();
    const port = await freePort();
    smsops = spawnSmsops({
      cwd: dir,
      env: {
        ...productionEnv({ port, databasePath: join(dir, 'smsops.db'), webhookSecret: SECRET }),
        PORTSIP_WEBHOOK_URL: `${sink.url}/portsip/inbound`,
        SLACK_API_URL: slack.url,
        SLACK_INBOX_CHANNEL: 'C0INBOX001',
        SLACK_RELAY_PACE_MS: '50',
      },
      openFileLimit: LIMIT,
    });
    await smsops.waitForLine(/smsops listening/);
    const pid = serverPid(smsops.pid);
    const webhookUrl = `http://127.0.0.1:${port}/webhooks/wavix/inbound/${SECRET}`;
    const flood = slowHeaderFlood({ port, count: 220, reopenMs: 200 });
    let maxToPortsip = 0;
    let maxFds = 0;
    const watch = setInterval(() => {
      maxToPortsip = Math.max(maxToPortsip, sink.connections());
      maxFds = Math.max(maxFds, openFds(pid));
    }, 20);
    const answers: number[] = [];
    try {
      await waitUntil(() => flood.closedByServer() >= 20, 15_000, 'the listener at its cap, shedding flood connections');
      // 30 at a time from 300 conversations: a backlog the relay's window grows on (one more per round of 2xx).
      let next = 0;
      const poster = async () => {
        while (next < WEBHOOKS) {
          const n = next++;
          const from = `4474001${String(n % 300).padStart(5, '0')}`;
          answers.push((await postOnce(webhookUrl, inboundWebhookBody(`fd-${n}`, from), 10_000)).status);
        }
      };
      await Promise.all(Array.from({ length: 30 }, poster));
      // Before: 246 of 600 closed unanswered (ECONNRESET; never stored), 31 connections to PortSIP, 256 descriptors.
      expect(answers.filter((status) => status !== 200)).toEqual([]);
      await waitUntil(() => sink.received.length >= WEBHOOKS, 20_000, 'every webhook relayed to PortSIP');
    } finally {
      clearInterval(watch);
      flood.stop();
    }
    expect(maxToPortsip).toBeLessThanOrEqual(portsipConnections(LIMIT, defaultMaxConnections(LIMIT)));
    expect(maxFds).toBeLessThan(LIMIT);
    expect(smsops.logs.join('\n')).not.toMatch(/EMFILE/);
    expect(smsops.logs.join('\n')).toContain('the relay sends at most this many PortSIP attempts at once');
  }, 90_000);
});
