import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { httpLimitsFromEnv } from '../../src/http/limitsConfig.js';

const root = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';
const hasSystemdAnalyze = existsSync(SYSTEMD_ANALYZE);

describe('deployment files', () => {
  it.skipIf(!hasSystemdAnalyze)('the systemd unit passes systemd-analyze verify', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsops-unit-'));
    try {
      copyFileSync(join(root, 'deploy/smsops.service'), join(dir, 'smsops.service'));
      const run = spawnSync(SYSTEMD_ANALYZE, ['verify', join(dir, 'smsops.service')], { encoding: 'utf8' });
      // verify exits 0 on unknown keys and other warnings: any word about the unit is a finding.
      const findings = `${run.stdout}${run.stderr}`.split('\n').filter((line) => line.includes('smsops.service'));
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
      'ExecStart=/usr/bin/node /opt/smsops/dist/main.js',
    ])
      expect(unit).toContain(`\n${line}\n`);
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
      services: Record<string, { ports?: string[]; image?: string; volumes?: string[] }>;
    };
    expect(compose.services.smsops?.ports).toBeUndefined();
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
