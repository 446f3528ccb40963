import { createHash } from 'node:crypto';
import type { Delivery, DeliveryStatus } from '../core/model/delivery.js';
import type { AuditRepository } from '../core/ports/audit.js';
import { AppError } from '../errors.js';

/**
 * What a "Send again" confirmation carries of the deliveries it was asked about: a fingerprint of each row's state
 * (status, attempts, when delivered, dead or replayed, and where). Any replay, delivery or retry since changes it, so a
 * second press of the same question (a double-click, or another admin's copy) no longer matches and sends nothing.
 */
export function deliveriesFingerprint(deliveries: readonly Delivery[]): string {
  const rows = [...deliveries]
    .sort((a, b) => a.id - b.id)
    .map((d) => [d.id, d.destinationKind, d.destination, d.status, d.attempts, d.deliveredAt, d.deadAt, d.replayedAt].join('|'));
  return createHash('sha256').update(rows.join('\n')).digest('base64url').slice(0, 22);
}

/** What changed since the question, for the person who pressed "Send again" on it. */
export type ReplayOutdated =
  /** Sent again after the question was asked: by whom (when the audit log says) and when. */
  | { kind: 'replayed-since'; at: number; by: string | null }
  /** Delivered, retried or moved meanwhile: where it stands now. */
  | { kind: 'changed'; now: Array<{ kind: Delivery['destinationKind']; status: DeliveryStatus }> }
  /** Asked longer ago than REPLAY_QUESTION_TTL_MS (or when, unknown): what it showed is no longer what the presser knows. */
  | { kind: 'expired'; askedAt: number | undefined };

/**
 * How long a "Send again" question stands. A stale question pressed days later (scrolled to, or pressed by mistake)
 * would send a customer's SMS to PortSIP again on what the person saw then; a fresh question costs one command.
 * Fifteen minutes: an investigation's span, and well inside the 30 minutes Slack keeps a response URL.
 */
export const REPLAY_QUESTION_TTL_MS = 15 * 60_000;

/** Whether a question asked at `askedAt` (unknown on buttons older than the field) may still be confirmed at `now`. */
export function replayQuestionExpired(askedAt: number | undefined, now: number): boolean {
  // A time more than a minute ahead is not one smsops wrote (a forged value would never expire), or its clock stepped back.
  return askedAt === undefined || now - askedAt > REPLAY_QUESTION_TTL_MS || askedAt - now > 60_000;
}

/** The confirmed replay of a message whose deliveries changed since the question: nothing was sent. */
export class ReplayOutdatedError extends AppError {
  constructor(
    readonly wavixMessageId: string,
    readonly outdated: ReplayOutdated,
  ) {
    const why =
      outdated.kind === 'replayed-since'
        ? `was sent again since you were asked (at ${new Date(outdated.at).toISOString()}${outdated.by ? ` by ${outdated.by}` : ''})`
        : outdated.kind === 'expired'
          ? `was asked about more than ${REPLAY_QUESTION_TTL_MS / 60_000} minutes ago`
          : 'changed since you were asked (delivered, retried or sent again meanwhile)';
    super(
      `replay of message ${wavixMessageId} not confirmed: its deliveries changed since the confirmation was shown`,
      `Message ${wavixMessageId} ${why}; nothing was sent now. Run \`/sms relay replay ${wavixMessageId}\` again to send it once more.`,
    );
    this.name = 'ReplayOutdatedError';
  }
}

/** How far back the audit log is read to name who replayed a message: replays are rare, a question is short-lived. */
const AUDIT_LOOKBACK = 200;

/**
 * Why a confirmation no longer matches `deliveries` (as they are now), given when it was asked (`askedAt`, from the
 * button; unknown on a forged one). A replay since then is named with its time and, from the audit log, its author.
 */
export function outdatedReason(
  audit: Pick<AuditRepository, 'recent'>,
  message: { id: number; wavixMessageId: string },
  deliveries: readonly Delivery[],
  askedAt: number | undefined,
): ReplayOutdated {
  const replayedAt = deliveries.reduce<number | null>(
    (latest, d) => (d.replayedAt !== null && (latest === null || d.replayedAt > latest) ? d.replayedAt : latest),
    null,
  );
  if (replayedAt === null || askedAt === undefined || replayedAt < askedAt) {
    return { kind: 'changed', now: deliveries.map((d) => ({ kind: d.destinationKind, status: d.status })) };
  }
  const targets = new Set([message.wavixMessageId, String(message.id)]);
  // The audit entry is written as the replay starts and completed once it committed: the newest one of this message
  // made after the question was asked is its author. A `replay dead` is not attributed: a later one of other messages
  // would name the wrong person.
  const entry = audit
    .recent(AUDIT_LOOKBACK)
    .find(
      (e) =>
        e.action === 'relay.replay' &&
        e.outcome === 'ok' &&
        targets.has(e.target ?? '') &&
        Number(e.params.replayed) > 0 &&
        e.at >= askedAt,
    );
  return { kind: 'replayed-since', at: replayedAt, by: entry?.actor ?? null };
}
