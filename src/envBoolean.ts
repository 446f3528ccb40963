import { z } from 'zod';
import { given } from './envNumbers.js';

/**
 * On/off variables, all read alike: `SMSOPS_SANDBOX=off` was ignored, `SMSOPS_SANDBOX_REQUIRE_TOKEN=true` refused in
 * zod's words, `SMS_MASK_CODES=yes` refused, each variable knowing its own few spellings.
 */

const ON = ['1', 'true', 'yes', 'on'];
const OFF = ['0', 'false', 'no', 'off'];

export const FLAG_WORDS = 'must be 1, true, yes or on, or 0, false, no or off';

/** true or false; undefined when unset or empty; null when it is none of the words (case and spaces aside). */
export function readFlag(raw: string | undefined): boolean | undefined | null {
  const text = (raw ?? '').trim().toLowerCase();
  if (text === '') return undefined;
  if (ON.includes(text)) return true;
  if (OFF.includes(text)) return false;
  return null;
}

/** The problem of a flag variable, in words, or undefined when it reads. */
export const flagProblem = (name: string, raw: string | undefined): string | undefined =>
  readFlag(raw) === null ? `${name} ${FLAG_WORDS} (got ${given(raw ?? '')})` : undefined;

/** A flag variable in a config schema, `fallback` when unset. */
export const flag = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((raw, ctx): boolean => {
      const value = readFlag(raw);
      if (value === null) {
        ctx.addIssue({ code: 'custom', message: `${FLAG_WORDS} (got ${given(raw ?? '')})` });
        return z.NEVER;
      }
      return value ?? fallback;
    });
