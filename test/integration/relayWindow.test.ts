import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { metricValue } from '../../bench/measure.js';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import { inboundWebhookBody, productionEnv, startSmsopsProcess } from '../helpers/smsopsProcess.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * The PortSIP relay's parallelism at its defaults, on the real process: a backlog drained to a PortSIP answering 2xx
 * gets up to 64 posts open at once (RELAY_CONCURRENCY's default: the relay kept up with a 32-connection flood only
 * from there on, bench/README.md), never more; every message still arrives, in order per conversation, and a kill -9
 * in the middle of that drain sends at most 64 of them twice.
 */

const WEBHOOK_SECRET = 'whsec_test_0123456789abcdefghijkl';
const DEFAULT_RELAY_CONCURRENCY = 64;
const CONVERSATIONS = 500;
const MESSAGES_EACH = 6;
const SENDERS_AT_ONCE = 64;

const senderOf = (conversation: number) => `4474001${String(conversation).padStart(5, '0')}`;
const idOf = (conversation: number, wave: number) => `window-${conversation}-${wave}`;

describe('the PortSIP relay at its default concurrency (real process)', () => {
  const rig = useRealProcessRig('smsops-window-');

  const start = async () => {
    const p = await startSmsopsProcess(rig.dir, {
      ...productionEnv({ port: rig.port, databasePath: join(rig.dir, 'smsops.db'), webhookSecret: WEBHOOK_SECRET }),
      SLACK_API_URL: rig.fakeSlack.url,
      PORTSIP_WEBHOOK_URL: `${rig.sink.url}/emc/window`,
    });
    rig.track(p);
    return p;
  };

  /** True when smsops acknowledged the webhook; false when it did not (refused, reset, killed): Wavix would retry. */
  const post = async (conversation: number, wave: number) => {
    try {
      const response = await fetch(`${rig.base}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: inboundWebhookBody(idOf(conversation, wave), senderOf(conversation), `message ${wave}`),
        signal: AbortSignal.timeout(30_000),
      });
      await response.arrayBuffer();
      return response.status === 200;
    } catch {
      return false;
    }
  };

  /**
   * One message of each conversation in `conversations`, SENDERS_AT_ONCE at a time; a conversation's next message is
   * sent only in the next wave, once this one was acknowledged, so its order is defined. Returns those not acknowledged.
   */
  const sendWave = async (wave: number, conversations: readonly number[]) => {
    const unacknowledged: number[] = [];
    let next = 0;
    const sender = async () => {
      for (let i = next++; i < conversations.length; i = next++) {
        const c = conversations[i] as number;
        if (!(await post(c, wave))) unacknowledged.push(c);
      }
    };
    await Promise.all(Array.from({ length: SENDERS_AT_ONCE }, sender));
    return unacknowledged;
  };

  const everyConversation = Array.from({ length: CONVERSATIONS }, (_, c) => c);
  const total = CONVERSATIONS * MESSAGES_EACH;
  const arrivedIds = () => rig.sink.received.map((r) => (r.json() as { message_id: string }).message_id);

  /** Every message at the sink and nothing left to send (no attempt out either): the sink has all it will get. */
  const drained = async () => {
    await waitUntil(
      () => new Set(arrivedIds()).size >= total,
      90_000,
      () => `${new Set(arrivedIds()).size} of ${total} at PortSIP`,
    );
    await waitUntil(
      async () =>
        metricValue(await (await fetch(`${rig.base}/metrics`)).text(), 'smsops_relay_backlog', { kind: 'portsip' }) === 0,
      30_000,
      'the PortSIP backlog at 0',
    );
  };

  /** Each conversation's messages reached PortSIP in the order they were sent (a resend after a crash aside). */
  const expectOrderPerConversation = (ids: readonly string[]) => {
    const firstSeen = new Map<string, number>();
    for (const [i, id] of ids.entries()) if (!firstSeen.has(id)) firstSeen.set(id, i);
    for (const c of everyConversation) {
      const positions = Array.from({ length: MESSAGES_EACH }, (_, w) => firstSeen.get(idOf(c, w)) ?? -1);
      expect(positions, `order of conversation ${c}`).toEqual([...positions].sort((a, b) => a - b));
    }
  };

  it('drains a backlog with more than 32 posts open at the PBX, at most 64, each message once and in order', {
    timeout: 120_000,
  }, async () => {
    await start();
    // A PBX answering each post after 50 ms: the relay's rate is then its window's size, and a backlog forms.
    rig.sink.delay(50);
    for (let wave = 0; wave < MESSAGES_EACH; wave += 1) expect(await sendWave(wave, everyConversation)).toEqual([]);
    await drained();

    const ids = arrivedIds();
    expect(ids.length, 'each message once').toBe(total);
    expect(new Set(ids).size).toBe(total);
    expectOrderPerConversation(ids);
    expect(rig.sink.maxOpen(), 'posts open at once past the old default of 32').toBeGreaterThan(32);
    expect(rig.sink.maxOpen(), 'never past RELAY_CONCURRENCY').toBeLessThanOrEqual(DEFAULT_RELAY_CONCURRENCY);
  });

  it('kill -9 while 48 or more posts are open: after a restart every message arrives, at most 64 of them twice', {
    timeout: 120_000,
  }, async () => {
    const first = await start();
    rig.sink.delay(50);
    // Killed from here once the window is wide open; the waves go on until smsops stops answering.
    let killedWith = -1;
    const killer = waitUntil(() => rig.sink.open() >= 48, 60_000, 'posts open at once').then(() => {
      killedWith = rig.sink.open();
      first.kill();
    });
    // Per wave, what smsops did not acknowledge: after the kill, everything (stored or not, it is sent again).
    const left: Array<readonly number[]> = [];
    for (let wave = 0; wave < MESSAGES_EACH; wave += 1)
      left.push(first.hasExited() ? everyConversation : await sendWave(wave, everyConversation));
    await killer;
    await first.exited;
    const beforeRestart = new Set(arrivedIds());
    expect(killedWith, 'posts open at the kill').toBeGreaterThanOrEqual(48);
    expect(beforeRestart.size, 'the kill left work behind').toBeLessThan(total);

    await start();
    // What was not acknowledged is sent again, as Wavix retries, wave by wave so each conversation keeps its order.
    for (const [wave, conversations] of left.entries()) expect(await sendWave(wave, conversations)).toEqual([]);
    await drained();

    const ids = arrivedIds();
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect(counts.size, 'every message arrived').toBe(total);
    const twice = [...counts].filter(([, n]) => n > 1);
    expect(twice.length, `sent twice: ${twice.length}`).toBeLessThanOrEqual(DEFAULT_RELAY_CONCURRENCY);
    for (const [id, n] of twice) {
      expect(n, `${id} arrived ${n} times`).toBe(2);
      expect(beforeRestart.has(id), `${id} sent twice without having been out at the kill`).toBe(true);
    }
    expectOrderPerConversation(ids);
  });
});
