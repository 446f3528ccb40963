import { AppError, err, ok, type Result } from '../errors.js';
import { checkMayHandleAlert, performChange } from './access.js';
import type { Alerts } from './alerts.js';
import { type Alert, alertFacts } from './model/alert.js';
import type { DeliveryChannel, DestinationBacklog, FailingDelivery } from './model/delivery.js';
import type { AlertsRepository } from './ports/alerts.js';
import type { DeliveriesRepository } from './ports/deliveries.js';
import type { Actor, SetupServices } from './services.js';
import { maskUrl } from './urls.js';

/**
 * What people can do with an alert from its message: acknowledge and snooze (full members of the workspace, and those
 * SLACK_ALERT_USERS names), mute and retry (admins).
 */
export interface AlertActionServices extends Pick<SetupServices, 'adminUsers' | 'alertUsers' | 'directory' | 'audit'> {
  alerts: AlertsRepository;
  lifecycle: Pick<Alerts, 'refresh'>;
  now: () => number;
}

export const SNOOZE_MS = { '1h': 3_600_000, '24h': 24 * 3_600_000 } as const;
export type SnoozeLength = keyof typeof SNOOZE_MS;

/** How many failing deliveries one "Retry now" re-queues; a bigger backlog takes another press (the answer says so). */
export const RETRY_BATCH = 5_000;

class AlertActionError extends AppError {
  constructor(message: string, userMessage: string) {
    super(message, userMessage);
    this.name = 'AlertActionError';
  }
}

/** A Snooze pressed on a message drawn before someone else's snooze: nothing changed (see snoozeAlert). */
export class SnoozedSinceShownError extends AppError {
  constructor(
    id: number,
    readonly by: string,
    readonly until: number,
  ) {
    super(
      `alert ${id} snoozed by someone else since its message was drawn`,
      `Someone else snoozed this alert after the message you pressed was drawn (until ${new Date(until).toISOString()}); nothing changed. Press a Snooze button again to change it.`,
    );
    this.name = 'SnoozedSinceShownError';
  }
}

const PORTSIP_SUBJECT = 'portsip:';

/**
 * What the audit entry names: the rule and its subject, a PortSIP route URL masked as everywhere it is shown, since
 * everyone reads `/sms audit` and the URL may carry PortSIP's user and password (and its per-configuration UUID).
 */
const target = ({ rule, subjectKey }: Pick<Alert, 'rule' | 'subjectKey'>) =>
  `${rule} ${subjectKey.startsWith(PORTSIP_SUBJECT) ? `${PORTSIP_SUBJECT}${maskUrl(subjectKey.slice(PORTSIP_SUBJECT.length))}` : subjectKey}`;

/**
 * Which alert a button means. Alert ids are reused after a restore of an older backup (the backup's table counts from
 * its own highest id), so an id alone may name another alert than the one whose message holds the button: the button
 * also carries the alert's opening time, and a button posted before it did is checked against the message it sits on.
 */
export interface AlertRef {
  id: number;
  /** When the alert the button was made for opened (buttons posted since ids could be reused carry it). */
  openedAt?: number;
  /** The Slack message the button was pressed on, for a button that carries the id alone. */
  messageTs?: string;
  /**
   * When the snooze the pressed message showed ends (null: it showed none); undefined on a button that carries the id
   * alone, which no longer says.
   */
  shownSnoozeUntil?: number | null;
}

/** Whether the alert stored under the ref's id is the one the button was made for. */
const isReferred = (alert: Alert, ref: AlertRef): boolean =>
  ref.openedAt !== undefined
    ? alert.openedAt === ref.openedAt
    : ref.messageTs !== undefined && alert.slackTs !== null && alert.slackTs === ref.messageTs;

const notHeld = (ref: AlertRef) =>
  new AlertActionError(
    `alert ${ref.id} is not the alert the button was made for`,
    'This message is from an alert smsops no longer holds (its number now belongs to another alert, after a restore); nothing changed. `/sms alerts` lists the open ones.',
  );

/** The alert a button means, or why there is none: gone, or its id taken by another alert. */
function heldAlert(services: Pick<AlertActionServices, 'alerts'>, ref: AlertRef): Result<Alert> {
  const alert = services.alerts.get(ref.id);
  if (!alert)
    return err(new AlertActionError(`alert ${ref.id} not found`, `smsops has no alert ${ref.id} any more; nothing changed.`));
  return isReferred(alert, ref) ? ok(alert) : err(notHeld(ref));
}

function openAlert(services: Pick<AlertActionServices, 'alerts'>, ref: AlertRef, doing: string): Result<Alert> {
  const held = heldAlert(services, ref);
  if (!held.ok) return held;
  if (held.value.status !== 'open')
    return err(
      new AlertActionError(`alert ${ref.id} is resolved`, `This alert is resolved already; there is nothing to ${doing}.`),
    );
  return held;
}

/** The presser may acknowledge or snooze (checkMayHandleAlert); the refusal names the alert when it is held. */
function mayHandle(services: AlertActionServices, actor: Actor, ref: AlertRef, action: string): Promise<Result<void>> {
  const held = heldAlert(services, ref);
  return checkMayHandleAlert(services, actor, { action, target: held.ok ? target(held.value) : `alert ${ref.id}` });
}

/**
 * Acknowledge: someone is on it. Recorded on this episode of the alert with who and when, shown on its message; the
 * alert is still evaluated and resolved by itself when its condition clears. A second acknowledgement keeps the first.
 */
export async function acknowledgeAlert(services: AlertActionServices, actor: Actor, ref: AlertRef): Promise<Result<Alert>> {
  const allowed = await mayHandle(services, actor, ref, 'alerts.acknowledge');
  if (!allowed.ok) return allowed;
  // Read after the check, which may have waited on Slack: someone else may have acknowledged it meanwhile.
  const found = openAlert(services, ref, 'acknowledge');
  if (!found.ok) return found;
  if (found.value.acknowledged) return ok(found.value);
  const { id } = ref;
  const acknowledged = services.alerts.acknowledge(id, actor.userId);
  if (!acknowledged) return openAlert(services, ref, 'acknowledge');
  services.audit.record({
    actor: actor.userId,
    action: 'alerts.acknowledge',
    target: target(acknowledged),
    params: { alert: id, severity: acknowledged.severity },
    outcome: 'ok',
  });
  return ok((await services.lifecycle.refresh(id)) ?? acknowledged);
}

/** Snooze: nothing about this rule and subject is posted or notifies until then; if it still fires then, it is posted anew. */
export async function snoozeAlert(
  services: AlertActionServices,
  actor: Actor,
  ref: AlertRef,
  length: SnoozeLength,
): Promise<Result<Alert>> {
  const allowed = await mayHandle(services, actor, ref, 'alerts.snooze');
  if (!allowed.ok) return allowed;
  // Read after the check, which may have waited on Slack: a snooze made meanwhile is seen below.
  const found = openAlert(services, ref, 'snooze');
  const { id } = ref;
  if (!found.ok) return found;
  // Someone else snoozed it after this message was drawn (two people pressing at once, a message not yet edited): this
  // press was made without seeing it, and a "Snooze 1h" silently cut their 24 hours to one. Told, with the message
  // redrawn, so a second press, made seeing it, changes it.
  const quiet = found.value.quiet;
  if (quiet?.kind === 'snoozed' && ref.shownSnoozeUntil !== undefined && ref.shownSnoozeUntil !== quiet.until) {
    await services.lifecycle.refresh(id);
    return err(new SnoozedSinceShownError(id, quiet.by, quiet.until));
  }
  const until = services.now() + SNOOZE_MS[length];
  services.alerts.snooze(found.value.rule, found.value.subjectKey, until, actor.userId);
  services.audit.record({
    actor: actor.userId,
    action: 'alerts.snooze',
    target: target(found.value),
    params: { alert: id, for: length, until: new Date(until).toISOString() },
    outcome: 'ok',
  });
  return ok((await services.lifecycle.refresh(id)) ?? found.value);
}

/**
 * End a snooze now (as Snooze, full members): a snooze pressed on the wrong alert kept the channel silent about it for
 * up to a day, with no way back but a shorter snooze. The alert is shown again at once, and posted anew at the bottom
 * of the channel by the next evaluation while it still fires, as when a snooze runs out.
 */
export async function endSnooze(services: AlertActionServices, actor: Actor, ref: AlertRef): Promise<Result<Alert>> {
  const allowed = await mayHandle(services, actor, ref, 'alerts.unsnooze');
  if (!allowed.ok) return allowed;
  const found = openAlert(services, ref, 'wake');
  if (!found.ok) return found;
  const quiet = found.value.quiet;
  if (quiet?.kind !== 'snoozed') {
    await services.lifecycle.refresh(ref.id);
    return err(new AlertActionError(`alert ${ref.id} not snoozed`, 'This alert is not snoozed (any more); nothing changed.'));
  }
  // Ending now, not deleted: the ended snooze is then taken by the next evaluation and the alert re-announced.
  services.alerts.snooze(found.value.rule, found.value.subjectKey, services.now(), actor.userId);
  services.audit.record({
    actor: actor.userId,
    action: 'alerts.unsnooze',
    target: target(found.value),
    params: { alert: ref.id, snoozedBy: quiet.by, until: new Date(quiet.until).toISOString() },
    outcome: 'ok',
  });
  return ok((await services.lifecycle.refresh(ref.id)) ?? found.value);
}

const refreshRule = async (services: AlertActionServices, rule: string) => {
  for (const alert of services.alerts.open()) if (alert.rule === rule) await services.lifecycle.refresh(alert.id);
};

/**
 * Mute a rule (admins, audited): it is still evaluated and its alerts are still recorded (`/sms alerts`, App Home,
 * /healthz), but none is posted and no change notifies the alert channel, until someone unmutes it.
 */
export async function muteRule(services: AlertActionServices, actor: Actor, ref: AlertRef): Promise<Result<{ rule: string }>> {
  const held = heldAlert(services, ref);
  // A member is refused (and it is recorded) whether the alert exists or not, as for "Retry now"; an alert that took
  // the button's id after a restore is not named (its rule is not the one the button's message is about).
  const named = held.ok ? held.value.rule : `alert ${ref.id}`;
  return performChange(services, actor, { action: 'alerts.mute', target: named }, async () => {
    if (!held.ok) return held;
    const rule = held.value.rule;
    services.alerts.mute(rule, actor.userId);
    await refreshRule(services, rule);
    return ok({ rule });
  });
}

/** Unmute (admins, audited): the rule's open alerts that were never posted are posted now. */
export async function unmuteRule(services: AlertActionServices, actor: Actor, rule: string): Promise<Result<{ rule: string }>> {
  return performChange(services, actor, { action: 'alerts.unmute', target: rule }, async () => {
    if (!services.alerts.unmute(rule))
      return err(new AlertActionError(`rule ${rule} not muted`, `The rule \`${rule}\` is not muted; nothing changed.`));
    await refreshRule(services, rule);
    return ok({ rule });
  });
}

/** The relay destination an alert is about, for the alerts that have one (a backlog, dead letters). */
export function alertDestination(alert: Pick<Alert, 'rule' | 'facts'>): { kind: DeliveryChannel; destination: string } | null {
  const facts = alertFacts(alert, 'relay_backlog') ?? alertFacts(alert, 'relay_dead');
  return facts ? { kind: facts.destinationKind, destination: facts.destination } : null;
}

export interface FailingDeliveries {
  kind: DeliveryChannel;
  destination: string;
  /** The destination's pending and dead counts now (undefined when nothing was ever sent there). */
  backlog: DestinationBacklog | undefined;
  /** Failing deliveries (an error recorded), most recently tried first, at most `limit`. */
  failing: FailingDelivery[];
  /** True when there were more than `limit`. */
  more: boolean;
}

/** "Show failing deliveries": the failing deliveries to the alert's destination, with their last error. */
export function failingDeliveriesOf(
  services: Pick<AlertActionServices, 'alerts'> & { deliveries: Pick<DeliveriesRepository, 'failing' | 'backlog'> },
  ref: AlertRef,
  limit: number,
): Result<FailingDeliveries> {
  const held = heldAlert(services, ref);
  if (!held.ok) return held;
  const where = alertDestination(held.value);
  if (!where) return err(new AlertActionError(`alert ${ref.id} has no destination`, 'This alert is not about relay deliveries.'));
  const failing = services.deliveries.failing(where.kind, where.destination, limit + 1);
  return ok({
    ...where,
    backlog: services.deliveries.backlog().find((b) => b.destinationKind === where.kind && b.destination === where.destination),
    failing: failing.slice(0, limit),
    more: failing.length > limit,
  });
}

export interface RetryCount {
  kind: DeliveryChannel;
  destination: string;
  /** Pending deliveries due now instead of at their backoff. */
  pending: number;
  /** Dead deliveries back in the outbox with a fresh retry window. */
  dead: number;
  /** More were failing than one press re-queues. */
  more: boolean;
}

/**
 * "Retry now" (admins, audited): the failing deliveries to the alert's destination are tried at once: pending ones
 * skip the rest of their backoff, dead ones go back to the outbox with a fresh retry window, to the same destination
 * (a wrong route is fixed with `/sms route set`, which moves them).
 */
export async function retryFailingDeliveries(
  services: AlertActionServices & {
    deliveries: Pick<DeliveriesRepository, 'failing' | 'requeue' | 'restart' | 'inTransaction'>;
    wakeRelay: () => void;
  },
  actor: Actor,
  ref: AlertRef,
): Promise<Result<RetryCount>> {
  const { id } = ref;
  const held = heldAlert(services, ref);
  const params: Record<string, unknown> = { alert: id };
  // A member is refused (and it is recorded) whatever the alert: only an admin learns that there is nothing to retry.
  const change = { action: 'alerts.retry', target: held.ok ? target(held.value) : `alert ${id}`, params };
  return performChange(services, actor, change, async () => {
    if (!held.ok) return held;
    const where = alertDestination(held.value);
    if (!where) return err(new AlertActionError(`alert ${id} has no destination`, 'This alert is not about relay deliveries.'));
    const count = services.deliveries.inTransaction(() => {
      const failing = services.deliveries.failing(where.kind, where.destination, RETRY_BATCH + 1);
      const result: RetryCount = { ...where, pending: 0, dead: 0, more: failing.length > RETRY_BATCH };
      for (const delivery of failing.slice(0, RETRY_BATCH)) {
        // One in flight is being tried right now.
        if (delivery.status === 'pending' && services.deliveries.requeue(delivery.id)) result.pending += 1;
        if (delivery.status === 'dead' && services.deliveries.restart(delivery.id, where.destination, { replay: false }))
          result.dead += 1;
      }
      return result;
    });
    services.wakeRelay();
    params.pending = count.pending;
    params.dead = count.dead;
    return ok(count);
  });
}
