import { ALERT_RULE } from '../core/alertRules.js';
import type { Alerts } from '../core/alerts.js';
import { destinationAnswer } from '../core/destinationAnswer.js';
import { type AlertFactsByRule, alertFacts } from '../core/model/alert.js';
import type { Delivery } from '../core/model/delivery.js';
import type { AlertsRepository } from '../core/ports/alerts.js';
import type { DeliveriesRepository } from '../core/ports/deliveries.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { AttemptOutcome } from './attempt.js';
import type { Destination } from './retarget.js';

type DeadFacts = AlertFactsByRule['relay_dead'];

/**
 * How often, at most, a delivery that got through makes the relay count the dead letters still at its destination:
 * a flood to a healed PBX is one count a second, not one per message.
 */
const RECHECK_MS = 1_000;

export interface DeadLetterAlerts {
  /** A delivery died: its destination's alert fires (or says so again, if it had said the destination answers). */
  died(delivery: Delivery, outcome: AttemptOutcome): void;
  /**
   * A delivery got through. The alert resolves only once no dead delivery remains at that destination: dead letters
   * are retried by nobody until `/sms relay replay dead` or "Retry now", so a destination that answers again while
   * some are dead is said in words (with how many and the command) instead of "Resolved".
   */
  delivered(delivery: Delivery): void;
  /** Dead letters moved to another destination (a route change, a replay): the old one's alert ends if none is left. */
  movedFrom(from: readonly Destination[]): void;
  /**
   * Retention (or `/sms forget`, `by`) deleted `n` dead SMS of a destination, never delivered: its alert says so, and
   * ends saying so once none is left, rather than "Resolved" over "they are kept… replay sends them again" at its next
   * delivery.
   */
  deletedUnsent(kind: 'portsip' | 'slack', destination: string, n: number, by?: 'retention' | 'forget'): void;
  stop(): void;
}

/** One alert per destination while deliveries to it are dead (`relay_dead`). */
export function createDeadLetterAlerts(options: {
  alerts: Alerts;
  /** Open alerts left by the last run, and their facts (a healed destination's update keeps them). */
  alertsRepository: Pick<AlertsRepository, 'open' | 'findOpen'>;
  deliveries: Pick<DeliveriesRepository, 'deadCount'>;
  deadAfterMs: number;
  logger: Logger;
  now: () => number;
}): DeadLetterAlerts {
  const { alerts, deliveries, logger, now } = options;
  /** Per open alert's subject: how many dead the alert last said remain while the destination answers (if it did). */
  const open = new Map<string, { shownStillDead: number | null; checkedAt: number; timer?: NodeJS.Timeout }>();
  for (const a of options.alertsRepository.open())
    if (a.rule === ALERT_RULE.deadLetters)
      open.set(a.subjectKey, { shownStillDead: alertFacts(a, 'relay_dead')?.stillDead ?? null, checkedAt: 0 });

  const failed = (what: string) => (error: unknown) =>
    logger.warn(`could not ${what} the dead-letter alert`, { error: describeError(error) });
  const subjectOf = (kind: string, destination: string) => `${kind}:${destination}`;
  const findOpenAlert = (subject: string) => options.alertsRepository.findOpen(ALERT_RULE.deadLetters, subject);

  const resolve = (subject: string) => {
    const state = open.get(subject);
    clearTimeout(state?.timer);
    open.delete(subject);
    alerts.resolve(ALERT_RULE.deadLetters, subject).catch(failed('resolve'));
  };

  /**
   * The destination answered: resolved when nothing dead is left there, else said how many wait for a replay. Never
   * throws: it runs on a timer too, where a database error (the alerts table unreadable) was an uncaught exception
   * that ended smsops (a probe). Counted again at the next delivery that gets through.
   */
  const check = (subject: string, kind: 'portsip' | 'slack', destination: string) => {
    try {
      recount(subject, kind, destination);
    } catch (error) {
      failed('check')(error);
    }
  };
  const recount = (subject: string, kind: 'portsip' | 'slack', destination: string) => {
    const state = open.get(subject);
    if (!state) return;
    state.timer = undefined;
    state.checkedAt = now();
    const stillDead = deliveries.deadCount(kind, destination);
    if (stillDead === 0) return resolve(subject);
    if (state.shownStillDead === stillDead) return;
    const before = alertFacts(
      options.alertsRepository.findOpen(ALERT_RULE.deadLetters, subject) ?? { rule: '', facts: null },
      'relay_dead',
    );
    // Only once read: a failed read says the new count at the next check instead of taking it as shown.
    state.shownStillDead = stillDead;
    const facts: DeadFacts = {
      destinationKind: kind,
      destination,
      cause: before?.cause ?? 'expired',
      lastAnswer: before?.lastAnswer ?? 'unknown',
      deadAfterHours: before?.deadAfterHours ?? Math.round(options.deadAfterMs / 3_600_000),
      stillDead,
      ...(before?.deletedUnsent ? { deletedUnsent: before.deletedUnsent } : {}),
      ...(before?.forgottenUnsent ? { forgottenUnsent: before.forgottenUnsent } : {}),
    };
    // A warning, no longer critical: nothing is failing now, but the dead SMS need someone to send them again.
    alerts.raise({ rule: ALERT_RULE.deadLetters, subjectKey: subject, severity: 'warning', facts }).catch(failed('update'));
  };

  return {
    died: (delivery, outcome) => {
      const subject = subjectOf(delivery.destinationKind, delivery.destination);
      const state = open.get(subject);
      clearTimeout(state?.timer);
      open.set(subject, { shownStillDead: null, checkedAt: 0 });
      // The alert channel and App Home are read by everyone: the destination's answer appears as its status only.
      const lastAnswer =
        destinationAnswer(
          {
            destinationKind: delivery.destinationKind,
            lastStatusCode: outcome.statusCode ?? null,
            lastError: outcome.error ?? null,
          },
          false,
        ) ?? 'unknown';
      alerts
        .raise({
          rule: ALERT_RULE.deadLetters,
          subjectKey: subject,
          severity: 'critical',
          facts: {
            destinationKind: delivery.destinationKind,
            destination: delivery.destination,
            cause: outcome.deterministic ? 'repeated' : 'expired',
            lastAnswer,
            deadAfterHours: Math.round(options.deadAfterMs / 3_600_000),
          },
        })
        .catch(failed('record'));
    },
    delivered: (delivery) => {
      const subject = subjectOf(delivery.destinationKind, delivery.destination);
      const state = open.get(subject);
      if (!state || state.timer) return;
      // Every delivery that gets through is followed by a count within RECHECK_MS: the last of a replay resolves it.
      const wait = state.checkedAt + RECHECK_MS - now();
      if (wait <= 0) return check(subject, delivery.destinationKind, delivery.destination);
      state.timer = setTimeout(() => check(subject, delivery.destinationKind, delivery.destination), wait);
      state.timer.unref();
    },
    movedFrom: (from) => {
      // After the route change committed: a count that cannot be read must not make it look failed to whoever asked
      // (the alert is counted again at the destination's next delivery).
      for (const { kind, destination } of from) {
        const subject = subjectOf(kind, destination);
        try {
          if (open.has(subject) && deliveries.deadCount(kind, destination) === 0) resolve(subject);
        } catch (error) {
          failed('check')(error);
        }
      }
    },
    deletedUnsent: (kind, destination, n, by = 'retention') => {
      const subject = subjectOf(kind, destination);
      const existing = findOpenAlert(subject);
      const before = existing && alertFacts(existing, 'relay_dead');
      // No alert open (acknowledged and resolved by an earlier version, or never raised): the run's summary says it.
      if (!before) return;
      let left: number;
      try {
        left = deliveries.deadCount(kind, destination);
      } catch (error) {
        left = before.stillDead ?? 1;
        failed('count for')(error);
      }
      const { stillDead: _, ...rest } = before;
      const facts: DeadFacts = {
        ...rest,
        ...(before.stillDead !== undefined && left > 0 ? { stillDead: left } : {}),
        ...(by === 'forget'
          ? { forgottenUnsent: (before.forgottenUnsent ?? 0) + n }
          : { deletedUnsent: (before.deletedUnsent ?? 0) + n }),
      };
      const raised = alerts.raise({
        rule: ALERT_RULE.deadLetters,
        subjectKey: subject,
        severity: existing.severity,
        facts,
      });
      // Nothing left to replay there: it ends now, its last words saying what was lost.
      if (left === 0) raised.then(() => resolve(subject), failed('update'));
      else raised.catch(failed('update'));
    },
    stop: () => {
      for (const state of open.values()) clearTimeout(state.timer);
    },
  };
}
