import { writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeSlackSocket, startFakeSlackSocket } from '../helpers/fakeSlackSocket.js';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import { inboundWebhookBody, productionEnv, startSmsopsProcess } from '../helpers/smsopsProcess.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * A corporate network where only a proxy reaches the internet (HTTP_PROXY / HTTPS_PROXY / NO_PROXY): every leg to an
 * internet service goes through it, not Wavix's alone, and PortSIP is reached directly on each leg.
 */

/**
 * A name for a stand-in on this host that smsops must send through the proxy: loopback itself never goes through one
 * (src/outboundProxy.ts), and the proxy resolves this name to it.
 */
const proxied = (url: string) => url.replace('127.0.0.1', 'stand-in.proxied.test');
const resolveAtProxy = (host: string) => (host === 'stand-in.proxied.test' ? '127.0.0.1' : host);

/** A forward proxy (absolute-URI requests and CONNECT tunnels) that records the host:port each request was for. */
async function startRecordingProxy(): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    const target = new URL(req.url ?? '');
    seen.push(`${target.host}${target.pathname}`);
    const upstream = request(
      {
        host: resolveAtProxy(target.hostname),
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end('proxy: upstream failed'));
    req.pipe(upstream);
  });
  // Tunnels are no longer the server's connections: closed by hand, or close() waits for the websocket to end.
  const tunnels = new Set<{ destroy(): void }>();
  server.on('connect', (req, socket, head) => {
    seen.push(req.url ?? '');
    tunnels.add(socket);
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), resolveAtProxy(host ?? ''), () => {
      tunnels.add(upstream);
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => {
      server.closeAllConnections();
      for (const tunnel of tunnels) tunnel.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const WEBHOOK_SECRET = 'whsec_proxy_0123456789abcdefghijklmn';

describe('an outbound proxy in the environment (real process)', () => {
  const rig = useRealProcessRig('smsops-proxy-');
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>> | undefined;
  let socket: FakeSlackSocket | undefined;
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    await socket?.close();
    socket = undefined;
  });

  it('sends Slack’s calls through it as Wavix’s go, relays to PortSIP directly, and says so at start', {
    timeout: 60_000,
  }, async () => {
    proxy = await startRecordingProxy();
    const slackHost = new URL(proxied(rig.fakeSlack.url)).host;
    const portsipHost = new URL(rig.sink.url).host;
    const smsops = rig.track(
      await startSmsopsProcess(rig.dir, {
        ...productionEnv({ port: rig.port, databasePath: join(rig.dir, 'smsops.db'), webhookSecret: WEBHOOK_SECRET }),
        SLACK_API_URL: proxied(rig.fakeSlack.url),
        SLACK_INBOX_CHANNEL: 'C0TESTINBX',
        PORTSIP_WEBHOOK_URL: `${rig.sink.url}/emc/Wavix/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90`,
        HTTP_PROXY: proxy.url,
        https_proxy: proxy.url,
      }),
    );
    const said = await smsops.waitForLine(/outbound proxy from the environment/, 20_000);
    expect(said).toContain(`"httpProxy":"${proxy.url}"`);
    await smsops.waitForLine(/smsops listening/, 20_000);

    // Slack's start-up check went through the proxy (it went direct, while Wavix's calls went through it).
    await waitUntil(
      () => proxy?.seen.some((s) => s.startsWith(slackHost)) ?? false,
      10_000,
      () => `proxy saw ${proxy?.seen}`,
    );

    const answer = await fetch(`${rig.base}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: inboundWebhookBody('proxy-msg-1'),
    });
    expect(answer.status).toBe(200);
    await waitUntil(
      () => rig.sink.received.length === 1,
      15_000,
      () => 'PortSIP received nothing',
    );
    expect(proxy.seen.filter((s) => s.startsWith(portsipHost))).toEqual([]);
  });

  it('takes the proxy from .env as from the environment', { timeout: 60_000 }, async () => {
    // README: "Read from the environment, with .env underneath it"; a proxy written there was read by nothing, so
    // every Wavix and Slack call went direct on a network where only the proxy reaches the internet.
    proxy = await startRecordingProxy();
    writeFileSync(join(rig.dir, '.env'), `HTTPS_PROXY=${proxy.url}\nHTTP_PROXY=${proxy.url}\n`);
    const slackHost = new URL(proxied(rig.fakeSlack.url)).host;
    const smsops = rig.track(
      await startSmsopsProcess(rig.dir, {
        ...productionEnv({ port: rig.port, databasePath: join(rig.dir, 'smsops.db'), webhookSecret: WEBHOOK_SECRET }),
        SLACK_API_URL: proxied(rig.fakeSlack.url),
      }),
    );
    const said = await smsops.waitForLine(/outbound proxy from the environment/, 20_000);
    expect(said).toContain(`"httpProxy":"${proxy.url}"`);
    await waitUntil(
      () => proxy?.seen.some((s) => s.startsWith(slackHost)) ?? false,
      10_000,
      () => `proxy saw ${proxy?.seen}`,
    );
  });

  it('warns at start when NODE_TLS_REJECT_UNAUTHORIZED=0 has turned certificate checks off', { timeout: 60_000 }, async () => {
    const smsops = rig.track(
      await startSmsopsProcess(rig.dir, {
        ...productionEnv({ port: rig.port, databasePath: join(rig.dir, 'smsops.db'), webhookSecret: WEBHOOK_SECRET }),
        SLACK_API_URL: rig.fakeSlack.url,
        NODE_TLS_REJECT_UNAUTHORIZED: '0',
      }),
    );
    const said = await smsops.waitForLine(/NODE_TLS_REJECT_UNAUTHORIZED=0 turns off certificate verification/, 20_000);
    expect(said).toContain('"level":"warn"');
    expect(said).toContain('NODE_EXTRA_CA_CERTS');
  });

  it('opens Socket Mode’s websocket through it too, and takes commands over it', { timeout: 60_000 }, async () => {
    proxy = await startRecordingProxy();
    const ws = await startFakeSlackSocket();
    socket = ws;
    rig.fakeSlack.handle('apps.connections.open', () => ({ url: proxied(ws.url) }));
    const smsops = rig.track(
      await startSmsopsProcess(rig.dir, {
        ...productionEnv({ port: rig.port, databasePath: join(rig.dir, 'smsops.db'), webhookSecret: WEBHOOK_SECRET }),
        SLACK_API_URL: proxied(rig.fakeSlack.url),
        SLACK_APP_TOKEN: 'xapp-1-A0PROXY01-0000-secretpart0123456789',
        HTTP_PROXY: proxy.url,
      }),
    );
    await smsops.waitForLine(/Slack Socket Mode connected/, 20_000);
    // The websocket itself, not only apps.connections.open: it was opened directly, past the proxy.
    expect(proxy.seen).toContain(new URL(proxied(ws.url)).host);
  });
});
