import type { Delivery } from '../core/model/delivery.js';
import type { Logger } from '../log.js';
import type { AttemptOutcome } from './attempt.js';
import { destinationWords, failureKind } from './attemptFailures.js';
import { loggedMessageId } from './loggedMessageId.js';

/** Dead deliveries logged one line each, at most this many a minute; past it, one line with how many more. */
export const DEAD_LINES_PER_MINUTE = 20;
const WINDOW_MS = 60_000;

/** Why the relay stopped trying, in words a log reader can act on (the outbox words the deterministic case so). */
function whyDead(outcome: AttemptOutcome): string {
  const error = outcome.error ?? '';
  if (error === 'message no longer stored') return 'the message is no longer stored';
  if (error.includes('the same failure') && error.includes('in a row')) return 'the same failure again and again';
  return 'still failing after RELAY_DEAD_AFTER_HOURS';
}

export interface DeadDeliveryLog {
  died(
    delivery: Pick<Delivery, 'destinationKind' | 'destination' | 'attempts'>,
    wavixMessageId: string | null,
    outcome: AttemptOutcome,
  ): void;
  /** Writes the count of those not logged one by one yet (at stop). */
  stop(): void;
}

/**
 * Says each delivery the relay gives up on, with the Wavix message_id an operator greps for, where only a
 * once-a-minute "attempts fail" line (and /metrics) told of them. A mass death (a PBX down for a day) is bounded: the
 * first DEAD_LINES_PER_MINUTE of a minute each, then one line at the minute's end with how many more.
 */
export function createDeadDeliveryLog(options: { logger: Logger; now: () => number }): DeadDeliveryLog {
  const { logger, now } = options;
  let windowStartedAt = Number.NEGATIVE_INFINITY;
  let written = 0;
  let unwritten = 0;
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (unwritten === 0) return;
    logger.warn('more deliveries were given up (dead) than are logged one by one: `/sms relay status` lists them', {
      notLogged: unwritten,
      perMinuteLogged: DEAD_LINES_PER_MINUTE,
    });
    unwritten = 0;
  };

  return {
    died: (delivery, wavixMessageId, outcome) => {
      const at = now();
      if (at - windowStartedAt >= WINDOW_MS) {
        flush();
        windowStartedAt = at;
        written = 0;
      }
      if (written < DEAD_LINES_PER_MINUTE) {
        written += 1;
        logger.warn('delivery given up (dead): not retried until replayed (`/sms relay replay dead`)', {
          wavixMessageId: loggedMessageId(wavixMessageId),
          kind: delivery.destinationKind,
          destination: destinationWords(delivery.destinationKind, delivery.destination),
          // The outcome's attempt included: the delivery as claimed counts the ones before it.
          attempts: delivery.attempts + 1,
          error: failureKind(outcome),
          why: whyDead(outcome),
        });
        return;
      }
      unwritten += 1;
      // Said when the minute ends, not at the next death: a burst that is the last one would keep its count unsaid.
      timer ??= setTimeout(flush, Math.max(0, windowStartedAt + WINDOW_MS - at));
      timer.unref?.();
    },
    stop: flush,
  };
}
