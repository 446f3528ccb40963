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

export async function ignoreNumber(
  deps: IgnoreDeps,
  actor: Actor,
  input: { number: string; reason: string | null },
): Promise<Result<{ entry: IgnoredNumber; already: boolean }>> {
  const phone = parsePhoneNumber(input.number);
  if (!phone.ok) return err(phone.error);
  const e164 = phone.value.e164;
  // Cut between graphemes: half an emoji would be stored as U+FFFD (or refused by Slack's client).
  const reason = graphemePrefix(wellFormed(input.reason?.trim() ?? ''), MAX_IGNORE_REASON).kept || null;
  return performChange(deps.services, actor, { action: 'doctor.ignore', target: e164, params: { reason } }, async () => {
    const already = deps.ignores.get(e164) !== undefined;
    return ok({ entry: deps.ignores.ignore({ number: e164, reason, by: actor.userId }), already });
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
