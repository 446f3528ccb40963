/**
 * Errors in smsops carry two messages: `message` for operators and logs, and `userMessage`, a sentence a Slack user
 * can act on. Neither may contain a secret. `cause` keeps the underlying error for logs (already sanitised by whoever
 * wraps it: an axios error, for one, carries request headers and must not be attached as is).
 */
export class AppError extends Error {
  readonly userMessage: string;

  constructor(message: string, userMessage: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.userMessage = userMessage;
  }
}

/** A use case's outcome: success with a value, or failure with an AppError. */
export type Result<T, E extends AppError = AppError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E extends AppError>(error: E): Result<never, E> => ({ ok: false, error });

/** Turns anything thrown into a message fit for a log line, without the stack. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  // An error a worker thread threw arrives as a plain object when its class is not one Node rebuilds (better-sqlite3's
  // SqliteError comes as { code } alone): String() said "[object Object]". Only these string fields are read, never
  // the whole object, which may hold anything (headers, a configuration).
  if (typeof error === 'object' && error !== null) {
    const { name, message, code } = error as Record<string, unknown>;
    const said = [name, message, code].filter((part): part is string => typeof part === 'string' && part !== '');
    return said.length > 0 ? said.join(': ') : 'an error with no message';
  }
  return String(error);
}
