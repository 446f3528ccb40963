import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createAttemptFailures } from '../../src/relay/attemptFailures.js';
import { createDeadDeliveryLog, DEAD_LINES_PER_MINUTE } from '../../src/relay/deadDeliveryLog.js';

const PBX = 'https://pbx.example.com/emc/Wavix - US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90';

describe('dead deliveries in the log', () => {
  it('says each one up to the minute’s bound, then how many more in one line', () => {
    const lines: Array<Record<string, unknown>> = [];
    let at = 1_000_000;
    const log = createDeadDeliveryLog({
      logger: createLogger({ level: 'info', sink: (line) => lines.push(JSON.parse(line)) }),
      now: () => at,
    });
    const pbx = { destinationKind: 'portsip' as const, destination: PBX, attempts: 9 };
    for (let i = 0; i < DEAD_LINES_PER_MINUTE + 30; i++)
      log.died(pbx, `wvx-${i}`, { delivered: false, statusCode: 503, error: 'HTTP 503: Hello from the customer' });
    log.stop();
    expect(lines).toHaveLength(DEAD_LINES_PER_MINUTE + 1);
    expect(lines[0]).toMatchObject({ wavixMessageId: 'wvx-0', attempts: 10, error: 'HTTP 503', kind: 'portsip' });
    expect(lines.at(-1)).toMatchObject({ notLogged: 30 });
    // A new minute says them one by one again.
    at += 60_000;
    log.died(pbx, 'wvx-late', { delivered: false, statusCode: 400, error: 'x (the same failure 3 times in a row: …)' });
    expect(lines.at(-1)).toMatchObject({ wavixMessageId: 'wvx-late', why: 'the same failure again and again' });
    expect(JSON.stringify(lines)).not.toContain('customer');
  });

  it('names a message_id of 200,000 characters by its first 100 and …, where the line was 200 KB', () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = createDeadDeliveryLog({
      logger: createLogger({ level: 'info', sink: (line) => lines.push(JSON.parse(line)) }),
      now: () => 0,
    });
    const id = `L${'W'.repeat(199_999)}`;
    log.died({ destinationKind: 'portsip', destination: PBX, attempts: 9 }, id, { delivered: false, statusCode: 503 });
    expect(lines[0]?.wavixMessageId).toBe(`${id.slice(0, 100)}…`);
  });

  it('does not call a dead delivery retried', () => {
    const lines: string[] = [];
    const failures = createAttemptFailures({
      logger: createLogger({ level: 'debug', sink: (line) => lines.push(line) }),
      now: () => 0,
    });
    failures.died({ destinationKind: 'portsip' }, { delivered: false, statusCode: 500 });
    expect(lines).toEqual([]);
  });
});
