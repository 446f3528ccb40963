import { createServer, type Server } from 'node:http';
import { getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { z } from 'zod';
import { axiosProxyFor, environmentProxy, proxyFor, useEnvironmentProxy } from '../../src/outboundProxy.js';
import { createWavixClient } from '../../src/wavix/client.js';
import type { WavixError } from '../../src/wavix/errors.js';
import { createWavixRequester } from '../../src/wavix/http.js';

/**
 * Wavix's calls (axios) and Slack's (undici) through one proxy from the environment: the same credentials and the same
 * NO_PROXY reading on both legs, or one works while the other is refused or goes where the operator did not mean.
 */

/**
 * A forward proxy that wants `user`/`password` (Basic) and answers Wavix's call itself (the export as one NDJSON line);
 * records what it was sent.
 */
async function startAuthProxy(user: string, password: string) {
  const sent: string[] = [];
  const server: Server = createServer((req, res) => {
    const auth = req.headers['proxy-authorization'] ?? '';
    sent.push(Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString());
    if (auth !== `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="corp"', 'content-type': 'text/html' }).end('<html>407</html>');
      return;
    }
    if (req.url?.includes('/v3/messages/all')) {
      res
        .writeHead(200, { 'content-type': 'application/x-ndjson' })
        .end('{"message_id":"m1","from":"15550000001","to":"15550000002","status":"delivered"}\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"balance":"12.5"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, sent, close: () => new Promise((r) => server.close(r)) };
}

describe('the outbound proxy for Wavix’s calls', () => {
  let proxy: Awaited<ReturnType<typeof startAuthProxy>> | undefined;
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  it('sends a percent-encoded password decoded, as Slack’s calls do (axios sent p%40ss and got a 407)', async () => {
    proxy = await startAuthProxy('svc smsops', 'p@ss:w/rd%1');
    const env = { HTTP_PROXY: `http://svc%20smsops:p%40ss%3Aw%2Frd%251@127.0.0.1:${proxy.port}` };
    const wavixUrl = 'http://wavix.example.test';
    const request = createWavixRequester({
      baseUrl: wavixUrl,
      apiKey: 'test-wavix-key-0000',
      retry: { maxRetries: 0 },
      proxy: axiosProxyFor(env, wavixUrl),
    });
    const answer = await request({
      operation: 'read the account balance',
      method: 'GET',
      path: '/v1/profile/balance',
      schema: z.object({ balance: z.string() }),
    });
    expect(answer.balance).toBe('12.5');
    expect(proxy.sent).toEqual(['svc smsops:p@ss:w/rd%1']);
  });

  it('reads the message export (the traffic watch) through the same proxy, its password decoded (axios sent p%40ss: 407)', async () => {
    proxy = await startAuthProxy('svc', 'p@ss');
    const env = { HTTP_PROXY: `http://svc:p%40ss@127.0.0.1:${proxy.port}` };
    // As an operator sets it: axios reads the environment itself where it is given no proxy.
    const before = process.env.HTTP_PROXY;
    process.env.HTTP_PROXY = env.HTTP_PROXY;
    onTestFinished(() => {
      if (before === undefined) delete process.env.HTTP_PROXY;
      else process.env.HTTP_PROXY = before;
    });
    const wavixUrl = 'http://wavix.example.test';
    const client = createWavixClient({
      baseUrl: wavixUrl,
      apiKey: 'test-wavix-key-0000',
      retry: { maxRetries: 0 },
      proxy: axiosProxyFor(env, wavixUrl),
    });
    const events: unknown[] = [];
    for await (const event of client.messages.export(
      { type: 'outbound', sent_after: '2026-11-28T00:00:00' },
      { maxBytes: 1 << 20, maxMs: 10_000 },
    ))
      events.push(event);
    expect(events).toEqual([{ kind: 'message', message: expect.objectContaining({ message_id: 'm1' }) }]);
    expect(proxy.sent).toEqual(['svc:p@ss']);
  });

  it('reads NO_PROXY for Wavix as for Slack: `wavix.com` covers api.wavix.com (axios still sent it through the proxy)', () => {
    const env = { HTTPS_PROXY: 'http://proxy.corp:3128', NO_PROXY: 'wavix.com, .slack.com' };
    expect(axiosProxyFor(env, 'https://api.wavix.com')).toBe(false);
    expect(proxyFor(environmentProxy(env), 'https://slack.com/api/')).toBeUndefined();
    expect(axiosProxyFor({ ...env, NO_PROXY: 'api.wavix.com:8443' }, 'https://api.wavix.com')).toEqual({
      protocol: 'http',
      host: 'proxy.corp',
      port: 3128,
    });
    expect(axiosProxyFor({ ...env, NO_PROXY: '*' }, 'https://api.wavix.com')).toBe(false);
    expect(axiosProxyFor({}, 'https://api.wavix.com')).toBe(false);
  });

  it('never logs a password, even with an unencoded @ or no scheme, and names the variable of an unusable URL', () => {
    const said: unknown[] = [];
    const logger = { info: (_msg: string, fields?: unknown) => said.push(fields) };
    const before = getGlobalDispatcher();
    onTestFinished(() => setGlobalDispatcher(before));
    useEnvironmentProxy({ HTTPS_PROXY: 'http://u:p@ss@127.0.0.1:3128', HTTP_PROXY: 'u:secretpw@127.0.0.1:3129' }, logger);
    expect(JSON.stringify(said)).not.toMatch(/ss@|secretpw/);
    expect(said).toEqual([
      { httpsProxy: 'http://***@127.0.0.1:3128', httpProxy: 'http://***@127.0.0.1:3129', noProxy: '(none)' },
    ]);
    expect(() => environmentProxy({ HTTPS_PROXY: 'http://u:pa/ss@proxy:3128' })).toThrow(/^HTTPS_PROXY is not a proxy address/);
    expect(() => environmentProxy({ https_proxy: 'socks5://proxy:1080' })).toThrow(/^HTTPS_PROXY/);
  });

  it('says a proxy that refuses the connection is the proxy’s, not WAVIX_API_URL’s', async () => {
    const closed = await startAuthProxy('u', 'p');
    await closed.close();
    const wavixUrl = 'https://api.wavix.com';
    const request = createWavixRequester({
      baseUrl: wavixUrl,
      apiKey: 'test-wavix-key-0000',
      retry: { maxRetries: 0 },
      proxy: axiosProxyFor({ HTTPS_PROXY: `http://127.0.0.1:${closed.port}` }, wavixUrl),
    });
    const failed: unknown = await request({
      operation: 'read the account balance',
      method: 'GET',
      path: '/v1/profile/balance',
      schema: z.object({ balance: z.string() }),
    }).catch((error: unknown) => error);
    expect((failed as WavixError).userMessage).toMatch(
      /could not reach Wavix through the outbound proxy .*ECONNREFUSED.* HTTPS_PROXY/,
    );
  });

  it('never sends loopback through the proxy: the sandbox reaches its own emulator and Slack on 127.0.0.1 (it stopped with "fetch failed")', async () => {
    const local = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => local.close(() => resolve())));
    const port = (local.address() as { port: number }).port;
    // A proxy that is not there: anything sent to it fails.
    const env = { HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9', NO_PROXY: 'corp.example' };
    const before = getGlobalDispatcher();
    onTestFinished(() => setGlobalDispatcher(before));
    useEnvironmentProxy(env, { info: () => {} });
    const answer = await fetch(`http://127.0.0.1:${port}/api/auth.test`, { signal: AbortSignal.timeout(5_000) });
    expect(await answer.json()).toEqual({ ok: true });
    for (const target of [`http://127.0.0.1:${port}`, 'http://localhost:4000', 'http://[::1]:4000'])
      expect(axiosProxyFor(env, target)).toBe(false);
    expect(axiosProxyFor({ ...env, NO_PROXY: '' }, 'http://localhost:4000')).toBe(false);
    expect(axiosProxyFor({ ...env, NO_PROXY: '*' }, 'https://api.wavix.com')).toBe(false);
    expect(axiosProxyFor(env, 'https://api.wavix.com')).toEqual({ protocol: 'http', host: '127.0.0.1', port: 9 });
  });

  it('leaves no proxy for axios to find on its own: ALL_PROXY or an empty HTTPS_PROXY beside https_proxy (Wavix went through a proxy start-up never named)', async () => {
    const local = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"balance":"1"}'));
    await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => local.close(() => resolve())));
    const wavixUrl = `http://127.0.0.1:${(local.address() as { port: number }).port}`;
    // A desktop's proxy setting (GNOME and KDE export all_proxy), a proxy that is not there: smsops reads no proxy.
    for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY'])
      vi.stubEnv(name, undefined);
    vi.stubEnv('all_proxy', 'http://127.0.0.1:9');
    onTestFinished(() => {
      vi.unstubAllEnvs();
    });
    expect(environmentProxy(process.env)).toBeUndefined();
    const said: string[] = [];
    expect(useEnvironmentProxy(process.env, { info: (msg: string) => said.push(msg) })).toBeUndefined();
    expect(said).toEqual([expect.stringMatching(/^ALL_PROXY is set but smsops does not read it: .* set HTTPS_PROXY/)]);
    const request = createWavixRequester({
      baseUrl: wavixUrl,
      apiKey: 'test-wavix-key-0000',
      retry: { maxRetries: 0 },
      proxy: axiosProxyFor(process.env, wavixUrl),
    });
    const answer = await request({
      operation: 'read the account balance',
      method: 'GET',
      path: '/v1/profile/balance',
      schema: z.object({ balance: z.string() }),
    });
    expect(answer).toEqual({ balance: '1' });
    // HTTPS_PROXY left empty (a Compose file's `${HTTPS_PROXY:-}`) with https_proxy set: the lower-case one is the proxy.
    expect(environmentProxy({ HTTPS_PROXY: ' ', https_proxy: 'http://proxy.corp:3128' })).toEqual({
      https: 'http://proxy.corp:3128',
    });
  });
});
