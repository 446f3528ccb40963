import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

describe('the install note (package.json preinstall)', () => {
  it('says what is being built, and runs where the image build runs npm ci: beside package.json and the lockfile only', () => {
    // The Dockerfile copies package.json and package-lock.json, then runs `npm ci`, before anything else of the
    // project is there: a preinstall reading a project file would fail the image build.
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/COPY package\.json package-lock\.json \.\/\nRUN npm ci/);
    const dir = mkdtempSync(join(tmpdir(), 'smsops-install-note-'));
    try {
      copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
      copyFileSync(join(root, 'package-lock.json'), join(dir, 'package-lock.json'));
      const run = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '-s', 'preinstall'], {
        cwd: dir,
        encoding: 'utf8',
      });
      expect(run.status).toBe(0);
      expect(run.stderr).toContain('better-sqlite3');
      expect(run.stderr).toContain('about a minute');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
