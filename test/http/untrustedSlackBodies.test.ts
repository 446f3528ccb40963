import { request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { forgedSlackHead, slowBodyFlood, sslCheckHead } from '../helpers/hostileClients.js';
import { signSlackRequest } from '../helpers/slackRequests.js';
import { inboundWebhookBody } from '../helpers/smsopsProcess.js';
import { SIGNING_SECRET, type SmsopsUnderTest, startSmsopsUnderTest, WEBHOOK_SECRET } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * Slow request bodies on /slack/events, which anyone can open without the signing secret: each one is a request in
 * progress until its body is read and its signature checked. A probe holding the whole connection cap so (one byte
 * every 2 s, reopened when closed) locked out every webhook, /healthz and Slack itself.
 */

let t: SmsopsUnderTest | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

/**
 * One request on a fresh connection, as Wavix and Slack send theirs: an idle keep-alive connection is closed at the cap
 * like any idle one, and a client reusing it would see that instead of what this test is about.
 */
function once(url: string, method: string, headers: Record<string, string> = {}, body = ''): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { method, agent: false, headers: { ...headers, 'content-length': Buffer.byteLength(body) } });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

const metric = async (name: string) => {
  const text = await (await fetch(`${t?.smsops.url}/metrics`)).text();
  return Number(
    text
      .split('\n')
      .find((line) => line.startsWith(name))
      ?.split(' ')
      .pop() ?? Number.NaN,
  );
};

describe('/slack/events bodies dribbled by anyone at the connection cap', () => {
  it.each([
    ['a forged signature', forgedSlackHead],
    ["Slack's unsigned ssl_check shape", sslCheckHead],
  ])(
    '%s: webhooks, /healthz and a signed Slack request are still answered, the closings counted',
    async (_what, head) => {
      t = await startSmsopsUnderTest({ HTTP_MAX_CONNECTIONS: '16' });
      const port = Number(new URL(t.smsops.url).port);
      const flood = slowBodyFlood({ port, count: 24, head, dribbleMs: 500 });
      try {
        await waitUntil(() => flood.closedByServer() >= 8, 15_000, 'the cap to be reached');
        for (let i = 0; i < 5; i++) {
          const webhook = `${t.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`;
          expect(await once(webhook, 'POST', { 'content-type': 'application/json' }, inboundWebhookBody(`flood-${i}`))).toBe(200);
          expect(await once(`${t.smsops.url}/healthz`, 'GET')).toBe(200);
          const body = JSON.stringify({ type: 'url_verification', challenge: `c${i}`, token: 't' });
          const signed = { 'content-type': 'application/json', ...signSlackRequest(SIGNING_SECRET, body) };
          expect(await once(`${t.smsops.url}/slack/events`, 'POST', signed, body)).toBe(200);
        }
        expect(flood.open()).toBeGreaterThan(8);
      } finally {
        flood.stop();
      }
      expect(await metric('smsops_http_connections_refused_total{reason="cap_evicted_untrusted"}')).toBeGreaterThan(0);
    },
    60_000,
  );

  it('answers a body still arriving after 5 s with 408 and its reason, counted', async () => {
    t = await startSmsopsUnderTest();
    const port = Number(new URL(t.smsops.url).port);
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      const socket = connect({ port, host: '127.0.0.1' }, () => socket.write(forgedSlackHead()));
      const dribble = setInterval(() => socket.write('a'), 500);
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
      });
      socket.on('error', () => {});
      socket.on('close', () => {
        clearInterval(dribble);
        resolve(text);
      });
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('{"error":"the request body was not sent within 5 s"}');
    expect(await metric('smsops_slack_requests_refused_total{reason="body_too_slow"}')).toBe(1);
  }, 60_000);
});
