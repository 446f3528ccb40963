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

describe('start-up, as a person at the terminal sees it', () => {
  it('prints human lines on stderr beside the JSON log, without the webhook secret, and / says what answers there', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'smsops-startup-'));
    const port = await freePort();
    running = await startSmsopsProcess(cwd, {
      ...productionEnv({ port, databasePath: join(cwd, 'smsops.db'), webhookSecret: secret }),
      PUBLIC_BASE_URL: 'https://smsops.example.com',
    });
    await running.waitForLine(/smsops: no PortSIP route/, 10_000);
    const human = running.logs.filter((line) => line.startsWith('[stderr] smsops: '));
    expect(human[0]).toMatch(
      new RegExp(
        `^\\[stderr\\] smsops: listening on http://127\\.0\\.0\\.1:${port}, health at /healthz; Wavix posts inbound SMS to `,
      ),
    );
    expect(human[0]).toContain('https://smsops.example.com/webhooks/wavix/inbound/');
    expect(human.join('\n')).toContain('not relayed to PortSIP');
    // Both are written; their order as read from two pipes (stdout, stderr) is the scheduler's, not smsops'.
    expect(running.logs.some((line) => line.includes('smsops listening') && !line.startsWith('[stderr]'))).toBe(true);
    expect(running.logs.join('\n')).not.toContain(secret);

    const home = await fetch(`http://127.0.0.1:${port}/`);
    expect(home.status).toBe(200);
    expect(await home.json()).toMatchObject({ service: 'smsops', health: '/healthz' });
    expect((await fetch(`http://127.0.0.1:${port}/nothing-here`)).status).toBe(404);
  }, 40_000);
});
