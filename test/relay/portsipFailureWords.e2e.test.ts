import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { generate as generateCertificate } from 'selfsigned';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ALERT_CHANNEL,
  OUTSIDER,
  postInbound,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * A wrong route's failure said in words that point at the fix: an https:// URL at a plain-HTTP port, an http:// URL at
 * a TLS port, and a PBX redirecting elsewhere, each met by the real relay over real connections.
 */

const UUID = 'a558d635-66e0-4c64-9d3b-2f5c1e7a8b90';

let t: SmsopsUnderTest | undefined;
const servers: Array<{ close(): void }> = [];

afterEach(async () => {
  if (t) {
    await stopCheckingSecrets(t);
    t = undefined;
  }
  for (const s of servers.splice(0)) s.close();
});

async function listening(server: Server | ReturnType<typeof createTlsServer>): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function tlsPort(): Promise<number> {
  const pems = await generateCertificate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256' });
  // Reads the plain HTTP request as a bad TLS record and drops the connection, as a TLS-only PBX port does.
  return listening(createTlsServer({ cert: pems.cert, key: pems.private }, (socket) => socket.end()));
}

describe('a PortSIP route that cannot work, in words', () => {
  it('names a plain-HTTP port behind https://, a TLS port behind http:// and where a redirect points', async () => {
    const plainPort = await listening(createHttpServer((_req, res) => res.end('ok')));
    const securePort = await tlsPort();
    const redirectPort = await listening(
      createHttpServer((_req, res) => {
        res.writeHead(301, { location: `https://pbx-b.example.com:8887/emc/right/${UUID}` });
        res.end();
      }),
    );
    t = await startSmsopsUnderTest({ RELAY_RETRY_BASE_MS: '60000', SLACK_RELAY_PACE_MS: '0' });
    const smsops = t;
    await runCommand(smsops, `route set +14155550161 https://127.0.0.1:${plainPort}/emc/x/${UUID}`);
    await runCommand(smsops, `route set +14155550162 http://127.0.0.1:${securePort}/emc/x/${UUID}`);
    await runCommand(smsops, `route set +14155550163 http://127.0.0.1:${redirectPort}/emc/x/${UUID}`);
    for (const to of ['14155550161', '14155550162', '14155550163']) await postInbound(smsops, { to });
    await waitUntil(
      () =>
        (
          smsops.db
            .prepare("SELECT count(*) AS n FROM deliveries WHERE destination_kind = 'portsip' AND attempts >= 1")
            .get() as {
            n: number;
          }
        ).n === 3,
      5000,
      'the three first attempts',
    );

    const status = readable((await runCommand(smsops, 'relay status')).body);
    expect(status).toContain('the server at this address does not speak HTTPS: use http:// or the HTTPS port');
    expect(status).toContain('the server may expect HTTPS (use https://)');
    expect(status).toContain('PortSIP answered HTTP 301: it redirects to another address');
    // An admin sees where: the Location, masked.
    expect(status).toContain('redirects to https://pbx-b.example.com:8887/emc/right/a558…');
    expect(status).not.toContain(UUID);
    expect(status).not.toContain('wrong version number');
    expect(status).not.toContain('TLS certificate');

    // Someone else reading the inbox is told the kind of failure, without the addresses an error names.
    const outsider = readable((await runCommand(smsops, 'inbox', { userId: OUTSIDER })).body);
    expect(outsider).toContain('no HTTP answer: the server does not speak HTTPS');
    expect(outsider).toContain('no HTTP answer: connection closed (the server may expect HTTPS)');
    expect(outsider).not.toContain('127.0.0.1');
  });

  it('names a PBX offering only TLS 1.0 as a TLS version to enable, not a certificate to renew', async () => {
    const pems = await generateCertificate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256' });
    const oldTlsPort = await listening(
      createTlsServer(
        { cert: pems.cert, key: pems.private, minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' },
        (socket) => socket.end(),
      ),
    );
    t = await startSmsopsUnderTest({ RELAY_RETRY_BASE_MS: '60000', SLACK_RELAY_PACE_MS: '0' });
    const smsops = t;
    await runCommand(smsops, `route set +14155550164 https://127.0.0.1:${oldTlsPort}/emc/x/${UUID}`);
    await postInbound(smsops, { to: '14155550164' });
    await waitUntil(
      () =>
        (
          smsops.db
            .prepare("SELECT count(*) AS n FROM deliveries WHERE destination_kind = 'portsip' AND attempts >= 1")
            .get() as { n: number }
        ).n === 1,
      5000,
      'the first attempt',
    );
    const status = readable((await runCommand(smsops, 'relay status')).body);
    expect(status).toContain('PortSIP offers only an old TLS version or cipher (TLS 1.0/1.1; smsops needs TLS 1.2 or later)');
    expect(status).not.toContain('TLS certificate was not accepted');
    const outsider = readable((await runCommand(smsops, 'inbox', { userId: OUTSIDER })).body);
    expect(outsider).toContain('no HTTP answer: TLS version or cipher too old');
  });

  it('names a Slack channel of a dead-letter alert as the channel', async () => {
    t = await startSmsopsUnderTest({ RELAY_DEAD_AFTER_HOURS: '0.0002', RELAY_RETRY_BASE_MS: '20', SLACK_RELAY_PACE_MS: '0' });
    const smsops = t;
    smsops.fakeSlack.handle('chat.postMessage', ({ args }) =>
      args.channel === 'C0ARCH0001'
        ? { ok: false, error: 'is_archived' }
        : { channel: args.channel, ts: `1700000001.${String(Date.now() % 1_000_000).padStart(6, '0')}` },
    );
    await runCommand(smsops, 'route set +14155550164 <#C0ARCH0001|old>');
    await postInbound(smsops, { to: '14155550164' });
    const alertPost = () =>
      smsops.fakeSlack
        .callsTo('chat.postMessage')
        .find((c) => c.args.channel === ALERT_CHANNEL && readable(c.args).includes('dead letters'));
    await waitUntil(() => alertPost(), 8000, 'the dead-letter alert');
    expect(readable(alertPost()?.args)).toContain('Inbound SMS to Slack channel <#C0ARCH0001> are dead letters');
  });
});
