import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '../helpers/waitUntil.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * A supervisor that signals only the process it started (`kill <pid>`, a container whose command is npm): npm passes
 * SIGTERM to the shell running the script, and a shell that forks node exits and leaves it running, port and
 * database lease held, so the next start fails. The scripts `exec` node, which then gets the signal itself.
 */
describe('npm start stopped by a SIGTERM to npm alone', () => {
  it('stops smsops too (it says so and its port closes), leaving nothing running', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsops-npm-signal-'));
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      detached: true, // its own process group, so whatever is left behind can be killed after the test
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? dir,
        SMSOPS_SANDBOX: '1',
        SMSOPS_SANDBOX_PORT: '0',
        DATABASE_PATH: join(dir, 'sandbox.db'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    for (const stream of [npm.stdout, npm.stderr]) stream.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    try {
      const url = await waitUntil(
        () => /sandbox running: open (http:\/\/localhost:\d+)\/sandbox/.exec(output)?.[1],
        40_000,
        () => `the sandbox URL in the output:\n${output}`,
      );
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      process.kill(npm.pid as number, 'SIGTERM');
      await waitUntil(
        async () => {
          try {
            await fetch(`${url}/healthz`);
            return false;
          } catch {
            return true;
          }
        },
        15_000,
        () => `smsops still answering after npm's SIGTERM:\n${output}`,
      );
      // The listener closes first; the rest of the stop (jobs, relay, database) ends with its line.
      await waitUntil(
        () => output.includes('"msg":"stopped"'),
        15_000,
        () => `smsops' stop in the output:\n${output}`,
      );
    } finally {
      try {
        process.kill(-(npm.pid as number), 'SIGKILL');
      } catch {
        // the group is gone: nothing was left behind
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
