import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../helpers/fakeSlack.js';
import { freePort, inboundWebhookBody, productionEnv, type SmsopsProcess, startSmsopsProcess } from '../helpers/smsopsProcess.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

/**
 * The PortSIP relay's parallelism at its defaults, on the real process: a backlog drained to a PortSIP answering 2xx
 * gets up to 64 posts open at once (RELAY_CONCURRENCY's default: the relay kept up with a 32-connection flood only
 * from there on, bench/README.md), never more, and every message still arrives once, in order per conversation.
 */

const WEBHOOK_SECRET = 'whsec_test_0123456789abcdefghijkl';
const CONVERSATIONS = 500;
const MESSAGES_EACH = 6;
const SENDERS_AT_ONCE = 64;

describe('the PortSIP relay at its default concurrency (real process)', () => {
  let dir: string;
  let sink: WebhookSink;
  let fakeSlack: FakeSlack;
  let smsops: SmsopsProcess | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-window-'));
    sink = await startWebhookSink();
    fakeSlack = await startFakeSlack();
  });

  afterEach(async () => {
    smsops?.kill();
    if (smsops) await Promise.race([smsops.exited, sleep(5_000)]);
    smsops = undefined;
    await Promise.all([sink.close(), fakeSlack.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('drains a backlog with more than 32 posts open at the PBX, at most 64, each message once and in order', {
    timeout: 120_000,
  }, async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    smsops = await startSmsopsProcess(dir, {
      ...productionEnv({ port, databasePath: join(dir, 'smsops.db'), webhookSecret: WEBHOOK_SECRET }),
      SLACK_API_URL: fakeSlack.url,
      PORTSIP_WEBHOOK_URL: `${sink.url}/emc/window`,
    });
    // A PBX answering each post after 50 ms: the relay's rate is then its window's size, and a backlog forms.
    sink.delay(50);

    // Waves: a conversation's next message is sent once its last one was acknowledged, so its order is defined.
    const sent = new Map<string, string[]>();
    for (let wave = 0; wave < MESSAGES_EACH; wave += 1) {
      let next = 0;
      const sender = async () => {
        for (let c = next++; c < CONVERSATIONS; c = next++) {
          const from = `4474001${String(c).padStart(5, '0')}`;
          const id = `window-${c}-${wave}`;
          const response = await fetch(`${base}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: inboundWebhookBody(id, from, `message ${wave}`),
            signal: AbortSignal.timeout(30_000),
          });
          expect(response.status, id).toBe(200);
          await response.arrayBuffer();
          sent.set(from, [...(sent.get(from) ?? []), id]);
        }
      };
      await Promise.all(Array.from({ length: SENDERS_AT_ONCE }, sender));
    }

    const total = CONVERSATIONS * MESSAGES_EACH;
    await waitUntil(
      () => sink.received.length >= total,
      90_000,
      () => `${sink.received.length} of ${total} at PortSIP`,
    );
    // Nothing left to send (no attempt out either): what the sink holds is all it will get.
    await waitUntil(
      async () => /smsops_relay_backlog\{[^}]*kind="portsip"[^}]*\} 0$/m.test(await (await fetch(`${base}/metrics`)).text()),
      30_000,
      'the PortSIP backlog at 0',
    );

    const arrived = sink.received.map((r) => r.json() as { message_id: string; from: string });
    expect(arrived.length, 'each message once').toBe(total);
    expect(new Set(arrived.map((m) => m.message_id)).size).toBe(total);
    const order = new Map<string, string[]>();
    for (const m of arrived) order.set(m.from, [...(order.get(m.from) ?? []), m.message_id]);
    for (const [from, ids] of sent) expect(order.get(from), `order of ${from}`).toEqual(ids);

    expect(sink.maxOpen(), 'posts open at once past the old default of 32').toBeGreaterThan(32);
    expect(sink.maxOpen(), 'never past RELAY_CONCURRENCY').toBeLessThanOrEqual(64);
  });
});
