import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, productionEnv, type SmsopsProcess, spawnSmsops } from '../helpers/smsopsProcess.js';

let dir: string | undefined;
let smsops: SmsopsProcess | undefined;
afterEach(() => {
  smsops?.kill();
  smsops = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('npm start with a PUBLIC_BASE_URL Wavix cannot reach', () => {
  it('still starts (a Wavix stand-in on this host reaches it) but says at once that the real Wavix cannot', async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-public-base-'));
    const port = await freePort();
    smsops = spawnSmsops({
      cwd: dir,
      env: {
        ...productionEnv({ port, databasePath: join(dir, 'smsops.db'), webhookSecret: 'whsec_test_0123456789abcdefghijkl' }),
        PUBLIC_BASE_URL: `http://localhost:${port}`,
      },
    });
    await smsops.waitForLine(/smsops listening/);
    const said = smsops.logs.filter((line) => line.startsWith('[stderr] {')).map((line) => JSON.parse(line.slice(9)));
    expect(said).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: "PUBLIC_BASE_URL's host is a loopback name: Wavix calls this URL from the internet and cannot reach it; set PUBLIC_BASE_URL to the address where the internet reaches smsops (a Wavix on this host or network, such as its emulator, still reaches it)",
      }),
    );
    expect((await fetch(`http://localhost:${port}/healthz`)).status).toBe(200);
  });
});
