import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { httpLimitsFromEnv } from '../../src/http/limitsConfig.js';
import { SOCKET_BACKLOG } from '../../src/http/systemdSocket.js';
import { freePort } from '../helpers/freePort.js';
import { waitUntil } from '../helpers/waitUntil.js';

const root = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';
const hasSystemdAnalyze = existsSync(SYSTEMD_ANALYZE);
const SOCKET_ACTIVATE = '/usr/bin/systemd-socket-activate';

describe('deployment files', () => {
  it.skipIf(!hasSystemdAnalyze)('the systemd units pass systemd-analyze verify', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsops-unit-'));
    try {
      const units = ['smsops.socket', 'smsops.service'];
      for (const unit of units) copyFileSync(join(root, 'deploy', unit), join(dir, unit));
      const run = spawnSync(SYSTEMD_ANALYZE, ['verify', ...units.map((unit) => join(dir, unit))], { encoding: 'utf8' });
      // verify exits 0 on unknown keys and other warnings: any word about the units is a finding.
      const findings = `${run.stdout}${run.stderr}`.split('\n').filter((line) => /smsops\.(service|socket)/.test(line));
      expect(findings).toEqual([]);
      expect(run.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it.runIf(!hasSystemdAnalyze)(`SKIPPED LOUDLY: ${SYSTEMD_ANALYZE} is not installed, the unit was not verified`, () => {});

  it('the unit runs hardened, as a dynamic user, with its state and environment file', () => {
    const unit = read('deploy/smsops.service');
    for (const line of [
      'DynamicUser=yes',
      'StateDirectory=smsops smsops-backups',
      'ProtectSystem=strict',
      'NoNewPrivileges=yes',
      'PrivateTmp=yes',
      'ProtectHome=yes',
      'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
      'EnvironmentFile=/etc/smsops.env',
      'Restart=on-failure',
      // A configuration error (exit 2) is not retried until the start limit.
      'RestartPreventExitStatus=2',
      'ExecStart=/usr/bin/env DATABASE_PATH=/var/lib/smsops/smsops.db BACKUP_DIR=/var/lib/smsops-backups /usr/bin/node /opt/smsops/dist/main.js',
    ])
      expect(unit).toContain(`\n${line}\n`);
  });

  // A restart of smsops left 1.6-4 s of refused webhooks: the socket stays with systemd across it (src/http/systemdSocket.ts).
  it('systemd holds the listening socket, with the backlog smsops itself keeps across a restart', () => {
    const socket = read('deploy/smsops.socket');
    for (const line of ['ListenStream=3000', `Backlog=${SOCKET_BACKLOG}`, 'NoDelay=true', 'WantedBy=sockets.target'])
      expect(socket).toContain(`\n${line}\n`);
    const unit = read('deploy/smsops.service');
    for (const line of ['Requires=smsops.socket', 'After=smsops.socket']) expect(unit).toContain(`\n${line}\n`);
    expect(unit).toContain('systemctl enable --now smsops.socket smsops.service');
  });

  // systemd gives the socket to the pid it forked (LISTEN_PID): an npm or a shell forking node in between keeps it from
  // smsops, which then binds PORT on the port systemd holds. Run here by systemd's own systemd-socket-activate.
  it.skipIf(!existsSync(SOCKET_ACTIVATE))("the unit's ExecStart hands systemd's socket to node itself", async () => {
    const [execStart] = [...read('deploy/smsops.service').matchAll(/^ExecStart=(.*)$/gm)].map((m) => m[1] ?? '');
    const argv = (execStart ?? '').split(/\s+/).slice(0, -1);
    const port = await freePort();
    const script = 'JSON.stringify([process.env.LISTEN_PID === String(process.pid), process.env.LISTEN_FDS])';
    const child = spawn(SOCKET_ACTIVATE, ['--listen', `127.0.0.1:${port}`, ...argv, '-p', script], { stdio: 'pipe' });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      // Like systemd, it starts the command at the first connection.
      await waitUntil(
        () => err.includes('Listening on'),
        10_000,
        () => err,
      );
      await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
      await exited;
      expect(JSON.parse(out || 'null')).toEqual([true, '1']);
    } finally {
      child.kill('SIGKILL');
    }
  });

  // systemd builds the environment from Environment=, then each EnvironmentFile= on top ("Settings from these files
  // override settings made with Environment=", man systemd.exec), then runs ExecStart; modelled here, as no systemd
  // runs on the test machine. The empty DATABASE_PATH= and BACKUP_DIR= of an .env made from an older .env.example
  // used to replace the unit's folders: smsops then made ./data in the read-only /opt/smsops, and kept no backups.
  it('the database and backup folders of the unit reach smsops whatever /etc/smsops.env holds', () => {
    const unit = read('deploy/smsops.service');
    const settings = (key: string) => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1] ?? '');
    const assignments = (text: string) =>
      text
        .split('\n')
        .map((line) => /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim()))
        .flatMap((m) => (m ? [[m[1] ?? '', m[2] ?? ''] as const] : []));
    expect(settings('EnvironmentFile')).toEqual(['/etc/smsops.env']);
    const [execStart] = settings('ExecStart');
    const argv = (execStart ?? '').split(/\s+/);
    expect(argv.at(-1)).toBe('/opt/smsops/dist/main.js');
    // node prints the environment it was given instead of starting smsops.
    const [command, ...args] = [
      ...argv.slice(0, -1),
      '-p',
      'JSON.stringify([process.env.DATABASE_PATH, process.env.BACKUP_DIR])',
    ];
    const envFiles = {
      'a copy of .env.example': read('.env.example'),
      'a copy of an older .env.example (both lines empty)': `${read('.env.example')}\nDATABASE_PATH=\nBACKUP_DIR=\n`,
    };
    for (const [which, envFile] of Object.entries(envFiles)) {
      const env = Object.fromEntries([
        ['PATH', process.env.PATH ?? ''],
        ...settings('Environment').flatMap((setting) => assignments(setting)),
        ...assignments(envFile),
      ]);
      const run = spawnSync(command ?? '', args, { env, encoding: 'utf8' });
      expect({ which, seen: JSON.parse(run.stdout || 'null') }).toEqual({
        which,
        seen: ['/var/lib/smsops/smsops.db', '/var/lib/smsops-backups'],
      });
    }
    // Both are the StateDirectory= folders, the only ones ProtectSystem=strict leaves writable.
    expect(settings('StateDirectory')).toEqual(['smsops smsops-backups']);
    // Nor does .env.example itself empty them for a unit of one's own, or compose's environment: (which wins anyway).
    expect(assignments(read('.env.example')).map(([name]) => name)).not.toContain('DATABASE_PATH');
    expect(assignments(read('.env.example')).map(([name]) => name)).not.toContain('BACKUP_DIR');
  });

  it('the install steps at the top of the unit work pasted in order: none of them changes the folder', () => {
    const steps = read('deploy/smsops.service')
      .split('\n')
      .filter((line) => /^# {3}\S/.test(line))
      .map((line) => line.slice(4).replace(/\s+# .*$/, ''));
    expect(steps.length).toBeGreaterThanOrEqual(4);
    // The later steps copy .env and deploy/smsops.service from the checkout: a bare cd before them loses it.
    for (const step of steps) expect(step).not.toMatch(/(^|&&|;)\s*cd\s/);
    expect(steps.some((step) => step.includes('(cd /opt/smsops && npm ci --omit=dev)'))).toBe(true);
  });

  it('the image runs node itself as a non-root user, with /data and /backups, a health check and no npm in between', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile.match(/^FROM node:20-slim/gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^USER smsops$/m);
    // /backups too: compose mounts a volume there for BACKUP_DIR.
    expect(dockerfile).toMatch(/^VOLUME \["\/data", "\/backups"\]$/m);
    expect(dockerfile).toMatch(/DATABASE_PATH=\/data\/smsops\.db/);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n\s+CMD \["node", "-e", .*\/healthz/m);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/main\.js"\]$/m);
    expect(dockerfile).not.toMatch(/^CMD .*npm/m);
  });

  it('compose puts Caddy in front and publishes nothing of smsops itself', () => {
    const compose = parse(read('deploy/compose.yaml')) as {
      services: Record<string, { ports?: string[]; image?: string; volumes?: string[]; environment?: Record<string, string> }>;
    };
    expect(compose.services.smsops?.ports).toBeUndefined();
    // Caddy reaches smsops:3000 even when ../.env (env_file:, which environment: overrides) sets PORT or HOST otherwise.
    expect(compose.services.smsops?.environment).toMatchObject({ PORT: '3000', HOST: '0.0.0.0' });
    expect(compose.services.caddy?.image).toMatch(/^caddy:/);
    expect(compose.services.caddy?.ports).toContain('443:443');
    expect(read('deploy/Caddyfile')).toContain('reverse_proxy smsops:3000');
    expect(parse(read('deploy/litestream.yml'))).toMatchObject({ dbs: [expect.objectContaining({ path: expect.any(String) })] });
  });

  it('Caddy closes its idle connections to smsops before smsops does (a webhook sent on one smsops just closed is lost)', () => {
    const keepalive = /reverse_proxy smsops:3000 \{[^}]*transport http \{[^}]*keepalive (\d+)s/s.exec(read('deploy/Caddyfile'));
    expect(keepalive?.[1]).toBeDefined();
    const caddySeconds = Number(keepalive?.[1]);
    // Caddy's own default (2 minutes) is longer than smsops'.
    expect(caddySeconds * 1000).toBeLessThan(httpLimitsFromEnv({}).keepAliveTimeoutMs);
    expect(caddySeconds).toBeGreaterThan(0);
  });
});
