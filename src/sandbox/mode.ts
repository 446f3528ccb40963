import { z } from 'zod';
import { ConfigError } from '../config.js';
import { err, ok, type Result } from '../errors.js';
import type { LogLevel } from '../log.js';

const isSet = (value: string | undefined) => (value ?? '').trim() !== '';

/**
 * Sandbox mode: asked for (`SMSOPS_SANDBOX=1`), or implied on a machine that has neither Slack nor Wavix credentials,
 * so the README's run command on a fresh clone shows smsops working instead of a list of missing variables.
 * `SMSOPS_SANDBOX=0` turns it off (then the missing variables are reported).
 */
export function isSandboxMode(env: Record<string, string | undefined>): boolean {
  const asked = (env.SMSOPS_SANDBOX ?? '').trim().toLowerCase();
  if (['1', 'true', 'yes'].includes(asked)) return true;
  if (['0', 'false', 'no'].includes(asked)) return false;
  return !isSet(env.SLACK_BOT_TOKEN) && !isSet(env.WAVIX_API_KEY);
}

export interface SandboxConfig {
  host: string;
  port: number;
  databasePath: string;
  logLevel: LogLevel;
}

const emptyToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const schema = z.object({
  PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(3000)),
  // Loopback unless told otherwise: the console has no login, and everything in it is pretend anyway.
  HOST: z.preprocess(emptyToUndefined, z.string().default('127.0.0.1')),
  DATABASE_PATH: z.preprocess(emptyToUndefined, z.string().default('./data/sandbox.db')),
  LOG_LEVEL: z.preprocess(
    (value) => (typeof value === 'string' ? value.trim().toLowerCase() || undefined : value),
    z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  ),
});

/** The few variables the sandbox reads; everything else it makes up. */
export function parseSandboxConfig(env: Record<string, string | undefined>): Result<SandboxConfig, ConfigError> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    return err(new ConfigError(parsed.error.issues.map((issue) => `${String(issue.path[0] ?? 'environment')} ${issue.message}`)));
  }
  const e = parsed.data;
  return ok({ host: e.HOST, port: e.PORT, databasePath: e.DATABASE_PATH, logLevel: e.LOG_LEVEL });
}
