import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { metricValue } from '../../bench/measure.js';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import { inboundWebhookBody, productionEnv, startSmsopsProcess } from '../helpers/smsopsProcess.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';

/**
 * A flood the Slack leg's pace cannot follow, on the real process: the messages wait in the Slack leg's queue (stored,
 * without a Slack delivery row each), are counted in /healthz and /metrics all the same, survive a kill -9, and are
 * all posted once, in order per conversation, when the Slack leg catches up.
 */

const WEBHOOK_SECRET = 'whsec_test_0123456789abcdefghijkl';
const INBOX = 'C0QUEUE001';
const CONVERSATIONS = 30;
const MESSAGES_EACH = 10;
const TOTAL = CONVERSATIONS * MESSAGES_EACH;

const senderOf = (conversation: number) => `4474002${String(conversation).padStart(5, '0')}`;
const textOf = (conversation: number, n: number) => `queued c${conversation} n${n} end`;

describe('the Slack leg behind a flood (real process)', () => {
  const rig = useRealProcessRig('smsops-slack-queue-');

  const start = async (paceMs: number) => {
    const p = await startSmsopsProcess(rig.dir, {
      ...productionEnv({ port: rig.port, databasePath: join(rig.dir, 'smsops.db'), webhookSecret: WEBHOOK_SECRET }),
      SLACK_API_URL: rig.fakeSlack.url,
      SLACK_INBOX_CHANNEL: INBOX,
      SLACK_RELAY_PACE_MS: String(paceMs),
      PORTSIP_WEBHOOK_URL: `${rig.sink.url}/emc/queue`,
    });
    rig.track(p);
    return p;
  };

  const post = async (conversation: number, n: number) => {
    const response = await fetch(`${rig.base}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: inboundWebhookBody(`queue-${conversation}-${n}`, senderOf(conversation), textOf(conversation, n)),
    });
    await response.arrayBuffer();
    return response.status;
  };

  /** The relayed SMS texts in the order the inbox channel's posts show them (each post's messages in their order). */
  const postedTexts = () =>
    rig.fakeSlack
      .callsTo('chat.postMessage')
      .filter((c) => c.args.channel === INBOX && !c.error && !c.rateLimited)
      .flatMap((c) => [...JSON.stringify(c.args.blocks ?? c.args.text).matchAll(/queued c\d+ n\d+ end/g)].map((m) => m[0]));

  const slackRows = () => {
    const db = new Database(join(rig.dir, 'smsops.db'), { readonly: true });
    try {
      return (db.prepare("SELECT count(*) AS n FROM deliveries WHERE destination_kind = 'slack'").get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  it('waits as stored messages, is counted in /healthz and /metrics, survives kill -9, and is posted once and in order', {
    timeout: 90_000,
  }, async () => {
    // One post, then a pace of a minute: everything after the first post waits for the Slack leg.
    const first = await start(60_000);
    for (let n = 0; n < MESSAGES_EACH; n++) {
      const statuses = await Promise.all(Array.from({ length: CONVERSATIONS }, (_, c) => post(c, n)));
      expect(statuses).toEqual(Array(CONVERSATIONS).fill(200));
    }
    await waitUntil(
      () => rig.sink.received.length >= TOTAL,
      20_000,
      () => `PortSIP got ${rig.sink.received.length} of ${TOTAL}`,
    );
    await waitUntil(() => postedTexts().length > 0, 10_000, 'the first post');
    const postedFirst = postedTexts().length;

    // What Slack has not shown yet is the backlog, whether it has its delivery row or still waits in the queue.
    const health = await waitUntil(
      async () => {
        const body = (await (await fetch(`${rig.base}/healthz`)).json()) as { backlog: number };
        return body.backlog === TOTAL - postedFirst ? body : false;
      },
      10_000,
      'the /healthz backlog to count every message not posted',
    );
    expect(health.backlog).toBe(TOTAL - postedFirst);
    const metrics = await (await fetch(`${rig.base}/metrics`)).text();
    expect(metricValue(metrics, 'smsops_relay_backlog', { kind: 'slack' })).toBe(TOTAL - postedFirst);
    expect(metricValue(metrics, 'smsops_relay_backlog', { kind: 'portsip' })).toBe(0);
    // Most of them have no Slack delivery row yet: the Slack leg gave rows to what it had room for (100 at a time).
    expect(slackRows()).toBeLessThanOrEqual(200);

    first.kill();
    await first.exited;
    await start(0);
    await waitUntil(
      () => postedTexts().length >= TOTAL,
      30_000,
      () => `posted ${postedTexts().length} of ${TOTAL}`,
    );
    await sleep(300);
    const posted = postedTexts();
    // Each once: the post waiting for its turn at the kill had not been sent.
    expect(new Set(posted).size).toBe(TOTAL);
    expect(posted).toHaveLength(TOTAL);
    for (let c = 0; c < CONVERSATIONS; c++) {
      const own = posted.filter((t) => t.startsWith(`queued c${c} `));
      expect(own, `conversation ${c}`).toEqual(Array.from({ length: MESSAGES_EACH }, (_, n) => textOf(c, n)));
    }
    expect(slackRows()).toBe(TOTAL);
    const after = (await (await fetch(`${rig.base}/healthz`)).json()) as { backlog: number; status: string };
    expect(after).toMatchObject({ backlog: 0, status: 'ok' });
    // PortSIP got each once as well.
    expect(rig.sink.received).toHaveLength(TOTAL);
  });
});
