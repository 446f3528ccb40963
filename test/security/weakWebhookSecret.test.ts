import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { webhookSecretWarning } from '../../src/envWebhookSecret.js';
import { freePort, inboundWebhookBody, productionEnv, type SmsopsProcess, startSmsopsProcess } from '../helpers/smsopsProcess.js';

let running: SmsopsProcess | undefined;
afterEach(() => running?.kill());

describe('a WEBHOOK_SECRET long enough but guessable', () => {
  it('is said at start (never quoted), and still taken: Wavix may already post to it', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'smsops-weak-secret-'));
    const secret = 'a'.repeat(24);
    running = await startSmsopsProcess(dir, productionEnv({ port, databasePath: join(dir, 'smsops.db'), webhookSecret: secret }));
    const line = running.logs.find((l) => l.includes('WEBHOOK_SECRET holds only')) ?? '';
    expect(line).toContain('WEBHOOK_SECRET holds only 1 different character: it can be guessed');
    expect(line).not.toContain(secret);
    const posted = await fetch(`http://127.0.0.1:${port}/webhooks/wavix/inbound/${secret}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: inboundWebhookBody('weak-secret-1'),
    });
    expect(posted.status).toBe(200);
  });

  it('says nothing of random secrets, digits only included, nor of a too short one (refused by its own rule)', () => {
    expect(webhookSecretWarning('whsec_test_0123456789abcdefghijkl')).toBeUndefined();
    expect(webhookSecretWarning('804711932657018243598861')).toBeUndefined();
    expect(webhookSecretWarning('aaaa')).toBeUndefined();
    expect(webhookSecretWarning('abcabcabcabcabcabcabcabc')).toMatch(/only 3 different characters/);
  });
});
