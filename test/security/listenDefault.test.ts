import { mkdtempSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configWarnings } from '../../src/config.js';
import { freePort, productionEnv, type SmsopsProcess, startSmsopsProcess } from '../helpers/smsopsProcess.js';

/** An address of this machine other than loopback: where another host of the network reaches it. */
const outwardAddress = () =>
  Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

let running: SmsopsProcess | undefined;
afterEach(() => running?.kill());

describe('HOST unset behind a TLS proxy (a host install: deploy/smsops.service sets no HOST)', () => {
  it('says at start that the plain-HTTP port, /metrics included, is open on every address, and how to close it', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'smsops-listen-'));
    const { HOST: _unset, ...env } = productionEnv({
      port,
      databasePath: join(dir, 'smsops.db'),
      webhookSecret: 'whsec_test_0123456789abcdefghijkl',
    });
    running = await startSmsopsProcess(dir, { ...env, PUBLIC_BASE_URL: 'https://smsops.acme-pbx.net' });
    const outward = outwardAddress();
    if (outward) expect((await fetch(`http://${outward}:${port}/metrics`)).status).toBe(200);
    const line = running.logs.find((l) => l.includes('HOST is unset')) ?? '';
    expect(line).toContain(`in plain HTTP on port ${port}: whoever reaches that port reads /metrics`);
    expect(line).toContain('set HOST=127.0.0.1');
  });

  it('says it too when a LISTEN_FDS inherited from a parent (smsops started by hand from a shell systemd runs) is not for smsops, which binds PORT', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'smsops-listen-'));
    const { HOST: _unset, ...env } = productionEnv({
      port,
      databasePath: join(dir, 'smsops.db'),
      webhookSecret: 'whsec_test_0123456789abcdefghijkl',
    });
    running = await startSmsopsProcess(dir, {
      ...env,
      PUBLIC_BASE_URL: 'https://smsops.acme-pbx.net',
      LISTEN_FDS: '1',
      LISTEN_PID: '1',
    });
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBeLessThan(500);
    expect(running.logs.some((l) => l.includes('the socket systemd passed is not for this process'))).toBe(true);
    const line = running.logs.find((l) => l.includes('HOST is unset')) ?? '';
    expect(line).toContain(`in plain HTTP on port ${port}: whoever reaches that port reads /metrics`);
  });

  it('says nothing when HOST is given (the Dockerfile and compose set 0.0.0.0 on purpose) or nothing is proxied yet', () => {
    const https = { PUBLIC_BASE_URL: 'https://smsops.acme-pbx.net' };
    expect(configWarnings({ ...https, HOST: '0.0.0.0' })).toEqual([]);
    expect(configWarnings({ ...https, HOST: '127.0.0.1' })).toEqual([]);
    expect(configWarnings({ PORT: '3000' })).toEqual([]);
    expect(configWarnings({ ...https }, { sandbox: true })).toEqual([]);
  });
});
