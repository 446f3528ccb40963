import pino, { type DestinationStream } from 'pino';
import { consoleWriter } from './logConsole.js';
import { humanLogLine, type LogFormat } from './logFormat.js';
import { noteLogLineDropped } from './logLinesDropped.js';

/**
 * smsops' structured logger on pino: one JSON object per line (`level` as a word, `time` in ISO 8601, `msg`), or the
 * same as a human line for a terminal (src/logFormat.ts), debug and info on stdout, warn and error on stderr, written synchronously so nothing is lost when the process ends,
 * yet never waited for: a line a full pipe cannot take is dropped and counted (src/logConsole.ts).
 *
 * Kept of ours, because pino has no equivalent: secrets are registered once at start (`registerSecret`) and masked
 * by VALUE wherever they appear (message, field, key, child binding, error message), in every line, before it is
 * written. pino's `redact` only masks known paths; it is used for those too (SMS text, credentials by key). This is
 * the last line of defence; code should not log secrets or SMS text in the first place.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** Whether a line at `level` would be written: for callers whose message costs something to build. */
  enabled(level: Exclude<LogLevel, 'silent'>): boolean;
  child(fields: Record<string, unknown>): Logger;
}

/** Each registered secret, with the forms it is masked in (see `formsOf`). */
const secrets = new Map<string, string[]>();
/**
 * Every form of every secret, longest first: a short secret that is part of a longer one (or of its encoding) would
 * otherwise be masked inside it first and leave the rest of the longer one to be read.
 */
let allForms: string[] = [];
const sortForms = () => {
  allForms = [...new Set([...secrets.values()].flat())].sort((a, b) => b.length - a.length);
};

/**
 * A secret as it may be read in a line: as itself; inside a JSON string (`"`, `\` or a newline escaped), since some
 * callers hand over text that is already JSON (Bolt's logger does); percent-encoded as in a URL; and form-encoded as
 * in an `application/x-www-form-urlencoded` body (`+` for a space), since a server echoing the request quotes it so
 * (PortSIP's OAuth login sends the password that way). Each percent-encoded form in upper-case hex, as JavaScript's
 * and most encoders write it, and in lower-case, as some servers (Go's, Python's quote in older code) echo it.
 */
function formsOf(secret: string): string[] {
  const forms = [secret, JSON.stringify(secret).slice(1, -1)];
  const encoded = [new URLSearchParams({ s: secret }).toString().slice(2)];
  try {
    const inUrl = encodeURIComponent(secret);
    encoded.push(inUrl, inUrl.replaceAll('%20', '+'));
  } catch {
    // A lone surrogate has no percent-encoding (URIError); URLSearchParams wrote it as U+FFFD above.
  }
  for (const form of encoded)
    forms.push(
      form,
      form.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
    );
  return [...new Set(forms)];
}

/**
 * Registers a value that must never be written, whatever its length: a short password a person chose (PortSIP's)
 * also masks the same characters in innocent text, which costs a line's readability, where skipping it wrote the password.
 */
export function registerSecret(value: string | undefined): void {
  // Whitespace alone is no secret (config reads it as unset), and masking it would join every line into one.
  if (!value || value.trim() === '' || secrets.has(value)) return;
  secrets.set(value, formsOf(value));
  sortForms();
}

/** Forgets a secret that can no longer be used (a replaced access token), so the set does not grow for ever. */
export function forgetSecret(value: string | undefined): void {
  if (value && secrets.delete(value)) sortForms();
}

/** Replaces every registered secret in a text, in each form it may be quoted in (`formsOf`). */
export function redactSecrets(text: string): string {
  let out = text;
  for (const form of allForms) if (out.includes(form)) out = out.split(form).join('[REDACTED]');
  return out;
}

/** A JSON string literal, escapes included. */
const JSON_STRING = /"(?:[^"\\]|\\.)*"/g;

/**
 * The finished line's second pass, inside its string literals only: a secret that reads like a number or `true` (a
 * PortSIP password "1234") masked in `"delayMs":12345` left a line no log pipeline could parse. Every value reaches
 * the line through `scrub`, so outside strings there is nothing of ours to mask.
 */
function redactInStrings(line: string): string {
  if (allForms.length === 0) return line;
  return line.replace(JSON_STRING, (literal) => {
    const inner = literal.slice(1, -1);
    const safe = redactSecrets(inner);
    return safe === inner ? literal : `"${safe}"`;
  });
}

const MAX_DEPTH = 8;

/**
 * A field value made safe to serialise: every string in it (keys too) redacted before it is escaped as JSON, so a
 * secret reads the same to the redactor whatever characters it holds. Errors become their name and message (no
 * stack).
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

/** Keys whose value is never written, at the top of a line or one level down: SMS text and credentials. */
const REDACTED_KEYS = [
  'text',
  'message_body',
  'password',
  'token',
  'access_token',
  'refresh_token',
  'authorization',
  'apiKey',
  'api_key',
  'secret',
];

/** Receives each line (without its line feed), already redacted: for tests, and tools that keep lines in memory. */
export type LogSink = (line: string) => void;

/**
 * A pino destination that masks registered secrets in the finished line, then hands it on: as it is, or as a human
 * line (formatted from the redacted JSON, so the pretty form holds nothing the JSON did not).
 */
const redacting = (write: (line: string) => void, format: LogFormat = 'json'): DestinationStream => ({
  write: (line) => {
    const safe = redactInStrings(line);
    write(format === 'json' ? safe : `${humanLogLine(safe)}\n`);
  },
});

const consoleStreams = new Map<LogFormat, DestinationStream>();

/** stdout for debug and info, stderr for warn and error; opened once per process and format, shared by every logger. */
function toConsole(format: LogFormat): DestinationStream {
  let streams = consoleStreams.get(format);
  if (!streams) {
    // The count of dropped lines reads as the others do: a terminal's human lines held a raw JSON one.
    const shape = format === 'json' ? undefined : humanLogLine;
    const stdout = consoleWriter(1, { ...(shape ? { shape } : {}), onDropped: () => noteLogLineDropped('stdout') });
    const stderr = consoleWriter(2, { ...(shape ? { shape } : {}), onDropped: () => noteLogLineDropped('stderr') });
    streams = pino.multistream(
      [
        { level: 'debug', stream: redacting((line) => stdout.write(line), format) },
        { level: 'warn', stream: redacting((line) => stderr.write(line), format) },
      ],
      { dedupe: true },
    );
    consoleStreams.set(format, streams);
  }
  return streams;
}

const dropped: DestinationStream = { write: () => {} };

/**
 * `root` and the fields bound on the way: a child is made from the root with them all, later ones winning, since pino
 * writes a key bound twice twice (`"component":"watch","component":"replies"`), which pipelines that keep the first
 * or refuse duplicates misfile.
 */
function wrap(root: pino.Logger, bound: Record<string, unknown> = {}): Logger {
  const logger = Object.keys(bound).length === 0 ? root : root.child(bound);
  // Message and fields scrubbed before pino escapes them as JSON (escaping would hide a secret with `"` or `\`);
  // the destination masks the finished line once more.
  const write = (level: Exclude<LogLevel, 'silent'>, msg: string, fields?: Record<string, unknown>) => {
    if (!logger.isLevelEnabled(level)) return;
    // A line's own field over a bound key: written once from the root, the line's value winning, as for children.
    const rebinds = fields !== undefined && Object.keys(fields).some((key) => Object.hasOwn(bound, key));
    if (rebinds) root[level](scrub({ ...bound, ...fields }) as object, redactSecrets(msg));
    else logger[level](scrub(fields ?? {}) as object, redactSecrets(msg));
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    enabled: (level) => logger.isLevelEnabled(level),
    child: (fields) => wrap(root, { ...bound, ...(scrub(fields) as Record<string, unknown>) }),
  };
}

export function createLogger(options: { level?: LogLevel; sink?: LogSink; format?: LogFormat } = {}): Logger {
  const level = options.level ?? 'info';
  const { sink } = options;
  const format = options.format ?? 'json';
  const destination =
    level === 'silent' ? dropped : sink ? redacting((line) => sink(line.replace(/\n$/, '')), format) : toConsole(format);
  return wrap(
    pino(
      {
        level,
        base: undefined, // no pid or hostname in each line
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        // Errors are already their name and message (scrub); pino's own `err` serializer would add the stack.
        serializers: { err: (value: unknown) => value },
        redact: { paths: REDACTED_KEYS.flatMap((key) => [key, `*.${key}`]), censor: '[REDACTED]' },
      },
      destination,
    ),
  );
}

/** A logger that drops everything: for tests that do not look at logs. */
export const silentLogger: Logger = createLogger({ level: 'silent' });
