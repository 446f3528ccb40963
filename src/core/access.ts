import { AppError, describeError, err, ok, type Result } from '../errors.js';
import { CHANGE_IN_PROGRESS } from './model/audit.js';
import { isTransientStoreError, storeErrorReason } from './ports/storeErrors.js';
import { recordRefusal } from './refusalAudit.js';
import type { Actor, SetupServices } from './services.js';

/**
 * Why a change was refused: not in SLACK_ADMIN_USERS, not a workspace admin, a guest or someone of another organisation
 * (for what full members may do), or Slack could not tell. `not-a-full-member` and `use-check-failed` refuse smsops
 * itself (a command, the Home tab), not one change.
 */
export type Refusal =
  | { kind: 'not-listed' }
  | { kind: 'not-workspace-admin' }
  | { kind: 'guest-or-external' }
  | { kind: 'check-failed'; why: string }
  | { kind: 'member-check-failed'; why: string }
  | { kind: 'not-a-full-member'; userId: string }
  | { kind: 'use-check-failed'; why: string };

const WIDEN =
  'To let others change it, whoever runs smsops lists them in SLACK_ADMIN_USERS (comma-separated member IDs, e.g. U0123456789) and restarts it.';

function refusalText(refusal: Refusal): string {
  switch (refusal.kind) {
    case 'not-listed':
      return 'Only the smsops admins (SLACK_ADMIN_USERS) can change the setup; you can still read it. Ask an admin to do it, or whoever runs smsops to add your member ID to SLACK_ADMIN_USERS and restart it.';
    case 'not-workspace-admin':
      return `Only the smsops admins can change the setup, and with SLACK_ADMIN_USERS unset those are this Slack workspace's admins and owners: you are not one. You can still read it. ${WIDEN}`;
    case 'guest-or-external':
      return 'Only full members of this Slack workspace can acknowledge or snooze smsops alerts: guests and people from other organisations (Slack Connect) cannot, unless whoever runs smsops names them in SLACK_ALERT_USERS. Nothing changed.';
    case 'member-check-failed':
      return `smsops could not check that you are a full member of this Slack workspace (${refusal.why}), so nothing changed. Try again in a minute.`;
    case 'not-a-full-member':
      return `smsops is for full members of this Slack workspace: guests, people from other organisations (Slack Connect) and deactivated accounts can use \`/sms help\` only. Whoever runs smsops can let you in by adding your member ID, ${refusal.userId}, to SLACK_ALERT_USERS (which also lets you acknowledge and snooze alerts), SLACK_REPLY_USERS (answer SMS) or SLACK_ADMIN_USERS (change the setup), and restarting it.`;
    case 'use-check-failed':
      return `smsops could not check that you are a full member of this Slack workspace (${refusal.why}), so it showed nothing: smsops is for full members only. Try again in a minute.`;
    case 'check-failed':
      return `smsops could not check that you are a Slack workspace admin (${refusal.why}), so nothing was changed. Try again in a minute. Setting SLACK_ADMIN_USERS (comma-separated member IDs) makes smsops decide without asking Slack.`;
  }
}

export class AccessDeniedError extends AppError {
  readonly refusal: Refusal;

  constructor(actor: Actor, action: string, refusal: Refusal = { kind: 'not-listed' }) {
    super(
      `${actor.userId} may not ${action}: ${
        refusal.kind === 'check-failed'
          ? `admin check failed: ${refusal.why}`
          : refusal.kind === 'member-check-failed' || refusal.kind === 'use-check-failed'
            ? `member check failed: ${refusal.why}`
            : refusal.kind
      }`,
      refusalText(refusal),
    );
    this.name = 'AccessDeniedError';
    this.refusal = refusal;
  }
}

/**
 * The sentence for an error nobody anticipated. A database locked by another process (a backup, an operator's sqlite3
 * shell) or full is not a bug: it says so, and that trying again later works.
 */
export function unexpectedErrorText(what: string, cause: unknown): string {
  if (isTransientStoreError(cause)) return `smsops could not ${what}: ${storeErrorReason(cause)} right now; try again shortly.`;
  return `smsops could not ${what}: an internal error occurred (it is in the smsops log).`;
}

/** An error nobody anticipated, turned into a value so the user gets a sentence and the log gets the cause. */
export class UnexpectedError extends AppError {
  constructor(what: string, cause: unknown) {
    super(`${what} failed unexpectedly: ${describeError(cause)}`, unexpectedErrorText(what, cause), {
      cause,
    });
    this.name = 'UnexpectedError';
  }
}

type AccessServices = Pick<SetupServices, 'adminUsers' | 'directory'>;

/** Whether Slack says someone is a full member of the workspace; a thrown error becomes a refusal's reason. */
async function askIsFullMember(directory: SetupServices['directory'], userId: string): Promise<Result<boolean>> {
  try {
    return await directory.isFullMember(userId);
  } catch (error) {
    return err(new UnexpectedError('check who is a member of the workspace', error));
  }
}

/**
 * Refuses an alert's Acknowledge or Snooze from a guest or a member of another organisation (a vendor in a Slack
 * Connect alert channel) unless SLACK_ALERT_USERS or SLACK_ADMIN_USERS names them: a snooze keeps the team's alert
 * quiet for up to a day, and an acknowledgement tells the team someone of theirs is on it. Slack not saying who
 * someone is refuses too, with why. Recorded like every refusal.
 */
export async function checkMayHandleAlert(
  services: Pick<SetupServices, 'adminUsers' | 'alertUsers' | 'directory' | 'audit'>,
  actor: Actor,
  change: ChangeDescription,
): Promise<Result<void>> {
  if (services.alertUsers.includes(actor.userId) || services.adminUsers.includes(actor.userId)) return ok(undefined);
  const full = await askIsFullMember(services.directory, actor.userId);
  if (full.ok && full.value) return ok(undefined);
  const refusal: Refusal = full.ok ? { kind: 'guest-or-external' } : { kind: 'member-check-failed', why: full.error.userMessage };
  const detail = full.ok ? 'a guest or of another organisation' : 'could not check that they are a full member';
  recordRefusal(services.audit, { ...auditEntry(actor, change), outcome: 'refused', detail });
  return err(new AccessDeniedError(actor, change.action, refusal));
}

/**
 * Refuses smsops itself (every `/sms` command but help, the Home tab, a button that shows the setup) to a guest, a
 * member of another organisation (a vendor in a Slack Connect channel, where `/sms` works too) or a deactivated
 * account: they would read the company's numbers, routes, PBX hosts, traffic and customers' activity. Those named in
 * SLACK_ADMIN_USERS, SLACK_REPLY_USERS or SLACK_ALERT_USERS are let in: an admin's explicit choice, asked of no one.
 * When Slack cannot say who someone is now, what it last said stands (the directory keeps it); never asked before,
 * they are refused with why, never let through unchecked. Recorded like every refusal (a few a minute per person).
 */
export async function checkMayUseSmsops(
  services: Pick<SetupServices, 'adminUsers' | 'alertUsers' | 'replyUsers' | 'directory' | 'audit'>,
  actor: Actor,
  use: ChangeDescription,
): Promise<Result<void>> {
  const named = [services.adminUsers, services.replyUsers, services.alertUsers];
  if (named.some((users) => users.includes(actor.userId))) return ok(undefined);
  const full = await askIsFullMember(services.directory, actor.userId);
  if (full.ok && full.value) return ok(undefined);
  const refusal: Refusal = full.ok
    ? { kind: 'not-a-full-member', userId: actor.userId }
    : { kind: 'use-check-failed', why: full.error.userMessage };
  const detail = full.ok
    ? 'not a full member (a guest, of another organisation or deactivated)'
    : 'could not check that they are a full member';
  recordRefusal(services.audit, { ...auditEntry(actor, use), outcome: 'refused', detail });
  return err(new AccessDeniedError(actor, use.action, refusal));
}

/**
 * Whether someone is an smsops admin: listed in SLACK_ADMIN_USERS when it is set, else a Slack workspace admin or
 * owner (asked through the directory, which may fail: the caller then refuses).
 */
export async function isSmsopsAdmin(services: AccessServices, actor: Actor): Promise<Result<boolean>> {
  if (services.adminUsers.length > 0) return ok(services.adminUsers.includes(actor.userId));
  try {
    return await services.directory.isWorkspaceAdmin(actor.userId);
  } catch (error) {
    return err(new UnexpectedError('check who is a workspace admin', error));
  }
}

async function refusalFor(services: AccessServices, actor: Actor): Promise<Refusal | null> {
  const admin = await isSmsopsAdmin(services, actor);
  if (!admin.ok) return { kind: 'check-failed', why: admin.error.userMessage };
  if (admin.value) return null;
  return services.adminUsers.length > 0 ? { kind: 'not-listed' } : { kind: 'not-workspace-admin' };
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
 * Refuses a non-admin before anything else happens (e.g. before a confirmation is shown), recording the refusal (once a
 * few a minute per person and action, the others counted into the next: recordRefusal).
 */
export async function checkMayChange(
  services: Pick<SetupServices, 'adminUsers' | 'directory' | 'audit'>,
  actor: Actor,
  change: ChangeDescription,
): Promise<Result<void>> {
  const refusal = await refusalFor(services, actor);
  if (refusal === null) return ok(undefined);
  const detail = refusal.kind === 'check-failed' ? 'could not check that they are an admin' : 'not an admin';
  recordRefusal(services.audit, { ...auditEntry(actor, change), outcome: 'refused', detail });
  return err(new AccessDeniedError(actor, change.action, refusal));
}

/**
 * Runs a change on behalf of someone: refuses it when they are not an admin, and records every attempt (refused, ok,
 * failed; unknown while it runs, and when smsops stopped first) in the audit log with the user-facing reason. A thrown error becomes a failed Result, never an escape.
 */
export async function performChange<T>(
  services: Pick<SetupServices, 'adminUsers' | 'directory' | 'audit'>,
  actor: Actor,
  change: ChangeDescription,
  run: () => Promise<Result<T>>,
): Promise<Result<T>> {
  const allowed = await checkMayChange(services, actor, change);
  if (!allowed.ok) return allowed;
  return recorded(services, actor, change, run);
}

/**
 * `performChange` with a slow read between the admin check and the change (a Slack channel lookup): a read whose answer
 * tells what exists, so run for admins only. The attempt is recorded before the read, so a stop or a crash during it
 * still leaves it in the audit; `run` calls `written()` once nothing is awaited any more before its write, and the entry
 * takes that moment's time and place in the log: two changes of one route list in the order they were written,
 * not the order they were asked. A failed read is recorded as a failed attempt.
 */
export async function performChangeAfter<P, T>(
  services: Pick<SetupServices, 'adminUsers' | 'directory' | 'audit'>,
  actor: Actor,
  change: ChangeDescription,
  prepare: () => Promise<Result<P>>,
  run: (prepared: P, written: () => void) => Promise<Result<T>>,
): Promise<Result<T>> {
  const allowed = await checkMayChange(services, actor, change);
  if (!allowed.ok) return allowed;
  return recorded(services, actor, change, async (written) => {
    const prepared = await prepare();
    return prepared.ok ? run(prepared.value, written) : prepared;
  });
}

async function recorded<T>(
  services: Pick<SetupServices, 'audit'>,
  actor: Actor,
  change: ChangeDescription,
  run: (written: () => void) => Promise<Result<T>>,
): Promise<Result<T>> {
  // Recorded before it runs: a stop or a crash while Wavix is asked still leaves the attempt in the audit.
  let id = services.audit.record({ ...auditEntry(actor, change), outcome: 'unknown', detail: CHANGE_IN_PROGRESS });
  let result: Result<T>;
  try {
    result = await run(() => {
      id = services.audit.movedToNow(id);
    });
  } catch (error) {
    result = err(error instanceof AppError ? error : new UnexpectedError(change.action, error));
  }
  // The parameters again: a change records what it did in them as it runs (movedDeliveries, replayed).
  const { params } = auditEntry(actor, change);
  services.audit.complete(
    id,
    result.ok ? { outcome: 'ok', params } : { outcome: 'failed', detail: result.error.userMessage, params },
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
