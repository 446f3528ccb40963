import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnSmsops } from './smsopsProcess.js';

const root = join(import.meta.dirname, '..', '..');

/** node's arguments that run `src/restore.ts` through tsx with `args`, as an operator runs it from a checkout. */
export const restoreArgs = (...args: string[]): string[] => [
  '--import',
  pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href,
  join(root, 'src/restore.ts'),
  ...args,
];

/** `src/restore.ts` as an operator runs it, in a folder of its own (no .env): its exit code and its output. */
export async function runRestore(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  const p = spawnSmsops({ cwd, env, nodeArgs: restoreArgs(...args) });
  const { code } = await p.exited;
  return { code, output: p.logs.join('\n') };
}
