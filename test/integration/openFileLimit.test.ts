import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort, productionEnv, type SmsopsProcess, spawnSmsops } from '../helpers/smsopsProcess.js';

/** smsops started (as `npm start` runs it) under an open-file limit too low for it to load and serve. */

let dir: string;
let smsops: SmsopsProcess | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'smsops-open-files-'));
});

afterEach(() => {
  smsops?.kill();
  smsops = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const exitWithin = (p: SmsopsProcess, ms: number) =>
  Promise.race([p.exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), ms))]);

describe('an open-file limit below what smsops needs', () => {
  it.each([64, 255])(
    '`ulimit -n %i`: exit 2 with one line naming the limit, the minimum and how to raise it, no stack trace',
    async (limit) => {
      const port = await freePort();
      smsops = spawnSmsops({
        cwd: dir,
        env: productionEnv({ port, databasePath: join(dir, 'smsops.db'), webhookSecret: 'open-files-secret-0123456789abcdef' }),
        openFileLimit: limit,
      });
      // Before: at 64 the module loader died with EMFILE and its stack trace (exit 1), at 255 smsops started.
      expect(await exitWithin(smsops, 20_000)).toEqual({ code: 2, signal: null });
      expect(smsops.logs).toHaveLength(1);
      const line = smsops.logs[0] ?? '';
      expect(line).toMatch(
        new RegExp(`^\\[stderr\\] smsops cannot start: the open-file limit is ${limit}, below the 256 smsops needs`),
      );
      for (const how of ['ulimit -n 1024', 'LimitNOFILE=1024', 'docker run --ulimit nofile=1024']) expect(line).toContain(how);
    },
    30_000,
  );
});
