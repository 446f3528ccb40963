import type { Delivery } from '../core/model/delivery.js';
import type { Logger } from '../log.js';
import type { AttemptOutcome } from './attempt.js';
import { destinationWords, failureKind } from './attemptFailures.js';
import { loggedMessageId } from './loggedMessageId.js';

type Attempted = Pick<Delivery, 'destinationKind' | 'destination' | 'attempts'>;

/** One SMS followed through the relay in the log, by its Wavix message_id only: never its text or numbers. */
export interface MessageTrail {
  stored(wavixMessageId: string): void;
  /** A webhook refused (its message_id when one could be read): each one, where the warning says one a minute. */
  refused(route: string, wavixMessageId: string | null, code: string): void;
  delivered(delivery: Attempted, wavixMessageId: string | null, attemptMs: number): void;
  failed(delivery: Attempted, wavixMessageId: string | null, outcome: AttemptOutcome, attemptMs: number): void;
}

/**
 * Per-message lines at LOG_LEVEL=debug, where the log could not follow a message at any level. Null below debug: the
 * relay then makes no line, field or object for them (one per message on the hot path). The level is read once: a
 * logger's level is set when it is made and never changes.
 */
export function createMessageTrail(logger: Logger): MessageTrail | null {
  if (!logger.enabled('debug')) return null;
  const where = (delivery: Attempted) => ({
    kind: delivery.destinationKind,
    destination: destinationWords(delivery.destinationKind, delivery.destination),
    // The outcome's attempt included: the delivery as claimed counts the ones before it.
    attempt: delivery.attempts + 1,
  });
  return {
    stored: (wavixMessageId) => logger.debug('SMS stored', { wavixMessageId: loggedMessageId(wavixMessageId) }),
    refused: (route, wavixMessageId, code) =>
      logger.debug('webhook refused', { route, wavixMessageId: loggedMessageId(wavixMessageId), code }),
    delivered: (delivery, wavixMessageId, attemptMs) =>
      logger.debug('SMS delivered', {
        wavixMessageId: loggedMessageId(wavixMessageId),
        ...where(delivery),
        ms: Math.round(attemptMs),
      }),
    failed: (delivery, wavixMessageId, outcome, attemptMs) =>
      logger.debug('SMS delivery attempt failed (retried)', {
        wavixMessageId: loggedMessageId(wavixMessageId),
        ...where(delivery),
        error: failureKind(outcome),
        ms: Math.round(attemptMs),
      }),
  };
}
