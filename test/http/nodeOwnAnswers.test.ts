import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inboundWebhookBody } from '../helpers/smsopsProcess.js';
import { type SmsopsUnderTest, startSmsopsUnderTest, WEBHOOK_SECRET } from '../helpers/smsopsUnderTest.js';

/**
 * Requests Node answers by itself unless told otherwise: a bare 400 for an HTTP/1.1 request without Host (a webhook so
 * sent was neither stored nor recorded nor counted), a bare 417 for an unknown Expect, a closed connection for
 * CONNECT. Each is answered here in the usual `{"error": …}` shape and counted.
 */

let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest();
});
afterEach(async () => {
  await t.stop();
});

/** Sends raw bytes on a fresh connection and reads until the server closes it (at most 5 s, then says so). */
function exchange(bytes: string): Promise<string> {
  const { port } = new URL(t.smsops.url);
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(bytes));
    const timer = setTimeout(() => {
      answer += '[not closed by smsops]';
      socket.destroy();
    }, 5000);
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
  });
}

const malformed = async (code: string) => {
  const text = await (await fetch(`${t.smsops.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`smsops_http_malformed_requests_total{code="${code}"}`));
  return Number(line?.split(' ').pop() ?? 0);
};

const webhook = (version: string, id: string) => {
  const body = inboundWebhookBody(id);
  return (
    `POST /webhooks/wavix/inbound/${WEBHOOK_SECRET} HTTP/${version}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
};

describe('requests Node would answer bare', () => {
  it('an HTTP/1.1 webhook without Host: 400 with the reason, counted; HTTP/1.0 without Host is stored as before', async () => {
    const answer = await exchange(webhook('1.1', 'no-host-11'));
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('{"error":"missing Host header (required in HTTP/1.1)"}');
    expect(await malformed('missing_host')).toBe(1);
    const stored = () => t.db.prepare('SELECT wavix_message_id AS id FROM inbound_messages').all() as Array<{ id: string }>;
    expect(await exchange(webhook('1.0', 'no-host-10'))).toMatch(/^HTTP\/1\.1 200 /);
    expect(stored().map((row) => row.id)).toEqual(['no-host-10']);
  });

  it('an Expect other than 100-continue: 417 with the reason; CONNECT: 405 with the reason; both counted', async () => {
    const expectation = await exchange('GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: foo\r\nConnection: close\r\n\r\n');
    expect(expectation).toMatch(/^HTTP\/1\.1 417 /);
    expect(expectation).toContain('{"error":"unsupported Expect header (only 100-continue is)"}');
    const tunnel = await exchange('CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n');
    expect(tunnel).toMatch(/^HTTP\/1\.1 405 /);
    expect(tunnel).toContain('{"error":"CONNECT is not supported: smsops is not a proxy"}');
    expect([await malformed('unsupported_expect'), await malformed('connect')]).toEqual([1, 1]);
  });

  it('a webhook followed in the same write by bytes that cannot be parsed: the webhook is answered 200, then the connection closes', async () => {
    const webhookThenGarbage = webhook('1.1', 'then-garbage').replace('Connection: close\r\n', 'Host: x\r\n');
    const answer = await exchange(`${webhookThenGarbage}GARBAGE\r\n\r\n`);
    // Node's parser error once took the webhook's place: the client's only answer was 400 for a message stored.
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).not.toContain('400');
    expect(answer).not.toContain('[not closed by smsops]');
    const stored = t.db.prepare('SELECT wavix_message_id AS id FROM inbound_messages').all();
    expect(stored).toEqual([{ id: 'then-garbage' }]);
    expect(await malformed('HPE_INVALID_METHOD')).toBe(1);
  });
});
