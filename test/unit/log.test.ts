import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * The logger on the real console of a process: debug and info on stdout, warn and error on stderr, one JSON object
 * per line, every line written before an immediate process.exit (pino's synchronous destinations).
 */
describe('logger on the console', () => {
  it('splits levels between stdout and stderr and loses nothing on exit', () => {
    const script = `
      const { createLogger, registerSecret } = await import('./src/log.ts');
      registerSecret('console-secret-0123');
      const log = createLogger({ level: 'debug' });
      for (let i = 0; i < 200; i++) log.debug('debug line', { i, key: 'console-secret-0123' });
      log.info('info line');
      log.warn('warn line');
      log.child({ component: 'x' }).error('error line');
      process.exit(0);
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const parse = (text: string) =>
      text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    const out = parse(run.stdout);
    const err = parse(run.stderr);
    expect(out).toHaveLength(201);
    expect(out.at(-1)).toMatchObject({ level: 'info', msg: 'info line' });
    expect(out[0]).toMatchObject({ level: 'debug', msg: 'debug line', i: 0, key: '[REDACTED]' });
    expect(out[0]?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(err).toEqual([
      expect.objectContaining({ level: 'warn', msg: 'warn line' }),
      expect.objectContaining({ level: 'error', msg: 'error line', component: 'x' }),
    ]);
    expect(run.stdout + run.stderr).not.toContain('console-secret-0123');
  });
});
