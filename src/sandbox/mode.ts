import { z } from 'zod';
import { CONFIG_VARIABLES, ConfigError, parseLogFormat } from '../config.js';
import { flag, readFlag } from '../envBoolean.js';
import { listenHost } from '../envHost.js';
import { optionalWholeNumber, wholeNumber } from '../envNumbers.js';
import { err, ok, type Result } from '../errors.js';
import { type HttpLimits, httpLimitsFrom, httpLimitsProblems, httpLimitsShape } from '../http/limitsConfig.js';
import type { LogLevel } from '../log.js';
import type { LogFormat } from '../logFormat.js';

/**
 * Sandbox mode only on purpose: `SMSOPS_SANDBOX=1`, or a machine where smsops has not been configured at all (no
 * `.env` file and not one of smsops' variables in the environment, empty ones included), so the README's run
 * command on a fresh clone shows smsops working. A deployment whose secrets failed to arrive still has some variable
 * set (DATABASE_PATH, PORT, PUBLIC_BASE_URL…): there the missing credentials are a configuration error, never a
 * silent sandbox. `SMSOPS_SANDBOX=0` turns it off.
 */
export function isSandboxMode(env: Record<string, string | undefined>, options: { envFileExists?: boolean } = {}): boolean {
  const asked = readFlag(env.SMSOPS_SANDBOX);
  if (asked === true || asked === false) return asked;
  return options.envFileExists !== true && configuredVariables(env).length === 0;
}

/** smsops' own variables present in `env` (an empty value counts: someone declared it). */
export function configuredVariables(env: Record<string, string | undefined>): string[] {
  return CONFIG_VARIABLES.filter((name) => env[name] !== undefined);
}

export interface SandboxConfig {
  host: string;
  port: number;
  databasePath: string;
  logLevel: LogLevel;
  /** LOG_FORMAT as asked; undefined follows the terminal. */
  logFormat: LogFormat | undefined;
  /** The console and its API want the token printed at start (any address but loopback, or asked for). */
  requireToken: boolean;
  limits: HttpLimits;
}

const emptyToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const portWords = { extra: ', or 0 for any free port', allowed: [0] };

const schema = z.object({
  // HOST is production's (often 0.0.0.0 in a container); the sandbox binds loopback unless told by its own variable.
  SMSOPS_SANDBOX_HOST: listenHost('127.0.0.1'),
  SMSOPS_SANDBOX_PORT: optionalWholeNumber(1, 65535, portWords),
  SMSOPS_SANDBOX: flag(false),
  SMSOPS_SANDBOX_REQUIRE_TOKEN: flag(false),
  PORT: wholeNumber(1, 65535, 3000, portWords),
  DATABASE_PATH: z.preprocess(emptyToUndefined, z.string().default('./data/sandbox.db')),
  LOG_LEVEL: z.preprocess(
    (value) => (typeof value === 'string' ? value.trim().toLowerCase() || undefined : value),
    z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  ),
  ...httpLimitsShape,
});

/** 127.0.0.0/8, ::1 and localhost: reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The few variables the sandbox reads; everything else it makes up. */
export function parseSandboxConfig(env: Record<string, string | undefined>): Result<SandboxConfig, ConfigError> {
  const parsed = schema.safeParse(env);
  const logFormat = parseLogFormat(env);
  const problems = [
    ...(parsed.success
      ? httpLimitsProblems(parsed.data)
      : parsed.error.issues.map((issue) => `${String(issue.path[0] ?? 'environment')} ${issue.message}`)),
    ...(logFormat.ok ? [] : [logFormat.error]),
  ];
  if (!parsed.success || !logFormat.ok || problems.length > 0) return err(new ConfigError(problems));
  const e = parsed.data;
  return ok({
    host: e.SMSOPS_SANDBOX_HOST,
    port: e.SMSOPS_SANDBOX_PORT ?? e.PORT,
    databasePath: e.DATABASE_PATH,
    logLevel: e.LOG_LEVEL,
    logFormat: logFormat.value,
    requireToken: !isLoopbackHost(e.SMSOPS_SANDBOX_HOST) || e.SMSOPS_SANDBOX_REQUIRE_TOKEN,
    limits: httpLimitsFrom(e),
  });
}
