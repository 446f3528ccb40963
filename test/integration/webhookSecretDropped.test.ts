import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, inboundWebhookBody, productionEnv, type SmsopsProcess, spawnSmsops } from '../helpers/smsopsProcess.js';

/**
 * A generated webhook secret rotated out after a leak (WEBHOOK_SECRET set to a new one, the generated one in
 * WEBHOOK_SECRET_PREVIOUS, then emptied), and later a start without WEBHOOK_SECRET (a line lost from .env, a
 * container recreated without it): smsops took the leaked generated secret again, silently, and Wavix's URLs, which
 * end with the new one, got 404, their SMS lost.
 */
const NEW_SECRET = 'whsec-after-the-leak-0123456789abcdef';
const dirs: string[] = [];
const running: SmsopsProcess[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) {
    if (!p.hasExited()) {
      process.kill(-p.pid, 'SIGTERM');
      await p.exited;
    }
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('a start without WEBHOOK_SECRET after one with it', () => {
  it('is refused (exit 2, in words), instead of taking the generated secret it replaced; neither secret printed', {
    timeout: 60_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsops-secret-dropped-'));
    dirs.push(dir);
    const port = await freePort();
    const databasePath = join(dir, 'smsops.db');
    const { WEBHOOK_SECRET: _unused, ...withoutSecret } = productionEnv({ port, databasePath, webhookSecret: '' });
    const post = (secret: string, id: string) =>
      fetch(`http://127.0.0.1:${port}/webhooks/wavix/inbound/${secret}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: inboundWebhookBody(id),
      }).then((r) => r.status);
    const run = async (env: Record<string, string>) => {
      const p = spawnSmsops({ cwd: dir, env });
      running.push(p);
      await p.waitForLine(/smsops listening/, 30_000);
      return p;
    };
    const stop = async (p: SmsopsProcess) => {
      process.kill(-p.pid, 'SIGTERM');
      await p.exited;
    };

    // The generated secret, in Wavix's URLs; then rotated out, as README's Secrets says.
    await stop(await run(withoutSecret));
    const db = new Database(databasePath, { readonly: true });
    const generated = db.prepare("SELECT value FROM settings WHERE key = 'webhook_secret'").pluck().get() as string;
    db.close();
    await stop(await run({ ...withoutSecret, WEBHOOK_SECRET: NEW_SECRET, WEBHOOK_SECRET_PREVIOUS: generated }));
    const rotated = await run({ ...withoutSecret, WEBHOOK_SECRET: NEW_SECRET });
    expect(await post(generated, 'leaked-1')).toBe(404);
    expect(await post(NEW_SECRET, 'new-1')).toBe(200);
    await stop(rotated);

    // WEBHOOK_SECRET lost at the next start.
    const dropped = spawnSmsops({ cwd: dir, env: withoutSecret });
    running.push(dropped);
    const { code } = await dropped.exited;
    expect(code).toBe(2);
    const said = dropped.logs.join('\n');
    expect(said).toContain('WEBHOOK_SECRET is unset, but the last start had it');
    expect(said).not.toContain(generated);
    expect(said).not.toContain(NEW_SECRET);

    // Set again, smsops takes the URL Wavix holds, and still not the leaked one.
    await run({ ...withoutSecret, WEBHOOK_SECRET: NEW_SECRET });
    expect(await post(NEW_SECRET, 'new-2')).toBe(200);
    expect(await post(generated, 'leaked-2')).toBe(404);
  });

  it('with the generated secret in WEBHOOK_SECRET_PREVIOUS and no new one is refused: nothing would be rotated', {
    timeout: 60_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsops-secret-dropped-'));
    dirs.push(dir);
    const port = await freePort();
    const databasePath = join(dir, 'smsops.db');
    const { WEBHOOK_SECRET: _unused, ...withoutSecret } = productionEnv({ port, databasePath, webhookSecret: '' });
    const first = spawnSmsops({ cwd: dir, env: withoutSecret });
    running.push(first);
    await first.waitForLine(/smsops listening/, 30_000);
    process.kill(-first.pid, 'SIGTERM');
    await first.exited;
    const db = new Database(databasePath, { readonly: true });
    const generated = db.prepare("SELECT value FROM settings WHERE key = 'webhook_secret'").pluck().get() as string;
    db.close();

    // The rotation's new line forgotten: only the old secret, as previous.
    const forgot = spawnSmsops({ cwd: dir, env: { ...withoutSecret, WEBHOOK_SECRET_PREVIOUS: generated } });
    running.push(forgot);
    expect((await forgot.exited).code).toBe(2);
    const said = forgot.logs.join('\n');
    expect(said).toContain('WEBHOOK_SECRET_PREVIOUS holds the webhook secret in force, the one smsops generated');
    expect(said).not.toContain(generated);
  });
});
