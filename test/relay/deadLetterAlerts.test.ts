import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Alerts } from '../../src/core/alerts.js';
import type { Delivery } from '../../src/core/model/delivery.js';
import { createLogger } from '../../src/log.js';
import { createDeadLetterAlerts } from '../../src/relay/deadLetterAlerts.js';

afterEach(() => {
  vi.useRealTimers();
});

describe("the relay_dead alert's count after deliveries get through again", () => {
  it('survives the alerts table failing in its timed re-count: logged, the process goes on', () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    const destination = 'https://pbx.example.com/sms';
    let dead = 2;
    let tableFails = false;
    const raised: unknown[] = [];
    const alerts = {
      raise: (alert: unknown) => {
        raised.push(alert);
        return Promise.resolve();
      },
      resolve: () => Promise.resolve(),
    } as unknown as Alerts;
    const deadLetters = createDeadLetterAlerts({
      alerts,
      alertsRepository: {
        open: () => [{ rule: 'relay_dead', subjectKey: `portsip:${destination}`, facts: null }] as never,
        findOpen: () => {
          // A damaged page, the table renamed by another connection: what better-sqlite3 throws then.
          if (tableFails) throw Object.assign(new Error('no such table: alerts'), { code: 'SQLITE_ERROR' });
          return undefined;
        },
      },
      deliveries: { deadCount: () => dead },
      deadAfterMs: 24 * 3_600_000,
      logger: createLogger({ level: 'warn', sink: (line) => lines.push(line) }),
      now: () => Date.now(),
    });
    const delivery = { destinationKind: 'portsip', destination } as Delivery;
    deadLetters.delivered(delivery);
    expect(raised).toHaveLength(1);
    // A second delivery within the second: the count is taken again by a timer, which the failure reached.
    tableFails = true;
    dead = 1;
    deadLetters.delivered(delivery);
    // Before: the timer's callback threw, an uncaught exception that ended smsops (exit 1, every webhook refused).
    expect(() => vi.advanceTimersByTime(1_500)).not.toThrow();
    expect(lines.join('\n')).toContain('no such table: alerts');
    // The next delivery counts again once the table is back.
    tableFails = false;
    vi.advanceTimersByTime(1_500);
    deadLetters.delivered(delivery);
    expect(raised).toHaveLength(2);
    // A route change moved the dead SMS away, committed: a count that fails now is logged, not the change's failure.
    const countFails = () => {
      throw new Error('database disk image is malformed');
    };
    const failing = createDeadLetterAlerts({
      alerts,
      alertsRepository: {
        open: () => [{ rule: 'relay_dead', subjectKey: `portsip:${destination}`, facts: null }] as never,
        findOpen: () => undefined,
      },
      deliveries: { deadCount: countFails },
      deadAfterMs: 24 * 3_600_000,
      logger: createLogger({ level: 'warn', sink: (line) => lines.push(line) }),
      now: () => Date.now(),
    });
    expect(() => failing.movedFrom([{ kind: 'portsip', destination }])).not.toThrow();
    expect(lines.join('\n')).toContain('database disk image is malformed');
    deadLetters.stop();
  });
});
