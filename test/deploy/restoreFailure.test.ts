import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { markedSmsopsDatabase, restoreMarker } from '../helpers/restoreDatabases.js';
import { runRestore } from '../helpers/runRestore.js';

/** An smsops database of about `bytes` (a filler setting), carrying `marker`. */
const smsopsDatabase = (path: string, marker: string, bytes = 0) => markedSmsopsDatabase(path, marker, { bytes });

const marker = restoreMarker;

/**
 * A restore that fails while the backup is copied in. It used to move the current database aside first: a failed
 * copy left nothing at the path, and the README's next step, starting smsops, made a new, empty database (no
 * routes; with a generated webhook secret, another one: every Wavix webhook 404) while /healthz said ok.
 */
describe('a restore that fails while copying the backup in', () => {
  let dir = '';
  let unmount: (() => void) | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-restore-fails-'));
  });
  afterEach(() => {
    unmount?.();
    unmount = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const unchanged = (folder: string, target: string) => {
    expect(marker(target)).toBe('current');
    expect(readdirSync(folder).filter((f) => f.includes('before-restore') || f.includes('.restoring'))).toEqual([]);
  };

  it('a full disk: exit 1, nothing was changed, the current database still at the path', { timeout: 60_000 }, async (ctx) => {
    const small = join(dir, 'small');
    mkdirSync(small);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', small], { stdio: 'pipe' });
    } catch {
      ctx.skip('no right to mount a tmpfs here: no way to fill a disk');
    }
    unmount = () => execFileSync('umount', ['-l', small], { stdio: 'ignore' });
    // 2.5 MB each: the current one fits the 4 MB disk, the copy of the backup beside it does not.
    // Made elsewhere and copied in: making it there takes room for its -wal as well.
    const target = join(small, 'smsops.db');
    await smsopsDatabase(join(dir, 'current.db'), 'current', 2_500_000);
    copyFileSync(join(dir, 'current.db'), target);
    await smsopsDatabase(join(dir, 'backup.db'), 'backup', 2_500_000);

    const r = await runRestore(dir, ['--db', target, 'backup.db']);
    unchanged(small, target);
    expect(r.code, r.output).toBe(1);
    expect(r.output).toMatch(/restore failed: .*(ENOSPC|no space left on device).*; nothing was changed/i);
  });

  it('a folder in the way at <db>.restoring: exit 1, nothing was changed', { timeout: 30_000 }, async () => {
    const target = join(dir, 'smsops.db');
    await smsopsDatabase(target, 'current');
    await smsopsDatabase(join(dir, 'backup.db'), 'backup');
    mkdirSync(`${target}.restoring`);

    const r = await runRestore(dir, ['--db', target, 'backup.db']);
    expect(marker(target)).toBe('current');
    expect(readdirSync(dir).filter((f) => f.includes('before-restore'))).toEqual([]);
    expect(r.code, r.output).toBe(1);
    expect(r.output).toContain(`${target}.restoring, left by an earlier restore, cannot be removed; nothing was changed`);
  });
});
