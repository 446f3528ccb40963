import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_EMULATOR_KEY } from '../../src/sandbox/emulator/server.js';
import { freePort } from '../helpers/freePort.js';
import { waitUntil } from '../helpers/waitUntil.js';

const root = join(import.meta.dirname, '..', '..');
let child: ChildProcess | undefined;
afterEach(() => child?.kill('SIGKILL'));

/** `npm run emulator` with HOST as a shell that also runs smsops may hold it; its printed lines. */
async function startCli(host: string, port: number): Promise<string[]> {
  const loader = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
  child = spawn(process.execPath, ['--import', loader, join(root, 'src/sandbox/emulator/cli.ts')], {
    env: { PATH: process.env.PATH ?? '', HOST: host, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => out.push(...chunk.toString().split('\n')));
  await waitUntil(
    () => out.some((l) => l.includes('API key:')),
    20_000,
    () => out.join('\n'),
  );
  return out;
}

describe('npm run emulator with HOST=0.0.0.0 (smsops’ own variable, often exported)', () => {
  it('wants the API key on its admin routes off loopback, and says so; the default key is public', async () => {
    const port = await freePort();
    const out = await startCli('0.0.0.0', port);
    expect(out.join('\n')).toContain('/_emulator/ wants the API key too');
    const bare = await fetch(`http://127.0.0.1:${port}/_emulator/state`);
    expect(bare.status).toBe(401);
    expect(((await bare.json()) as { message: string }).message).toContain(
      '/_emulator/ wants the API key here (Authorization: Bearer',
    );
    const keyed = await fetch(`http://127.0.0.1:${port}/_emulator/state`, {
      headers: { authorization: `Bearer ${DEFAULT_EMULATOR_KEY}` },
    });
    expect(keyed.status).toBe(200);
  });
});
