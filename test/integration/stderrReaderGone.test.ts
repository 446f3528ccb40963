import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, productionEnv, type SmsopsProcess, spawnSmsops } from '../helpers/smsopsProcess.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';

/**
 * `node dist/main.js 2>&1 | head -1`, or a log shipper restarted: the reader of smsops' stderr goes away. The start-up
 * summary written there after it went was an 'error' event nobody heard: smsops exited 1 without a word it could
 * still show, nothing listened, and a supervisor's every restart died the same way.
 */
describe('a reader of stderr that went away (real process)', () => {
  let dir = '';
  let p: SmsopsProcess | undefined;
  afterEach(() => {
    p?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves smsops running and taking webhooks', { timeout: 60_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-stderr-gone-'));
    const port = await freePort();
    const secret = 'stderr-gone-secret-0123456789';
    p = spawnSmsops({ cwd: dir, env: productionEnv({ port, databasePath: join(dir, 'smsops.db'), webhookSecret: secret }) });
    // The reading end closed before smsops writes its summary there: its next write to stderr fails with EPIPE.
    p.child.stderr?.destroy();
    await p.waitForLine(/smsops listening/, 30_000);
    // The summary follows the listening line; a moment for its write to fail, as it did.
    await sleep(1_000);
    expect(p.hasExited()).toBe(false);
    const health = await waitUntil(
      async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status,
      10_000,
      '/healthz answering',
    );
    expect(health).toBeDefined();
    const webhook = await fetch(`http://127.0.0.1:${port}/webhooks/wavix/inbound/${secret}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        message_id: 'stderr-gone-1',
        from: '+447400000001',
        to: '+447400000002',
        message_body: { text: 'hello', media: [] },
        received_at: '2026-11-27T12:00:00Z',
      }),
    });
    expect(webhook.status).toBe(200);
    expect(p.hasExited()).toBe(false);
  });
});
