/**
 * A small structured logger (one JSON object per line on stdout/stderr).
 *
 * Secrets are registered once at start (`registerSecret`) and every line is scrubbed before it is written, so a
 * secret that slips into a message, a field or an error still never reaches the log. This is the last line of
 * defence; code should not log secrets in the first place.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const levelRank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const secrets = new Set<string>();

/** Registers a value that must never be written. Values shorter than 6 characters are ignored (too many false hits). */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) secrets.add(value);
}

/** Forgets a secret that can no longer be used (a replaced access token), so the set does not grow for ever. */
export function forgetSecret(value: string | undefined): void {
  if (value) secrets.delete(value);
}

/**
 * Replaces every registered secret in a text: as itself, and as it reads inside a JSON string (a secret with `"`,
 * `\` or a newline is escaped there), since some callers hand over text that is already JSON (Bolt's logger does).
 */
export function redactSecrets(text: string): string {
  let out = text;
  for (const secret of secrets) {
    out = out.split(secret).join('[REDACTED]');
    const inJson = JSON.stringify(secret).slice(1, -1);
    if (inJson !== secret) out = out.split(inJson).join('[REDACTED]');
  }
  return out;
}

const MAX_DEPTH = 8;

/**
 * A field value made safe to serialise: every string in it (keys too) redacted before JSON.stringify escapes it, so a
 * secret reads the same to the redactor whatever characters it holds. Errors become their name and message.
 */
function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? String(value) : value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (value instanceof Error) return { name: redactSecrets(value.name), message: redactSecrets(value.message) };
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  const { toJSON } = value as { toJSON?: unknown };
  if (typeof toJSON === 'function') return scrub(toJSON.call(value), depth + 1); // a URL, say: as JSON.stringify shows it
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[redactSecrets(key)] = scrub(item, depth + 1);
  return out;
}

export type LogSink = (line: string, level: LogLevel) => void;

const defaultSink: LogSink = (line, level) => {
  (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(`${line}\n`);
};

export function createLogger(options: { level?: LogLevel; sink?: LogSink; base?: Record<string, unknown> } = {}): Logger {
  const threshold = levelRank[options.level ?? 'info'];
  const sink = options.sink ?? defaultSink;
  const base = options.base ?? {};

  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (levelRank[level] < threshold) return;
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level, msg: redactSecrets(msg) };
    for (const [key, value] of Object.entries({ ...base, ...fields })) entry[redactSecrets(key)] = scrub(value);
    // Scrubbed before serialising (JSON escaping would hide a secret with `"` or `\`); the line once more after.
    sink(redactSecrets(JSON.stringify(entry)), level);
  };

  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    child: (fields) => createLogger({ level: options.level ?? 'info', sink, base: { ...base, ...fields } }),
  };
}

/** A logger that drops everything: for tests that do not look at logs. */
export const silentLogger: Logger = createLogger({ level: 'silent' });
