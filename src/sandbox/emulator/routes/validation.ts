import type { z } from 'zod';
import { type EmulatorResponse, wavixError } from '../http.js';

/** Parses a request body; a failure answers like Wavix: 400 naming the first bad parameter. */
export function parseBody<T>(
  schema: z.ZodType<T>,
  body: unknown,
): { ok: true; value: T } | { ok: false; response: EmulatorResponse } {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const key = issue?.code === 'unrecognized_keys' ? issue.keys[0] : issue?.path.join('.');
  return { ok: false, response: wavixError.badRequest(key || 'body') };
}
