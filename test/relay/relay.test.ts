import { connect, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { formattedTexts, literalTexts } from '../helpers/slackText.js';
import {
  ALERT_CHANNEL,
  OUTSIDER,
  readable,
  runCommand,
  type SmsopsUnderTest,
  WEBHOOK_SECRET,
} from '../helpers/smsopsUnderTest.js';
import { useSmsopsWithSink } from '../helpers/smsopsWithSink.js';
import { waitUntil } from '../helpers/waitUntil.js';
import type { WebhookSink } from '../helpers/webhookSink.js';

/** smsops with a PortSIP sink whose URL path has spaces, as PortSIP's "Copy Webhook" gives it. */
const rig = useSmsopsWithSink({
  portsipPath: '/emc/Wavix - US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90',
  env: { RELAY_RETRY_BASE_MS: '20', SLACK_RELAY_PACE_MS: '0' },
});
let t: SmsopsUnderTest;
let sink: WebhookSink;

async function start(env: Record<string, string> = {}) {
  ({ t, sink } = await rig.start(env));
}

let counter = 0;
const inboundJson = (overrides: Record<string, unknown> = {}, body: Record<string, unknown> = {}) =>
  JSON.stringify({
    message_id: `m-${++counter}-${Date.now()}`,
    message_type: 'sms',
    from: '447400123456',
    to: '14155550100',
    message_body: { text: 'Hello from the test', media: null, ...body },
    received_at: '2026-11-25T10:00:00.000Z',
    ...overrides,
  });

async function post(raw: string | Buffer, options: { secret?: string; route?: 'inbound' | 'dlr'; contentType?: string } = {}) {
  const response = await fetch(
    `${t.smsops.url}/webhooks/wavix/${options.route ?? 'inbound'}/${options.secret ?? WEBHOOK_SECRET}`,
    {
      method: 'POST',
      headers: { 'content-type': options.contentType ?? 'application/json' },
      body: raw,
    },
  );
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/**
 * A PortSIP stand-in speaking raw HTTP/1.1, for answers a well-behaved server cannot give: `answer` gets the socket
 * once a whole request is in (headers and body) and writes what it likes. `requests` counts the requests received.
 */
async function rawPbx(answer: (socket: Socket) => void) {
  let requests = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length:\s*(\d+)/i.exec(buffered.subarray(0, end).toString('latin1'))?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      buffered = buffered.subarray(end + 4 + length);
      requests += 1;
      answer(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/emc/Wavix - US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const portsipRow = (wavixMessageId: string) =>
  t.db
    .prepare(`
      SELECT d.status, d.attempts, d.last_error AS lastError, d.next_attempt_at AS nextAttemptAt
      FROM deliveries d JOIN inbound_messages m ON m.id = d.inbound_message_id
      WHERE m.wavix_message_id = ? AND d.destination_kind = 'portsip'`)
    .get(wavixMessageId) as { status: string; attempts: number; lastError: string | null; nextAttemptAt: number } | undefined;

describe('inbound webhook → PortSIP', () => {
  it('counts a 2xx status as delivered when PortSIP then resets the connection mid-body, and does not send it again', async () => {
    // PortSIP's acceptance is the status line: the body it promised (100 bytes) never comes whole.
    const pbx = await rawPbx((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\npartial');
      setTimeout(() => socket.destroy(), 20);
    });
    try {
      await start({ PORTSIP_WEBHOOK_URL: pbx.url });
      await post(inboundJson({ message_id: 'reset-1' }));
      await waitUntil(
        () => portsipRow('reset-1')?.status === 'delivered',
        5000,
        () => `delivered: ${JSON.stringify(portsipRow('reset-1'))}`,
      );
      // Retries were 20 ms apart (RELAY_RETRY_BASE_MS): a second of quiet shows there is none.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(pbx.requests()).toBe(1);
      expect(portsipRow('reset-1')).toMatchObject({ status: 'delivered', attempts: 1, lastError: null });
    } finally {
      await pbx.close();
    }
  });

  it('waits until the moment a Retry-After given as an HTTP-date names before trying PortSIP again', async () => {
    // RFC 9110's other form of Retry-After, 30 s ahead (no Date header: read against smsops' clock).
    let retryAt = 0;
    const pbx = await rawPbx((socket) => {
      retryAt = Math.ceil((Date.now() + 30_000) / 1000) * 1000;
      socket.end(
        `HTTP/1.1 503 Service Unavailable\r\nRetry-After: ${new Date(retryAt).toUTCString()}\r\nContent-Length: 4\r\n\r\nbusy`,
      );
    });
    try {
      await start({ PORTSIP_WEBHOOK_URL: pbx.url });
      await post(inboundJson({ message_id: 'retry-date-1' }));
      const failed = await waitUntil(
        () => (portsipRow('retry-date-1')?.attempts === 1 ? portsipRow('retry-date-1') : undefined),
        5000,
        'the refused attempt recorded',
      );
      expect(failed).toMatchObject({ status: 'pending', lastError: 'HTTP 503: busy' });
      expect(failed.nextAttemptAt).toBeGreaterThanOrEqual(retryAt);
      expect(failed.nextAttemptAt).toBeLessThan(retryAt + 5_000);
      // Retries were 20 ms apart (RELAY_RETRY_BASE_MS): a second of quiet shows the wait is kept.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(pbx.requests()).toBe(1);
    } finally {
      await pbx.close();
    }
  });

  it('relays the exact bytes and Content-Type to the URL as copied, spaces percent-encoded', async () => {
    await start();
    // Odd spacing, key order and an emoji: re-serialising would change these bytes.
    const raw = Buffer.from(
      `{"message_id":"exact-1",  "from":"447400123456","to":"14155550100","message_body":{"media":null,"text":"Hi 👋 \\u00e9"},"received_at":"2026-11-25T10:00:00Z"}`,
    );
    expect((await post(raw, { contentType: 'application/json; charset=utf-8' })).status).toBe(200);
    const [request] = await waitUntil(() => (sink.received.length > 0 ? sink.received : false), 5000, 'PortSIP');
    expect(request?.path).toBe('/emc/Wavix%20-%20US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90');
    expect(request?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(request?.body.equals(raw)).toBe(true);
  });

  it('answers a repeat of the same Wavix message 2xx and relays it once', async () => {
    await start();
    const raw = inboundJson({ message_id: 'dup-1' });
    expect(await post(raw)).toEqual({ status: 200, json: { ok: true, duplicate: false } });
    expect(await post(raw)).toEqual({ status: 200, json: { ok: true, duplicate: true } });
    // A later message from the same sender relayed proves the worker is past where a repeat would have gone.
    await post(inboundJson({ message_id: 'after-dup-1' }));
    await waitUntil(() => sink.received.length >= 2, 5000, 'the later message at PortSIP');
    expect(sink.received.map((r) => (r.json() as { message_id: string }).message_id)).toEqual(['dup-1', 'after-dup-1']);
  });

  it('keeps the first of a message_id repeated with another body, and records, counts and shows the other', async () => {
    await start();
    const first = inboundJson({ message_id: 'conflict-1' }, { text: 'Meet at the north gate' });
    const second = inboundJson({ message_id: 'conflict-1' }, { text: 'Meet at the south gate' });
    expect(await post(first)).toEqual({ status: 200, json: { ok: true, duplicate: false } });
    // Wavix's retry (the same bytes) is a plain duplicate, as before.
    expect(await post(first)).toEqual({ status: 200, json: { ok: true, duplicate: true } });
    // 200 so that Wavix does not send it again and again: it will never be stored.
    expect(await post(second)).toEqual({ status: 200, json: { ok: true, duplicate: true, conflict: true } });
    // The same id as a number, then as a string: one message_id for smsops, two different bodies.
    const numeric = inboundJson({ message_id: 777 }, { text: 'first 777' });
    const text = inboundJson({ message_id: '777' }, { text: 'second 777' });
    expect((await post(numeric)).json).toEqual({ ok: true, duplicate: false });
    expect((await post(text)).json).toEqual({ ok: true, duplicate: true, conflict: true });

    // The first stays the message: relayed once, as it came.
    await waitUntil(() => sink.received.length >= 2, 5000, 'both messages at PortSIP');
    expect(sink.received.map((r) => r.body.toString('utf8'))).toEqual([first, numeric]);
    const stored = t.db.prepare("SELECT raw_body FROM inbound_messages WHERE wavix_message_id = 'conflict-1'").get() as {
      raw_body: Buffer;
    };
    expect(stored.raw_body.toString('utf8')).toBe(first);
    // The other ones are kept with their bodies where refused webhooks are; the retry is not.
    const kept = t.db.prepare('SELECT route, reason, body_excerpt FROM rejected_webhooks ORDER BY id').all() as Array<{
      route: string;
      reason: string;
      body_excerpt: Buffer;
    }>;
    expect(kept.map((k) => [k.route, k.reason, k.body_excerpt.toString('utf8')])).toEqual([
      ['inbound', 'message_id already stored with a different body', second],
      ['inbound', 'message_id already stored with a different body', text],
    ]);
    const metrics = await (await fetch(`${t.smsops.url}/metrics`)).text();
    expect(metrics).toContain('smsops_webhooks_total{route="inbound",outcome="conflict"} 2\n');
    expect(metrics).toContain('smsops_webhooks_total{route="inbound",outcome="duplicate"} 1\n');
    // A warning for each, without either text.
    const warnings = t.logs.filter((l) => l.includes('repeats a stored message_id with a different body'));
    expect(warnings).toHaveLength(2);
    expect(t.logs.join('\n')).not.toMatch(/north gate|south gate|first 777|second 777/);
    const status = readable((await runCommand(t, 'relay status')).body);
    expect(status).toContain(
      "2 webhooks in the last 24 h were not stored (each kept with its body in the database's `rejected_webhooks`, the newest 1,000), most often: `inbound: message_id already stored with a different body` ×2",
    );
  });

  it('logs a webhook whose client hung up mid-body at info, as not stored and not answered (not as a 500 it never sent)', async () => {
    await start();
    const { hostname, port } = new URL(t.smsops.url);
    const socket = connect(Number(port), hostname, () => {
      socket.end(
        `POST /webhooks/wavix/inbound/${WEBHOOK_SECRET} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"message_id"`,
      );
    });
    socket.on('error', () => {});
    socket.resume();
    const line = await waitUntil(
      () => t.logs.find((l) => l.includes('before sending its whole body')),
      5000,
      'the line of the cut webhook',
    );
    expect(JSON.parse(line)).toMatchObject({
      level: 'info',
      msg: 'webhook not stored: the client closed the connection before sending its whole body (nothing answered)',
      route: 'inbound',
      receivedBytes: 13,
      declaredBytes: 1000,
    });
    // It was said as an error, "answered 500", with `Error: aborted`.
    expect(t.logs.filter((l) => JSON.parse(l).level === 'error')).toEqual([]);
    const metrics = await (await fetch(`${t.smsops.url}/metrics`)).text();
    expect(metrics).toContain('smsops_webhook_responses_total{route="inbound",status="aborted"} 1\n');
    expect(metrics).toContain('smsops_webhook_responses_total{route="inbound",status="500"} 0\n');
    expect(t.db.prepare('SELECT count(*) AS n FROM inbound_messages').get()).toEqual({ n: 0 });
  });

  it('keeps retrying while PortSIP answers 500 or is down, and delivers when it is back', async () => {
    await start();
    sink.respondWith(500);
    await post(inboundJson({ message_id: 'retry-1' }));
    await waitUntil(() => sink.received.length >= 2, 5000, 'a failed attempt');
    const failed = t.db
      .prepare("SELECT status, last_status_code, attempts FROM deliveries WHERE destination_kind = 'portsip'")
      .get() as {
      status: string;
      last_status_code: number;
      attempts: number;
    };
    expect(failed.status).not.toBe('delivered');
    expect(failed.last_status_code).toBe(500);
    await sink.down();
    // An attempt refused at the door (no HTTP status, an error recorded) is what "down" looks like to the relay.
    await waitUntil(
      () =>
        t.db
          .prepare(
            "SELECT 1 FROM deliveries WHERE destination_kind = 'portsip' AND last_status_code IS NULL AND last_error IS NOT NULL",
          )
          .get(),
      5000,
      'an attempt while PortSIP is down',
    );
    sink.respondWith(200);
    await sink.up();
    await waitUntil(
      () => t.db.prepare("SELECT 1 FROM deliveries WHERE destination_kind = 'portsip' AND status = 'delivered'").get(),
      5000,
      'delivered',
    );
    const last = t.db.prepare("SELECT attempts FROM deliveries WHERE destination_kind = 'portsip'").get() as { attempts: number };
    expect(last.attempts).toBeGreaterThanOrEqual(3);
  });

  it('delivers each conversation in arrival order', async () => {
    await start();
    sink.delay(5);
    for (let i = 0; i < 15; i++) {
      await post(inboundJson({ message_id: `order-a-${i}`, from: '447400123456' }, { text: `a${i}` }));
      await post(inboundJson({ message_id: `order-b-${i}`, from: '447400999999' }, { text: `b${i}` }));
    }
    await waitUntil(() => sink.received.length >= 30, 10_000, 'all 30');
    const texts = sink.received.map((r) => (r.json() as { message_body: { text: string } }).message_body.text);
    expect(texts.filter((x) => x.startsWith('a'))).toEqual(Array.from({ length: 15 }, (_, i) => `a${i}`));
    expect(texts.filter((x) => x.startsWith('b'))).toEqual(Array.from({ length: 15 }, (_, i) => `b${i}`));
  });

  it('gives up after the dead-letter age and alerts the alert channel once', async () => {
    await start({ RELAY_DEAD_AFTER_HOURS: '0.0001' });
    sink.respondWith(500);
    await post(inboundJson({ message_id: 'dead-1' }));
    await post(inboundJson({ message_id: 'dead-2' }));
    await waitUntil(
      () => (t.db.prepare("SELECT count(*) AS n FROM deliveries WHERE status = 'dead'").get() as { n: number }).n >= 2,
      8000,
      'dead',
    );
    const alerts = await t.fakeSlack.waitFor('chat.postMessage');
    const alert = t.fakeSlack
      .callsTo('chat.postMessage')
      .filter((c) => c.args.channel === ALERT_CHANNEL && String(c.args.text).includes('dead letters'));
    expect(alert).toHaveLength(1);
    expect(alerts.length).toBeGreaterThan(0);
    expect(alert[0]?.args.text).toContain('/emc/Wavix - US/a558…');
  });

  it('keeps the dead-letter alert open while dead SMS remain after PortSIP answers again, and resolves it once they are replayed', async () => {
    await start({ RELAY_DEAD_AFTER_HOURS: '0.00005' });
    sink.respondWith(503);
    // Two conversations, so that both die.
    await post(inboundJson({ message_id: 'healed-1', from: '447400000001' }));
    await post(inboundJson({ message_id: 'healed-2', from: '447400000002' }));
    const deadCount = () => (t.db.prepare("SELECT count(*) AS n FROM deliveries WHERE status = 'dead'").get() as { n: number }).n;
    await waitUntil(() => deadCount() >= 2, 8000, 'dead');
    const alertRow = () =>
      t.db.prepare("SELECT status, severity, facts FROM alerts WHERE rule = 'relay_dead'").get() as
        | { status: string; severity: string; facts: string }
        | undefined;
    await waitUntil(() => alertRow(), 5000, 'alert');

    sink.respondWith(200);
    await post(inboundJson({ message_id: 'healed-3', from: '447400000003' }));
    await waitUntil(
      () => sink.received.some((r) => (r.json() as { message_id: string }).message_id === 'healed-3'),
      5000,
      'healed-3',
    );
    await waitUntil(() => JSON.parse(alertRow()?.facts ?? '{}').stillDead === 2, 5000, 'the alert updated');
    expect(alertRow()).toMatchObject({ status: 'open', severity: 'warning' });
    // The alert's message, its edits and its thread (relayed SMS are posted in the same channel).
    const ts = (t.db.prepare("SELECT slack_ts AS ts FROM alerts WHERE rule = 'relay_dead'").get() as { ts: string }).ts;
    const toAlerts = () => t.fakeSlack.calls.filter((c) => c.args.ts === ts || c.args.thread_ts === ts);
    await waitUntil(() => toAlerts().some((c) => c.method === 'chat.update'), 5000, 'the alert edited');
    const edited = String(toAlerts().find((c) => c.method === 'chat.update')?.args.text);
    expect(edited).toContain('answers again, but 2 inbound SMS to it are still dead');
    expect(edited).toContain('/sms relay replay dead');
    expect(
      toAlerts()
        .map((c) => String(c.args.text))
        .join('\n'),
    ).not.toContain('Resolved');

    expect(readable((await runCommand(t, 'relay replay dead')).body)).toContain('2 dead deliveries queued again');
    await waitUntil(() => alertRow()?.status === 'resolved', 5000, 'resolved after the replay');
    expect(deadCount()).toBe(0);
    await waitUntil(() => toAlerts().some((c) => String(c.args.text).startsWith(':white_check_mark: Resolved')), 5000, 'said');
    // The message resolved names the dead letters, not a count of dead SMS that no longer holds.
    expect(String(toAlerts().findLast((c) => c.method === 'chat.update')?.args.text)).toMatch(
      /^Resolved: Inbound SMS to PortSIP .* are dead letters/,
    );
  });
});

describe('shutdown', () => {
  it('does not wait on a hung PortSIP beyond the grace period; the cut attempt stays pending', async () => {
    await start();
    sink.delay(30_000);
    await post(inboundJson({ message_id: 'hung-1' }));
    await waitUntil(() => sink.received.length >= 1, 5000, 'the attempt');
    await t.smsops.stop();
    const row = t.db.prepare("SELECT status, last_error FROM deliveries WHERE destination_kind = 'portsip'").get();
    expect(row).toMatchObject({ status: 'pending', last_error: 'smsops stopped before PortSIP answered' });
  }, 15_000);

  it('gives back a Slack post still waiting for its turn of the pace: no attempt, error or backoff recorded', async () => {
    await start({ SLACK_RELAY_PACE_MS: '60000' });
    await post(inboundJson({ message_id: 'paced-1' }));
    await waitUntil(() => t.fakeSlack.callsTo('chat.postMessage').length >= 1, 5000, 'the first post');
    await post(inboundJson({ message_id: 'paced-2' }));
    const slackDelivery = () =>
      t.db
        .prepare(`
          SELECT d.status, d.attempts, d.last_error AS lastError, d.next_attempt_at AS nextAttemptAt
          FROM deliveries d JOIN inbound_messages m ON m.id = d.inbound_message_id
          WHERE m.wavix_message_id = 'paced-2' AND d.destination_kind = 'slack'`)
        .get() as { status: string; attempts: number; lastError: string | null; nextAttemptAt: number } | undefined;
    const waiting = await waitUntil(
      () => (slackDelivery()?.status === 'in_flight' ? slackDelivery() : undefined),
      5000,
      'the second post waiting for its turn',
    );
    await t.smsops.stop();
    // Posted after the restart as if nothing had happened: nothing was sent, so nothing failed.
    expect(slackDelivery()).toEqual({ status: 'pending', attempts: 0, lastError: null, nextAttemptAt: waiting.nextAttemptAt });
    expect(t.fakeSlack.callsTo('chat.postMessage')).toHaveLength(1);
  }, 15_000);
});

describe('webhook refusals', () => {
  it('404s a wrong secret, 413s an oversized body, 400s malformed or schema-invalid bodies with the reason, and keeps them', async () => {
    await start();
    expect((await post(inboundJson(), { secret: 'wrong-secret' })).status).toBe(404);
    const big = await post(inboundJson({}, { text: 'x'.repeat(300 * 1024) }));
    expect(big.status).toBe(413);
    expect(big.json.error).toMatch(/over the 256 KB limit/);
    const malformed = await post('{"message_id": ');
    expect(malformed.status).toBe(400);
    expect(malformed.json.error).toMatch(/^malformed JSON/);
    const invalid = await post(JSON.stringify({ message_id: 'x', from: '1' }));
    expect(invalid.status).toBe(400);
    expect(invalid.json.error).toContain('to:');
    const kept = t.db.prepare('SELECT route, reason, body_size FROM rejected_webhooks ORDER BY id').all() as Array<{
      reason: string;
      body_size: number;
    }>;
    // The size kept is the body's, as the reason says, not that of the part read before the limit.
    const bigSize = Number(/body of (\d+) bytes/.exec(kept[0]?.reason ?? '')?.[1]);
    expect(bigSize).toBeGreaterThan(300 * 1024);
    expect(kept[0]?.body_size).toBe(bigSize);
    expect(kept.map((k) => k.reason)).toEqual([
      expect.stringMatching(/256 KB/),
      expect.stringMatching(/malformed JSON/),
      expect.stringMatching(/InboundMessage/),
    ]);
    expect(t.db.prepare('SELECT count(*) AS n FROM inbound_messages').get()).toEqual({ n: 0 });
  });
});

describe('webhook size limit without a declared length', () => {
  it('413s a chunked body once it passes 256 KB, keeping only an excerpt', async () => {
    await start();
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 6) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await fetch(`${t.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    const kept = t.db.prepare('SELECT reason, length(body_excerpt) AS excerpt FROM rejected_webhooks').get() as {
      reason: string;
      excerpt: number;
    };
    expect(kept.reason).toBe(`body of ${6 * 64 * 1024} bytes is over the 256 KB limit`);
    expect(kept.excerpt).toBeLessThanOrEqual(8 * 1024);
  });
});

describe('inbound webhook → Slack', () => {
  it('shows mrkdwn, shortcodes, mentions, entities and disguised links inside an SMS literally and harmlessly', async () => {
    await start();
    const hostile = '*notbold* _x_ ~y~ `code` :tada: <!channel> call <@U123> at <https://evil.example|your bank> &amp; & pay';
    await post(inboundJson({ message_id: 'evil-1' }, { text: hostile }));
    const [posted] = await t.fakeSlack.waitFor('chat.postMessage');
    // The text as sent, in a rich_text element Slack does not parse; nowhere in mrkdwn, where it would format or ping.
    expect(literalTexts(posted?.args.blocks)).toEqual([hostile]);
    for (const text of formattedTexts(posted?.args.blocks))
      expect(text).not.toMatch(/notbold|<!channel>|<@U123>|<https:\/\/evil/);
    expect(posted?.args.text).not.toMatch(/<!channel>|<@U123>|<https/);
    expect(String(posted?.args.unfurl_links)).toBe('false');
  });

  it('posts a 4,600-character SMS whole over several blocks that Slack accepts', async () => {
    await start();
    t.fakeSlack.enforceLimits();
    const long = Array.from({ length: 400 }, (_, i) => `line ${i} *x* 😀 café\n`)
      .join('')
      .slice(0, 4_600);
    await post(inboundJson({ message_id: 'long-4600' }, { text: long }));
    const [posted] = await t.fakeSlack.waitFor('chat.postMessage');
    const pieces = literalTexts(posted?.args.blocks);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe(long);
    expect(posted?.error).toBeUndefined();
  });

  it('posts emoji and a 1,600-character text whole, and MMS media as links', async () => {
    await start();
    const long = `${'😀 café '.repeat(200)}`.slice(0, 1600);
    await post(inboundJson({ message_id: 'long-1' }, { text: long }));
    await post(
      inboundJson(
        { message_id: 'mms-1', message_type: 'mms', from: '12025550143' },
        { text: 'pic', media: ['https://media.wavix.com/a.jpg', 'https://media.wavix.com/b.png'] },
      ),
    );
    const posts = await t.fakeSlack.waitFor('chat.postMessage', 2);
    const all = posts.map((p) => readable(p.args.blocks)).join('\n');
    expect(all).toContain(long);
    expect(all).toContain('<https://media.wavix.com/a.jpg|media 1> · <https://media.wavix.com/b.png|media 2>');
    expect(all).toContain('*MMS* from *+1 202 555 0143*');
  });

  it('threads a conversation’s messages of the day under its first one', async () => {
    await start();
    await post(inboundJson({ message_id: 'th-1' }));
    const [first] = await t.fakeSlack.waitFor('chat.postMessage');
    await post(inboundJson({ message_id: 'th-2' }));
    const posts = await t.fakeSlack.waitFor('chat.postMessage', 2);
    expect(first?.args.thread_ts).toBeUndefined();
    expect(posts[1]?.args.thread_ts).toBe('1700000000.000100');
  });

  it('honours a 429 Retry-After from Slack without delaying PortSIP', async () => {
    await start();
    t.fakeSlack.rateLimit('chat.postMessage', 1, 1);
    await post(inboundJson({ message_id: 'rl-1' }));
    await waitUntil(() => sink.received.length >= 1, 500, 'PortSIP');
    const limited = await waitUntil(() => t.fakeSlack.calls.find((c) => c.rateLimited), 5000, 'the 429');
    const [posted] = await t.fakeSlack.waitFor('chat.postMessage', 1, 5000);
    expect((posted?.at ?? 0) - limited.at).toBeGreaterThanOrEqual(950);
  });

  it('posts an SMS once when its turn of the pace comes after the attempt timeout, with no failed attempt recorded', async () => {
    // The attempt timeout is 3/4 of the lease (750 ms), the pace 2 s: the second SMS waits for its turn past it.
    await start({ SLACK_RELAY_PACE_MS: '2000', RELAY_LEASE_MS: '1000', PORTSIP_DEADLINE_MS: '500' });
    const postsOf = (text: string) =>
      t.fakeSlack.callsTo('chat.postMessage').filter((c) => !c.rateLimited && readable(c.args).includes(text));
    await post(inboundJson({ message_id: 'paced-first', from: '447400000001' }, { text: 'first of the pace' }));
    await waitUntil(() => postsOf('first of the pace').length > 0, 5000, 'the first post');
    await post(inboundJson({ message_id: 'paced-second', from: '447400000002' }, { text: 'second, waiting its turn' }));
    const slackRow = () =>
      t.db
        .prepare(`
          SELECT d.status, d.attempts, d.last_error AS lastError
          FROM deliveries d JOIN inbound_messages m ON m.id = d.inbound_message_id
          WHERE m.wavix_message_id = 'paced-second' AND d.destination_kind = 'slack'`)
        .get() as { status: string; attempts: number; lastError: string | null } | undefined;
    await waitUntil(() => postsOf('second, waiting its turn').length > 0, 8000, 'the second post');
    // Another turn of the pace: a copy still waiting would be posted in it.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(postsOf('second, waiting its turn')).toHaveLength(1);
    expect(slackRow()).toEqual({ status: 'delivered', attempts: 1, lastError: null });
    // Its lease was kept while it waited: nothing was put back as if the attempt had been lost.
    expect(t.logs.filter((l) => l.includes('lease ran out'))).toEqual([]);
  }, 20_000);

  it('coalesces a storm into fewer posts and loses none', async () => {
    await start({ SLACK_RELAY_PACE_MS: '300' });
    for (let i = 0; i < 40; i++)
      await post(inboundJson({ message_id: `storm-${i}`, from: `4474001${String(10000 + i)}` }, { text: `storm ${i}` }));
    await waitUntil(
      () =>
        (
          t.db
            .prepare("SELECT count(*) AS n FROM deliveries WHERE destination_kind = 'slack' AND status = 'delivered'")
            .get() as { n: number }
        ).n === 40,
      8000,
      'all posted',
    );
    const posts = t.fakeSlack.callsTo('chat.postMessage').filter((c) => !c.rateLimited);
    expect(posts.length).toBeLessThan(40);
    const text = posts.map((p) => readable(p.args.blocks)).join('\n');
    for (let i = 0; i < 40; i++) expect(text).toContain(`storm ${i}`);
  });
});

describe('delivery reports, health and metrics', () => {
  it('stores a delivery report linked to its outbound message, once', async () => {
    await start();
    const dlr = JSON.stringify({
      message_id: 'out-1',
      from: '14155550100',
      to: '447400123456',
      status: 'undelivered',
      segments_count: 1,
      error: 'Absent subscriber',
    });
    expect((await post(dlr, { route: 'dlr' })).status).toBe(200);
    expect((await post(dlr, { route: 'dlr' })).json.duplicate).toBe(true);
    expect(t.db.prepare('SELECT status, error_message FROM outbound_messages WHERE wavix_message_id = ?').get('out-1')).toEqual({
      status: 'undelivered',
      error_message: 'Absent subscriber',
    });
    expect(t.db.prepare('SELECT count(*) AS n FROM delivery_reports').get()).toEqual({ n: 1 });
  });

  it('reports the backlog in /healthz and counters in /metrics', async () => {
    await start();
    sink.respondWith(503);
    await post(inboundJson({ message_id: 'h-1' }));
    await waitUntil(() => sink.received.length >= 1, 5000, 'an attempt');
    await waitUntil(
      () => t.db.prepare("SELECT 1 FROM deliveries WHERE destination_kind = 'slack' AND status = 'delivered'").get(),
      5000,
      'the Slack post',
    );
    const health = (await (await fetch(`${t.smsops.url}/healthz`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', db: 'ok', backlog: 1, dead: 0 });
    expect(health.oldestPendingAgeSeconds).toEqual(expect.any(Number));
    const metrics = await (await fetch(`${t.smsops.url}/metrics`)).text();
    expect(metrics).toContain('smsops_webhooks_total{route="inbound",outcome="stored"} 1');
    expect(metrics).toContain('smsops_relay_backlog{kind="portsip"} 1');
    expect(metrics).toMatch(/smsops_ingest_seconds_count 1/);
    // The word before a container's silent OOM kill: how much memory it uses, its limit (0: none), and 'ok' under it.
    expect(health.memory).toBe('ok');
    expect(metrics).toMatch(/^smsops_memory_used_bytes [1-9]\d{6,}$/m);
    expect(metrics).toMatch(/^smsops_memory_limit_bytes \d+$/m);
  });

  /** Sends `n` webhooks, `parallel` at a time, each from its own number; the statuses answered. */
  async function flood(n: number, parallel: number, first = 0): Promise<number[]> {
    const statuses: number[] = [];
    let next = first;
    n += first;
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next < n) {
          const i = next++;
          statuses.push(
            (await post(inboundJson({ message_id: `flood-${i}`, from: `4474001${String(i).padStart(5, '0')}` }))).status,
          );
        }
      }),
    );
    return statuses;
  }
  const metricOf = async (name: string) => {
    const text = await (await fetch(`${t.smsops.url}/metrics`)).text();
    return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  };
  const distinctAtSink = () => new Set(sink.received.map((r) => (r.json() as { message_id: string }).message_id));

  it('answers a flood the relay cannot keep up with at the pace PortSIP is served, and loses or repeats nothing', async () => {
    // A PortSIP taking 30 ms an answer, one at a time: about 30 messages a second.
    await start({ RELAY_CONCURRENCY: '1', RELAY_INGEST_PACING_MS: '100' });
    sink.delay(30);
    // Beyond the 64 stored ahead once pacing starts, the rest wait for PortSIP's answers. Pacing starts once deliveries
    // have been due for 100 ms: the flood goes on past that whatever the speed of the machine (in one go, this test now
    // and then found nothing held).
    const statuses = await flood(50, 20);
    await new Promise((resolve) => setTimeout(resolve, 300));
    statuses.push(...(await flood(200, 20, 50)));
    expect(statuses).toEqual(Array(250).fill(200));
    expect(await metricOf('smsops_ingest_held_total\\{outcome="credited"\\}')).toBeGreaterThan(0);
    await waitUntil(() => distinctAtSink().size === 250, 20_000, 'every message at PortSIP');
    expect(sink.received).toHaveLength(250);
    // Caught up: nothing is held any more.
    await waitUntil(async () => (await metricOf('smsops_ingest_pacing')) === 0, 5000, 'pacing over');
  });

  it('sends nothing twice when PortSIP answers just inside its deadline and the lease is only a little longer', async () => {
    // The relay's own guard must not end an attempt (and free its slot) before PortSIP's deadline does.
    await start({ RELAY_CONCURRENCY: '2', PORTSIP_DEADLINE_MS: '1000', RELAY_LEASE_MS: '1100' });
    sink.delay(900);
    expect(await flood(6, 6)).toEqual(Array(6).fill(200));
    await waitUntil(() => distinctAtSink().size === 6, 15_000, 'every message at PortSIP');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(sink.received).toHaveLength(6);
  });

  it('holds nothing back with pacing off (RELAY_INGEST_PACING_MS=0): the store absorbs the flood', async () => {
    await start({ RELAY_CONCURRENCY: '1', RELAY_INGEST_PACING_MS: '0' });
    sink.delay(30);
    expect(await flood(60, 20)).toEqual(Array(60).fill(200));
    expect(await metricOf('smsops_ingest_held_total\\{outcome="credited"\\}')).toBe(0);
    expect(await metricOf('smsops_ingest_held_total\\{outcome="timed_out"\\}')).toBe(0);
    await waitUntil(() => distinctAtSink().size === 60, 20_000, 'every message at PortSIP');
  });
});

describe('operator commands', () => {
  it('/sms relay status shows the backlog per destination, the oldest pending and the dead count', async () => {
    await start();
    sink.respondWith(500);
    await post(inboundJson({ message_id: 'st-1' }));
    await waitUntil(() => sink.received.length >= 1, 5000, 'an attempt');
    const text = readable((await runCommand(t, 'relay status')).body);
    expect(text).toMatch(/1 waiting \(oldest \d+ s\)/);
    expect(text).toMatch(
      /PortSIP `http:\/\/127\.0\.0\.1:\d+\/emc\/Wavix - US\/a558…`: 1 pending \(oldest \d+ s\), 0 dead, last success never/,
    );
    expect(text).toContain('Slack <#C0ALERTS01>: 0 pending');
  });

  it('/sms relay replay dead sends dead letters again once PortSIP works, and a non-admin cannot', async () => {
    await start({ RELAY_DEAD_AFTER_HOURS: '0.00005' });
    sink.respondWith(500);
    await post(inboundJson({ message_id: 'rp-1' }));
    await waitUntil(() => t.db.prepare("SELECT 1 FROM deliveries WHERE status = 'dead'").get(), 8000, 'dead');
    expect(readable((await runCommand(t, 'relay replay dead', { userId: OUTSIDER })).body)).toContain('Only the smsops admins');
    sink.respondWith(200);
    const before = sink.received.length;
    expect(readable((await runCommand(t, 'relay replay dead')).body)).toContain('1 dead delivery queued again');
    await waitUntil(() => sink.received.length > before, 5000, 'replayed');
    expect(sink.received.at(-1)?.json()).toMatchObject({ message_id: 'rp-1' });
  });

  it('/sms relay replay <id> sends one delivered message again; /sms inbox lists it with its deliveries, escaped', async () => {
    await start();
    await post(inboundJson({ message_id: 'in-1' }, { text: 'hi <!here>' }));
    await waitUntil(() => sink.received.length >= 1, 5000, 'delivered');
    await t.fakeSlack.waitFor('chat.postMessage');
    await waitUntil(
      () => (t.db.prepare("SELECT count(*) AS n FROM deliveries WHERE status = 'delivered'").get() as { n: number }).n === 2,
      5000,
      'both delivered',
    );
    const inbox = readable((await runCommand(t, 'inbox +1 415 555 0100')).body);
    expect(inbox).toContain('*+44 7400 123456* → +1 415 555 0100');
    expect(literalTexts((await runCommand(t, 'inbox +1 415 555 0100')).body.blocks)).toEqual(['hi <!here>']);
    expect(JSON.stringify(formattedTexts((await runCommand(t, 'inbox +1 415 555 0100')).body.blocks))).not.toContain('<!here>');
    expect(inbox).toMatch(
      /:white_check_mark: PortSIP to `http:\/\/127\.0\.0\.1:\d+\/emc\/Wavix - US\/a558…`: delivered <!date[^>]*> \(1 attempt\) · :white_check_mark: Slack in <#C0\w+>: delivered <!date[^>]*> \(1 attempt\) · id `in-1`/,
    );
    const question = (await runCommand(t, 'relay replay in-1')).body;
    expect(readable(question)).toContain('was delivered already to 2 destinations');
    const send = question.blocks
      .flatMap((b: { elements?: unknown[] }) => b.elements ?? [])
      .find((e: { action_id?: string }) => e.action_id === ACTION.confirmReplay);
    const before = t.fakeSlack.responses.length;
    await t.slack.blockAction({ actionId: ACTION.confirmReplay, value: send.value, isEphemeral: true });
    const reply = (await t.fakeSlack.waitForResponses(before + 1))[before];
    expect(reply?.body.replace_original).toBe(true);
    expect(readable(reply?.body)).toContain('Message in-1 queued again to 2 destinations');
    await waitUntil(() => sink.received.length >= 2, 5000, 'PortSIP again');
    expect(readable((await runCommand(t, 'relay replay nope')).body)).toContain('No stored message has the id nope');
    expect(readable((await runCommand(t, 'inbox +1 202 555 0143')).body)).toContain('No messages to or from +1 202 555 0143 yet');
  });
});
