import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

describe('the control an attempt hands its sender', () => {
  // It was an object literal with a getter (the signal, made on demand): V8 builds such an object in dictionary mode,
  // through its runtime, and kept every attempt's objects alive through its young-generation collections: a fifth of
  // a delivery's CPU in bench/pathCpu.ts (bench/README.md, the twenty-third round). The relay's CPU is what a user sees.
  it('is a plain fast object, and still makes its signal when asked', { timeout: 30_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsops-attempt-control-'));
    try {
      const child = spawnSync(
        process.execPath,
        [
          '--allow-natives-syntax',
          '--import',
          pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href,
          join(root, 'test/helpers/attemptControlShape.ts'),
          dir,
        ],
        { encoding: 'utf8', timeout: 25_000 },
      );
      expect(child.status, child.stderr).toBe(0);
      expect(child.stdout).toContain('SIGNAL true');
      expect(child.stdout).toContain('CONTROL fast=true');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
