import { z } from 'zod';

/**
 * Numeric environment variables, refused in words: the variable's name is put in front by the config error, so the
 * message says the allowed range and what was given ("PORT must be a whole number between 1 and 65535 (got "abc")")
 * instead of zod's "expected number, received NaN".
 */

const emptyToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

/** What was given, quoted and cut short: a number variable holds no secret, but a pasted line may be long. */
export const given = (raw: string): string => JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);

interface NumberRule {
  min: number;
  max: number;
  /** Said after the range, e.g. ", or 0 to keep all". */
  extra?: string;
  /** Fractions allowed (hours, for instance). */
  fractions?: boolean;
  /** The lowest value is excluded (e.g. "above 0"). */
  aboveMin?: boolean;
  /** Words replacing the generic "must be a whole number between …" where the rule needs its reason said. */
  says?: string;
}

function describeRule(rule: NumberRule): string {
  if (rule.says) return rule.says;
  const kind = rule.fractions ? 'a number' : 'a whole number';
  const range = rule.aboveMin ? `above ${rule.min} and at most ${rule.max}` : `between ${rule.min} and ${rule.max}`;
  return `must be ${kind} ${range}${rule.extra ?? ''}`;
}

/** Checks one raw value against a rule; the number, or the words saying why not. */
export function readNumber(raw: string, rule: NumberRule): { ok: true; value: number } | { ok: false; message: string } {
  const text = raw.trim();
  const shaped = rule.fractions ? /^-?(\d+(\.\d*)?|\.\d+)$/.test(text) : /^-?\d+$/.test(text);
  const value = Number(text);
  const inRange = rule.aboveMin ? value > rule.min && value <= rule.max : value >= rule.min && value <= rule.max;
  if (shaped && inRange) return { ok: true, value };
  return { ok: false, message: `${describeRule(rule)} (got ${given(raw)})` };
}

/** An optional number variable (empty counts as unset). `allowed` adds values outside the range (PORT's 0). */
function numberSchema(rule: NumberRule, allowed: readonly number[] = []) {
  return z.preprocess(
    emptyToUndefined,
    z
      .union([z.string(), z.number()])
      .optional()
      .transform((raw, ctx): number | undefined => {
        if (raw === undefined) return undefined;
        const text = String(raw);
        if (allowed.includes(Number(text.trim())) && text.trim() !== '') return Number(text.trim());
        const read = readNumber(text, rule);
        if (read.ok) return read.value;
        ctx.addIssue({ code: 'custom', message: read.message });
        return z.NEVER;
      }),
  );
}

/** A whole number in [min, max], `fallback` when unset. */
export const wholeNumber = (
  min: number,
  max: number,
  fallback: number,
  options: { extra?: string; says?: string; allowed?: readonly number[] } = {},
) => {
  const { allowed, ...words } = options;
  return numberSchema({ min, max, ...words }, allowed).transform((value) => value ?? fallback);
};

/** A whole number in [min, max], undefined when unset. */
export const optionalWholeNumber = (
  min: number,
  max: number,
  options: { extra?: string; says?: string; allowed?: readonly number[] } = {},
) => {
  const { allowed, ...words } = options;
  return numberSchema({ min, max, ...words }, allowed);
};

/** A number (fractions allowed) above min and at most max, `fallback` when unset. */
export const positiveNumber = (min: number, max: number, fallback: number) =>
  numberSchema({ min, max, fractions: true, aboveMin: true }).transform((value) => value ?? fallback);
