import { z } from 'zod';

/**
 * How log lines look. JSON (one object per line) is for a log shipper and for anything that is not a terminal;
 * human lines (`2026-01-02T12:03:04Z INFO smsops listening url=http://…`) are for a person reading a terminal. Unset, the choice
 * follows stdout: a TTY gets human lines, a pipe or a file gets JSON. `LOG_FORMAT=json` or `pretty`/`human` forces one.
 *
 * Kept of ours rather than pino-pretty: twenty lines, no worker thread, and the line is formatted after the secret
 * redaction has already run on the JSON (src/log.ts), so nothing new can leak through the pretty form.
 */
export type LogFormat = 'json' | 'human';

export const LOG_FORMAT_VARIABLE = 'LOG_FORMAT';
const CHOICES = ['json', 'pretty', 'human'] as const;

/** The schema entry for LOG_FORMAT: undefined means "follow the terminal". Refused in the config error's words. */
export const logFormatSetting = z.preprocess(
  (value) => (typeof value === 'string' ? value.trim().toLowerCase() || undefined : value),
  z
    .enum(CHOICES, { error: 'must be one of json, pretty, human (or unset: human lines at a terminal, JSON otherwise)' })
    .optional()
    .transform((value): LogFormat | undefined => (value === undefined ? undefined : value === 'json' ? 'json' : 'human')),
);

/** The format in use: as asked, else human lines only when stdout is a terminal. */
export const resolveLogFormat = (asked: LogFormat | undefined, stdoutIsTty: boolean): LogFormat =>
  asked ?? (stdoutIsTty ? 'human' : 'json');

const LEVEL_WORDS: Record<string, string> = { debug: 'DEBUG', info: 'INFO ', warn: 'WARN ', error: 'ERROR' };

/**
 * Control characters and bidi overrides. Raw, a Wavix message_id's escape codes moved a terminal's cursor and erased
 * earlier lines, and a bidi override shows a line's end reversed: escaped (`\u001b`), they read as what they are.
 * JSON.stringify escapes only U+0000–U+001F, so U+007F–U+009F and the bidi ones are escaped here.
 */
const UNSAFE = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'gu');
const inert = (text: string) => text.replace(UNSAFE_ALL, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);

/** A value as it reads after `key=`: bare when it has no space, quote or control character, else JSON-quoted; objects as JSON. */
function shown(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) && !UNSAFE.test(value) ? value : inert(JSON.stringify(value));
  return typeof value === 'object' && value !== null ? inert(JSON.stringify(value)) : String(value);
}

/** One finished JSON log line (already redacted) as a human line; a line that is not JSON is passed on as it is. */
export function humanLogLine(jsonLine: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine.replace(/\n$/, '');
  }
  const { time, level, msg, ...fields } = record;
  // Date and zone kept (to the second): a bare "22:38:55" could not be matched with the Slack posts' times, shown in
  // each reader's zone, nor with JSON logs of another day; this is the JSON time's own prefix, so it greps them.
  const clock = typeof time === 'string' ? `${time.slice(0, 19)}${time.endsWith('Z') ? 'Z' : ''}` : '';
  const word = LEVEL_WORDS[String(level)] ?? String(level).toUpperCase();
  const rest = Object.entries(fields).map(([key, value]) => `${key}=${shown(value)}`);
  return [clock, word, inert(String(msg ?? '')), ...rest].filter((part) => part !== '').join(' ');
}
