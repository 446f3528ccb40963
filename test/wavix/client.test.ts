import { createServer } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { inspect } from 'node:util';
import { generate as generateCertificate } from 'selfsigned';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { accountWebhooksOf } from '../../src/core/model/accountWebhooks.js';
import { createLogger } from '../../src/log.js';
import { startWavixEmulator, type WavixEmulator } from '../../src/sandbox/emulator/server.js';
import { createWavixClient, type WavixClient } from '../../src/wavix/client.js';
import { WavixError } from '../../src/wavix/errors.js';
import { collectAll } from '../../src/wavix/paginate.js';
import { failureOf as failureOfKind } from '../helpers/failureOf.js';

const API_KEY = 'wavix-test-key-7f3a9c2e51';
let emulator: WavixEmulator;
let client: WavixClient;
let sleeps: number[];
let logLines: string[];

function makeClient(overrides: Partial<Parameters<typeof createWavixClient>[0]> = {}): WavixClient {
  return createWavixClient({
    baseUrl: emulator.url,
    apiKey: API_KEY,
    timeoutMs: 2_000,
    retry: { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 1_000 },
    // Retries are observed through the delays they ask for, not by waiting on the wall clock.
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    logger: createLogger({ level: 'debug', sink: (line) => logLines.push(line) }),
    ...overrides,
  });
}

const failureOf = (promise: Promise<unknown>) => failureOfKind(promise, WavixError);

beforeAll(async () => {
  emulator = await startWavixEmulator({ apiKey: API_KEY });
});
afterAll(() => emulator.close());
beforeEach(async () => {
  await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST' });
  sleeps = [];
  logLines = [];
  client = makeClient();
});

describe('Sender IDs', () => {
  it('creates, lists, gets and deletes a Sender ID', async () => {
    const created = await client.senderIds.create({
      sender_id: 'ACME',
      type: 'alphanumeric',
      countries: ['GB', 'FR'],
      usecase: 'transactional',
    });
    expect(created.sender_id).toBe('ACME');
    expect(created.allowlisted_in).toEqual(['GB']); // FR needs review
    expect((await client.senderIds.list()).map((s) => s.sender_id)).toEqual(['Wavix', 'ACME']);
    expect((await client.senderIds.get(created.id)).allowlisted_in).toEqual(['GB']);

    await emulator.clock.advance(48 * 3600 * 1000);
    expect((await client.senderIds.get(created.id)).allowlisted_in).toEqual(['GB', 'FR']);

    await client.senderIds.delete(created.id);
    const gone = await failureOf(client.senderIds.get(created.id));
    expect(gone).toMatchObject({ kind: 'not_found', status: 404, wavixMessage: 'Record not found', attempts: 1 });
    expect(gone.userMessage).toMatch(/could not find it when trying to get Sender ID .*404/);
  });

  it('takes a delete answered 204 with no body, as Wavix’s guide shows it', async () => {
    emulator.injectFault({ method: 'DELETE', path: '/v3/messages/sender-ids/', status: 204 });
    await expect(client.senderIds.delete('any')).resolves.toBeUndefined();
  });

  it("passes Wavix's refusal of an alphanumeric Sender ID for the US to the user in Wavix's words", async () => {
    const error = await failureOf(
      client.senderIds.create({ sender_id: 'ACME', type: 'alphanumeric', countries: ['US'], usecase: 'promo' }),
    );
    expect(error.kind).toBe('bad_request');
    expect(error.status).toBe(400);
    expect(error.userMessage).toBe(
      'Wavix refused to create Sender ID ACME (400). Wavix said: "Sender ID cannot be provisioned. Alphanumeric Sender IDs are not supported in US".',
    );
    expect(sleeps).toEqual([]); // a 4xx is never retried
  });
});

describe('numbers', () => {
  it('lists with a search, pages through all numbers, and gets one', async () => {
    const page = await client.numbers.list({ search: '1415' });
    expect(page.items.map((n) => n.number)).toEqual(['14155550100']);
    expect(page.pagination).toEqual({ current_page: 1, per_page: 25, total: 1, total_pages: 1 });

    const all = await collectAll(client.numbers.iterate({ per_page: 2 }));
    expect(all).toHaveLength(7);
    expect(new Set(all.map((n) => n.id)).size).toBe(7);
    expect(emulator.requests().filter((r) => r.path === '/v1/numbers')).toHaveLength(1 + 4); // 7 numbers, 2 a page

    const one = await client.numbers.get(104);
    expect(one).toMatchObject({ number: '442079460000', country_short_name: 'GB', sms_enabled: false });
    // Fields smsops does not model are kept, not dropped.
    expect(one).toHaveProperty('paid_until', '2026-12-15');
  });

  it('enables inbound SMS on a US number and sets then clears its webhook', async () => {
    expect((await client.numbers.enableInboundSms(102)).sms_enabled).toBe(true);
    const url = 'https://pbx.example.com:8887/emc/Wavix - US/a558d635';
    expect((await client.numbers.update(102, { sms_relay_url: url })).sms_relay_url).toBe(url);
    expect((await client.numbers.update(102, { sms_relay_url: null })).sms_relay_url).toBeNull();
  });

  it('refuses inbound SMS on a UK number with Wavix’s 422 message', async () => {
    const error = await failureOf(client.numbers.enableInboundSms(104));
    expect(error).toMatchObject({ kind: 'validation', status: 422 });
    expect(error.userMessage).toContain('Inbound SMS can only be activated on US and CA phone numbers');
  });
});

describe('profile', () => {
  it('sets and reads the account default webhooks, and the balance', async () => {
    await client.profile.setDefaultWebhooks({
      sms_relay_url: 'https://smsops.example.com/webhooks/wavix/inbound/s3cr3t',
      dlr_relay_url: 'https://smsops.example.com/webhooks/wavix/dlr/s3cr3t',
    });
    expect(accountWebhooksOf(await client.profile.get())).toEqual({
      smsRelayUrl: 'https://smsops.example.com/webhooks/wavix/inbound/s3cr3t',
      dlrRelayUrl: 'https://smsops.example.com/webhooks/wavix/dlr/s3cr3t',
    });
    await client.profile.setDefaultWebhooks({ dlr_relay_url: null });
    expect(accountWebhooksOf(await client.profile.get()).dlrRelayUrl).toBeNull();
    expect(await client.profile.balance()).toBe('309.06');
  });
});

describe('messages', () => {
  it('sends, lists with filters and gets a message, following its status', async () => {
    const sent = await client.messages.send({
      from: 'Wavix',
      to: '+447400123456',
      message_body: { text: 'Hello', media: null },
      tag: 'ops',
    });
    expect(sent.status).toBe('accepted');
    await emulator.clock.advance(10_000);
    expect((await client.messages.get(sent.message_id)).status).toBe('delivered');
    const listed = await client.messages.list({ type: 'outbound', tag: 'ops' });
    expect(listed.items.map((m) => m.message_id)).toEqual([sent.message_id]);
    expect((await client.messages.list({ type: 'outbound', status: 'undelivered' })).items).toEqual([]);
    expect(await collectAll(client.messages.iterate({ type: 'inbound' }))).toEqual([]);
  });
});

describe('10DLC', () => {
  it('reads brands and campaigns with their status', async () => {
    const brands = await collectAll(client.tenDlc.brands());
    expect(brands.map((b) => [b.brand_id, b.status])).toEqual([['BM20QP9', 'VERIFIED']]);
    const campaigns = await collectAll(client.tenDlc.campaigns());
    expect(campaigns.map((c) => [c.campaign_id, c.status])).toEqual([['CKLCK95', 'REVIEW']]);
    expect((await client.tenDlc.brand('BM20QP9')).dba_name).toBe('Example');
    expect((await client.tenDlc.campaign('BM20QP9', 'CKLCK95')).phone_numbers).toEqual(['14155550100']);
  });
});

describe('errors and retries', () => {
  it('reports a wrong API key as 401 without retrying', async () => {
    const error = await failureOf(makeClient({ apiKey: 'not-the-right-key-123' }).numbers.list());
    expect(error).toMatchObject({ kind: 'unauthorized', status: 401, attempts: 1 });
    expect(error.userMessage).toMatch(/refused the API key.*WAVIX_API_KEY/);
  });

  it('retries a 429, waiting at least Retry-After, then succeeds', async () => {
    emulator.injectFault({ path: '/v1/numbers', status: 429, retryAfterSeconds: 2, times: 2 });
    const page = await client.numbers.list();
    expect(page.items.length).toBeGreaterThan(0);
    expect(sleeps).toEqual([2000, 2000]); // Retry-After (2 s) outweighs the jittered backoff (50, 100 ms)
    expect(emulator.requests().map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it('backs off exponentially on 503 and gives up after the last retry with a readable message', async () => {
    emulator.injectFault({ path: '/v1/profile', status: 503, times: 10 });
    const error = await failureOf(client.profile.balance());
    expect(error).toMatchObject({ kind: 'server', status: 503, attempts: 4 });
    expect(error.userMessage).toBe('Wavix is unavailable right now (503) after 4 attempts; try again in a few minutes.');
    expect(sleeps).toEqual([50, 100, 200]); // random 0.5 × 100·2^n
  });

  it('does not retry a POST after a 500, which may have created the Sender ID', async () => {
    emulator.injectFault({ path: '/v3/messages/sender-ids', method: 'POST', status: 500 });
    const error = await failureOf(
      client.senderIds.create({ sender_id: 'ACME', type: 'alphanumeric', countries: ['GB'], usecase: 'promo' }),
    );
    expect(error).toMatchObject({ kind: 'server', attempts: 1 });
  });

  it('times out a slow answer, retries a read, and says so', async () => {
    emulator.injectFault({ path: '/v1/numbers/101', latencyMs: 1_500, times: 10 });
    const error = await failureOf(makeClient({ timeoutMs: 200, retry: { maxRetries: 1, baseDelayMs: 10 } }).numbers.get(101));
    expect(error).toMatchObject({ kind: 'timeout', attempts: 2 });
    expect(error.userMessage).toMatch(/did not answer in time when trying to get number 101 after 2 attempts/);
  });

  it('reports a network failure when nothing listens', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const error = await failureOf(makeClient({ baseUrl: `http://127.0.0.1:${port}`, retry: { maxRetries: 1 } }).numbers.list());
    expect(error).toMatchObject({ kind: 'network', attempts: 2 });
    expect(error.userMessage).toMatch(
      /could not reach Wavix to list numbers after 2 attempts: connection refused \(ECONNREFUSED\)\./,
    );
  });

  it('says which connection failure it was, with its code, and what to do for a certificate or a host name', async () => {
    const pems = await generateCertificate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256' });
    const servers: TlsServer[] = [];
    const serve = async (options: Parameters<typeof createTlsServer>[0]) => {
      const server = createTlsServer({ cert: pems.cert, key: pems.private, ...options }, (socket) => socket.end());
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `https://127.0.0.1:${(server.address() as { port: number }).port}`;
    };
    const plain = createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const said = async (baseUrl: string) =>
        (await failureOf(makeClient({ baseUrl, retry: { maxRetries: 0 } }).numbers.list())).userMessage;
      // A TLS-inspecting proxy's certificate, or another server: said, with the way to trust it.
      expect(await said(await serve({}))).toMatch(
        /could not reach Wavix to list numbers: TLS certificate not accepted \(DEPTH_ZERO_SELF_SIGNED_CERT\)\. .*NODE_EXTRA_CA_CERTS/,
      );
      // OpenSSL's text ("write EPROTO 80…:SSL routines:…") comes as a bare EPROTO: named by its reason.
      expect(await said(await serve({ minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }))).toContain(
        ': TLS version or cipher too old (ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION).',
      );
      expect(await said(`https://127.0.0.1:${(plain.address() as { port: number }).port}`)).toContain(
        ': the server does not speak HTTPS (ERR_SSL_WRONG_VERSION_NUMBER).',
      );
      expect(await said('https://api.wavix.invalid')).toMatch(
        /: host name not found \((ENOTFOUND|EAI_AGAIN)\)\. Check the host name in WAVIX_API_URL and this host's DNS\./,
      );
    } finally {
      for (const server of servers) server.close();
      plain.close();
    }
  });

  it('names the missing field when Wavix answers in an unexpected shape', async () => {
    emulator.injectFault({
      path: '/v3/messages/sender-ids',
      body: { items: [{ id: 'x', type: 'alphanumeric', allowlisted_in: [] }] },
    });
    const error = await failureOf(client.senderIds.list());
    expect(error.kind).toBe('invalid_response');
    expect(error.message).toMatch(/field items\.0\.sender_id/);
    expect(error.userMessage).toMatch(/shape smsops does not understand/);
  });

  it('treats a 2xx answer with success:false as a failure', async () => {
    emulator.injectFault({
      path: '/v1/profile',
      body: { success: false, message: 'Request failed. The feature is disabled for the account.' },
    });
    const error = await failureOf(client.profile.get());
    expect(error.wavixMessage).toBe('Request failed. The feature is disabled for the account.');
  });

  it('never lets the API key reach an error or a log line', async () => {
    emulator.injectFault({ path: '/v1/numbers', status: 503, times: 10 });
    emulator.injectFault({ path: '/v1/profile/config', latencyMs: 500 });
    const errors = [
      await failureOf(client.numbers.list()),
      await failureOf(makeClient({ apiKey: `${API_KEY}-wrong` }).profile.get()),
      await failureOf(makeClient({ timeoutMs: 100, retry: { maxRetries: 0 } }).profile.balance()),
    ];
    expect(errors.map((e) => e.kind)).toEqual(['server', 'unauthorized', 'timeout']);
    for (const error of errors) {
      for (const text of [
        error.message,
        error.userMessage,
        String(error.stack),
        inspect(error, { depth: 10 }),
        JSON.stringify(error),
      ]) {
        expect(text).not.toContain(API_KEY);
      }
    }
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toContain(API_KEY);
  });
});
