import { execFileSync } from 'node:child_process';
import {
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { openStore } from '../../src/store/openStore.js';
import { markedSmsopsDatabase, restoreMarker } from '../helpers/restoreDatabases.js';
import { runRestore } from '../helpers/runRestore.js';

const _root = join(import.meta.dirname, '..', '..');

const restore = runRestore;

const smsopsDatabase = (path: string, marker: string) => markedSmsopsDatabase(path, marker);

const marker = restoreMarker;

const keptAside = (dir: string) => readdirSync(dir).filter((f) => f.includes('before-restore'));

/** What --db (or DATABASE_PATH) names: restore acts on a database file, or a path where none is yet, and nothing else. */
describe('restore into a path that is not a regular file', () => {
  let dir = '';
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-restore-target-'));
    await smsopsDatabase(join(dir, 'backup.db'), 'backup');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.runIf(process.getuid?.() === 0)(
    'a character device named by --db: exit 2, the device left in place with its mode',
    {
      timeout: 30_000,
    },
    async () => {
      const device = join(dir, 'null');
      execFileSync('mknod', ['-m', '666', device, 'c', '1', '3']); // a /dev/null of our own
      const r = await restore(dir, ['--db', device, 'backup.db']);
      expect(r.code, r.output).toBe(2);
      expect(r.output).toContain(`restore refused: --db ${device} is a character device, not a regular file`);
      expect(statSync(device).isCharacterDevice()).toBe(true);
      expect(statSync(device).mode & 0o777).toBe(0o666);
      expect(readdirSync(dir).sort()).toEqual(['backup.db', 'null']);
    },
  );

  it('a named pipe named by DATABASE_PATH: exit 2 naming the variable, the pipe left in place', { timeout: 30_000 }, async () => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const r = await restore(dir, ['backup.db'], { DATABASE_PATH: fifo });
    expect(r.code, r.output).toBe(2);
    expect(r.output).toContain(`restore refused: DATABASE_PATH ${fifo} is a named pipe (fifo), not a regular file`);
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['backup.db', 'pipe']);
  });

  it('a symlink to the database: restores into the file it points to, and the link stays a link', {
    timeout: 30_000,
  }, async () => {
    mkdirSync(join(dir, 'real'));
    const real = join(dir, 'real', 'smsops.db');
    await smsopsDatabase(real, 'current');
    symlinkSync(real, join(dir, 'smsops.db'));
    const r = await restore(dir, ['--db', join(dir, 'smsops.db'), 'backup.db']);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain(`is a symlink; restoring into the file it points to, ${real}`);
    expect(lstatSync(join(dir, 'smsops.db')).isSymbolicLink()).toBe(true);
    expect(marker(real)).toBe('backup');
    expect(keptAside(join(dir, 'real'))).toHaveLength(1);
    expect(keptAside(dir)).toEqual([]);
  });

  it('a symlink to a database not made yet (a data volume, a fresh machine): restores into the file it names, the link kept', {
    timeout: 30_000,
  }, async () => {
    mkdirSync(join(dir, 'volume'));
    const real = join(dir, 'volume', 'smsops.db');
    // Relative, as `ln -s volume/smsops.db smsops.db` makes it: read from the link's folder.
    symlinkSync(join('volume', 'smsops.db'), join(dir, 'smsops.db'));
    const r = await restore(dir, ['--db', join(dir, 'smsops.db'), 'backup.db']);
    expect(r.code, r.output).toBe(0);
    expect(lstatSync(join(dir, 'smsops.db')).isSymbolicLink()).toBe(true);
    expect(marker(real)).toBe('backup');
  });
});

/** A backup that is the database itself (the same path, a hard link): refused before anything is moved aside. */
describe('restore of the database onto itself', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('the same path, and a hard link to it: exit 2, the database still in place and whole', { timeout: 30_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-restore-self-'));
    const live = join(dir, 'live.db');
    await smsopsDatabase(live, 'current');
    linkSync(live, join(dir, 'also-live.db'));
    for (const backup of ['live.db', 'also-live.db']) {
      const r = await restore(dir, ['--db', live, backup]);
      expect(r.code, r.output).toBe(2);
      expect(r.output).toContain(`${join(dir, backup)} is the database at ${live} itself (the same file)`);
      expect(marker(live)).toBe('current');
      expect(keptAside(dir)).toEqual([]);
    }
  });
});

/**
 * The current database damaged (truncated, overwritten): the usual reason to restore. Its lease cannot be read, so
 * restore asks for --replace-damaged (the operator's word that smsops is stopped), then keeps it aside and restores.
 */
describe('restore over a damaged current database', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const damages: Array<[string, (good: Buffer) => Buffer]> = [
    ['truncated to 50 KB', (good) => good.subarray(0, 50_000)],
    ['overwritten with other bytes', (good) => Buffer.alloc(good.length, 0x5a)],
  ];
  for (const [damage, damaged] of damages)
    it(`${damage}: refused naming --replace-damaged, then replaced with it, the damaged file kept aside`, {
      timeout: 30_000,
    }, async () => {
      dir = mkdtempSync(join(tmpdir(), 'smsops-restore-damaged-'));
      const live = join(dir, 'smsops.db');
      await smsopsDatabase(join(dir, 'backup.db'), 'backup');
      await smsopsDatabase(live, 'current');
      const bytes = damaged(readFileSync(live));
      writeFileSync(live, bytes);

      let r = await restore(dir, ['--db', live, 'backup.db']);
      expect(r.code, r.output).toBe(1);
      expect(r.output).toContain(`the current database ${live} cannot be read as SQLite`);
      expect(r.output).toContain('run the same command with --replace-damaged');
      expect(readFileSync(live).equals(bytes)).toBe(true);
      expect(keptAside(dir)).toEqual([]);

      r = await restore(dir, ['--db', live, '--replace-damaged', 'backup.db']);
      expect(r.code, r.output).toBe(0);
      expect(r.output).toMatch(/the current database cannot be read as SQLite \(.+\); kept as .+before-restore-/);
      expect(marker(live)).toBe('backup');
      const [aside] = keptAside(dir);
      expect(readFileSync(join(dir, aside ?? '')).equals(bytes)).toBe(true);
    });

  it('--replace-damaged does not pass over a readable database held by a running smsops', { timeout: 30_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-restore-damaged-'));
    const live = join(dir, 'smsops.db');
    await smsopsDatabase(join(dir, 'backup.db'), 'backup');
    const running = openStore(live, { mode: 'production', logger: createLogger({ level: 'silent' }), now: Date.now });
    try {
      const r = await restore(dir, ['--db', live, '--replace-damaged', 'backup.db']);
      expect(r.code, r.output).toBe(1);
      expect(r.output).toContain('restore refused');
      expect(r.output).toContain('Stop smsops first');
      expect(keptAside(dir)).toEqual([]);
    } finally {
      await running.close();
    }
  });
});
