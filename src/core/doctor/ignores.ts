import { err, ok, type Result } from '../../errors.js';
import { performChange } from '../access.js';
import { parsePhoneNumber } from '../phone.js';
import type { DoctorIgnoresRepository, IgnoredNumber } from '../ports/doctorIgnores.js';
import type { Actor, SetupServices } from '../services.js';
import { graphemePrefix, wellFormed } from '../text.js';

/**
 * `/sms doctor ignore|unignore`: a number whose findings doctor should stop counting (a voice DID, a number being
 * ported away). A change of the setup like any other: admins only, and audited with who, when and why.
 */
export interface IgnoreDeps {
  services: Pick<SetupServices, 'adminUsers' | 'directory' | 'audit'>;
  ignores: DoctorIgnoresRepository;
}

/** Reasons are free text typed in Slack; kept short so the ignored list stays readable. */
export const MAX_IGNORE_REASON = 200;

/**
 * `already`: it was ignored before. A repeat without a reason (the report's "Ignore this number" button has none) keeps
 * the earlier reason (`reasonKept`), so the note of why is never lost to a click; a new reason replaces it, and the one
 * it replaced is returned (`replacedReason`) so the person sees what they overwrote.
 */
export interface IgnoreOutcome {
  entry: IgnoredNumber;
  already: boolean;
  reasonKept?: boolean;
  replacedReason?: string;
}

export async function ignoreNumber(
  deps: IgnoreDeps,
  actor: Actor,
  input: { number: string; reason: string | null },
): Promise<Result<IgnoreOutcome>> {
  const phone = parsePhoneNumber(input.number);
  if (!phone.ok) return err(phone.error);
  const e164 = phone.value.e164;
  // Cut between graphemes: half an emoji would be stored as U+FFFD (or refused by Slack's client).
  const given = graphemePrefix(wellFormed(input.reason?.trim() ?? ''), MAX_IGNORE_REASON).kept || null;
  // The audit names the reason that will stand, the earlier one when none is given.
  const reason = given ?? deps.ignores.get(e164)?.reason ?? null;
  return performChange(deps.services, actor, { action: 'doctor.ignore', target: e164, params: { reason } }, async () => {
    const before = deps.ignores.get(e164);
    const previous = before?.reason ?? null;
    const stored = given ?? previous;
    const entry = deps.ignores.ignore({ number: e164, reason: stored, by: actor.userId });
    return ok({
      entry,
      already: before !== undefined,
      ...(given === null && previous !== null ? { reasonKept: true } : {}),
      ...(given !== null && previous !== null && previous !== given ? { replacedReason: previous } : {}),
    });
  });
}

export async function unignoreNumber(
  deps: IgnoreDeps,
  actor: Actor,
  input: { number: string },
): Promise<Result<{ number: string; removed: boolean }>> {
  const phone = parsePhoneNumber(input.number);
  if (!phone.ok) return err(phone.error);
  const e164 = phone.value.e164;
  return performChange(deps.services, actor, { action: 'doctor.unignore', target: e164 }, async () =>
    ok({ number: e164, removed: deps.ignores.unignore(e164) }),
  );
}
