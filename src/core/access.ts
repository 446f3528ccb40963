import { AppError, describeError, err, type Result } from '../errors.js';
import type { Actor, SetupServices } from './services.js';

export class AccessDeniedError extends AppError {
  constructor(actor: Actor, action: string) {
    super(
      `${actor.userId} may not ${action}: not in SLACK_ADMIN_USERS`,
      'Only the smsops admins (SLACK_ADMIN_USERS) can change the setup; you can still read everything. Ask an admin to do it, or to add you.',
    );
    this.name = 'AccessDeniedError';
  }
}

/** An error nobody anticipated, turned into a value so the user gets a sentence and the log gets the cause. */
export class UnexpectedError extends AppError {
  constructor(what: string, cause: unknown) {
    super(
      `${what} failed unexpectedly: ${describeError(cause)}`,
      `smsops could not ${what}: an internal error occurred (it is in the smsops log).`,
      {
        cause,
      },
    );
    this.name = 'UnexpectedError';
  }
}

export function mayChange(services: Pick<SetupServices, 'adminUsers'>, actor: Actor): boolean {
  return services.adminUsers.length === 0 || services.adminUsers.includes(actor.userId);
}

export interface ChangeDescription {
  /** e.g. `senderid.create`, `webhook.set`. */
  action: string;
  /** What it acts on: a Sender ID, a number, `default`. */
  target: string;
  /** Recorded as given: never put a secret here. */
  params?: Record<string, unknown>;
}

const auditEntry = (actor: Actor, change: ChangeDescription) => ({
  actor: actor.userId,
  action: change.action,
  target: change.target,
  params: change.params ?? {},
});

/**
 * Refuses a non-admin before anything else happens (e.g. before a confirmation is shown), recording the refusal.
 */
export function checkMayChange(
  services: Pick<SetupServices, 'adminUsers' | 'audit'>,
  actor: Actor,
  change: ChangeDescription,
): Result<void> {
  if (mayChange(services, actor)) return { ok: true, value: undefined };
  services.audit.record({ ...auditEntry(actor, change), outcome: 'refused', detail: 'not an admin' });
  return err(new AccessDeniedError(actor, change.action));
}

/**
 * Runs a change on behalf of someone: refuses it when they are not an admin, and records every attempt (refused, ok,
 * failed) in the audit log with the user-facing reason. A thrown error becomes a failed Result, never an escape.
 */
export async function performChange<T>(
  services: Pick<SetupServices, 'adminUsers' | 'audit'>,
  actor: Actor,
  change: ChangeDescription,
  run: () => Promise<Result<T>>,
): Promise<Result<T>> {
  const allowed = checkMayChange(services, actor, change);
  if (!allowed.ok) return allowed;
  const entry = auditEntry(actor, change);
  let result: Result<T>;
  try {
    result = await run();
  } catch (error) {
    result = err(error instanceof AppError ? error : new UnexpectedError(change.action, error));
  }
  services.audit.record(
    result.ok ? { ...entry, outcome: 'ok' } : { ...entry, outcome: 'failed', detail: result.error.userMessage },
  );
  return result;
}

/** Runs a read on Wavix, turning a thrown error into a value. */
export async function attempt<T>(what: string, run: () => Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return err(error instanceof AppError ? error : new UnexpectedError(what, error));
  }
}
