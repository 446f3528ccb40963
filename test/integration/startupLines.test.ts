import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, productionEnv, type SmsopsProcess, startSmsopsProcess } from '../helpers/smsopsProcess.js';

const secret = 'whsec_startup_0123456789abcdefghij';
let running: SmsopsProcess | undefined;

afterEach(() => {
  running?.kill();
  running = undefined;
});

describe('start-up, as a person at the terminal and a log shipper see it', () => {
  it('says where smsops listens and what is missing in JSON lines like every other (they were plain text a log shipper could not parse), without the webhook secret, and / says what answers there', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'smsops-startup-'));
    const port = await freePort();
    running = await startSmsopsProcess(cwd, {
      ...productionEnv({ port, databasePath: join(cwd, 'smsops.db'), webhookSecret: secret }),
      PUBLIC_BASE_URL: 'https://smsops.example.com',
      // A misspelt variable: its warning comes before the configuration is read.
      WAVIX_APIKEY: 'x',
    });
    await running.waitForLine(/no PortSIP route/, 10_000);
    const lines = running.logs.map((line) => line.replace(/^\[stderr\] /, ''));
    const notJson = lines.filter((line) => {
      try {
        JSON.parse(line);
        return false;
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
    const said = lines.map((line) => JSON.parse(line) as { level: string; msg: string });
    const listening = said.find((line) => line.msg.startsWith('listening on '));
    expect(listening?.msg).toMatch(
      new RegExp(`^listening on http://127\\.0\\.0\\.1:${port}, health at /healthz; Wavix posts inbound SMS to `),
    );
    expect(listening?.msg).toContain('https://smsops.example.com/webhooks/wavix/inbound/');
    expect(said.find((line) => line.msg.includes('not relayed to PortSIP'))?.level).toBe('info');
    expect(said).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: 'WAVIX_APIKEY is not a smsops setting; did you mean WAVIX_API_KEY?' }),
    );
    expect(said.some((line) => line.msg === 'smsops listening')).toBe(true);
    expect(running.logs.join('\n')).not.toContain(secret);

    const home = await fetch(`http://127.0.0.1:${port}/`);
    expect(home.status).toBe(200);
    expect(await home.json()).toMatchObject({ service: 'smsops', health: '/healthz' });
    expect((await fetch(`http://127.0.0.1:${port}/nothing-here`)).status).toBe(404);
  }, 40_000);
});
