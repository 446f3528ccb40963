import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, productionEnv, type SmsopsProcess, spawnSmsops } from '../helpers/smsopsProcess.js';

const root = join(import.meta.dirname, '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * What production runs: the compiled JavaScript of `npm run build`, next to the production dependencies only
 * (`npm ci --omit=dev`), started with plain `node dist/main.js` in a folder that has nothing else of the project.
 */
describe('production build', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smsops-prod-'));
  let app: SmsopsProcess | undefined;
  afterAll(() => {
    app?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts from dist/ with production dependencies only and answers /healthz', { timeout: 300_000 }, async () => {
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--out-dir', join(dir, 'dist')], { stdio: 'pipe' });
    for (const file of ['package.json', 'package-lock.json']) cpSync(join(root, file), join(dir, file));
    for (const folder of ['migrations', 'assets']) cpSync(join(root, folder), join(dir, folder), { recursive: true });

    // --ignore-scripts: better-sqlite3's install script compiles SQLite from source (about a minute here, more on a
    // CI runner) or downloads a prebuilt binary. Neither is what this test is about, so the addon this checkout
    // already built is copied in instead: the same package version (checked below), the same Node, the same machine.
    // --prefer-offline: the packages come from npm's cache when it has them (it does after any `npm ci` here).
    execFileSync(npm, ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: dir,
      stdio: 'pipe',
    });
    const version = (base: string) =>
      (JSON.parse(readFileSync(join(base, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string }).version;
    expect(version(dir)).toBe(version(root));
    const addon = 'node_modules/better-sqlite3/build/Release';
    mkdirSync(join(dir, addon), { recursive: true });
    cpSync(join(root, addon, 'better_sqlite3.node'), join(dir, addon, 'better_sqlite3.node'));

    // No TypeScript tooling at run time: no devDependency was installed. @types/* are left out of the check: Bolt
    // depends on @types/node itself, and declaration files run nothing.
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    const devOnly = [...Object.keys(pkg.devDependencies).filter((name) => !name.startsWith('@types/')), 'esbuild'];
    for (const dev of devOnly) expect(existsSync(join(dir, 'node_modules', dev)), dev).toBe(false);
    // The sandbox console was bundled at build time, so the sandbox needs no esbuild either.
    expect(readFileSync(join(dir, 'dist', 'sandbox', 'console', 'console.js'), 'utf8')).toContain('sandbox');

    const port = await freePort();
    app = spawnSmsops({
      cwd: dir,
      nodeArgs: [join(dir, 'dist/main.js')],
      env: productionEnv({
        port,
        databasePath: join(dir, 'data/smsops.db'),
        webhookSecret: 'prod-build-secret-0123456789abcdef',
      }),
    });
    await app.waitForLine(/smsops listening/, 30_000);
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { migrations: number }).migrations).toBeGreaterThan(0);

    app.child.kill('SIGTERM');
    expect((await app.exited).code).toBe(0);

    // The restore command is compiled too, and loads with the production dependencies alone.
    const restore = spawnSync(process.execPath, [join(dir, 'dist/restore.js')], { cwd: dir, encoding: 'utf8' });
    expect(restore.status).toBe(2);
    expect(restore.stderr).toContain('usage: node dist/restore.js --db <database file> [--replace-damaged] <backup file>');
    // And restores, as the README tells a production install to (`npm run restore` needs tsx, a devDependency).
    cpSync(join(dir, 'data/smsops.db'), join(dir, 'copy.db'));
    const restored = spawnSync(process.execPath, [join(dir, 'dist/restore.js'), '--db', 'data/smsops.db', 'copy.db'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(restored.status, restored.stderr).toBe(0);
    expect(restored.stderr).toContain('is now');

    // The backup's copy runs in a worker thread from a file the build copies beside the compiled code: a backup of
    // the database smsops just made, with the production dependencies alone.
    const backup = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { openDatabase } = await import('./dist/store/database.js');
         const { backupDatabase, integrityProblem } = await import('./dist/store/backup.js');
         const { db } = openDatabase('data/smsops.db', { now: Date.now });
         const made = await backupDatabase(db, { dir: 'backups', keep: 1 });
         db.close();
         process.stdout.write(String(integrityProblem(made.path)));`,
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(backup.status, backup.stderr).toBe(0);
    expect(backup.stdout).toBe('null');

    // Under `ulimit -n 128` the compiled loader died with EMFILE and a stack trace (exit 1), restarted forever.
    const starved = spawnSync('bash', ['-c', `ulimit -n 128 && exec "$0" "$@"`, process.execPath, join(dir, 'dist/main.js')], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: dir },
      timeout: 30_000,
    });
    expect(starved.status, starved.stderr).toBe(2);
    expect(starved.stderr.trim().split('\n')).toEqual([expect.stringContaining('the open-file limit is 128, below the 256')]);
  });
});
