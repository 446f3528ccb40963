import { describe, expect, it } from 'vitest';
import { auditMessage } from '../../src/slack/ui/audit.js';
import { readable } from '../helpers/smsopsUnderTest.js';

/**
 * `/sms relay replay dead` typed by mistake: its audit entry said "relay.replay dead: ok" whether it re-sent none or
 * thousands, though the count was recorded. Whoever looks afterwards must see how many went out again.
 */
const entry = (params: Record<string, unknown>) => ({
  id: 1,
  at: Date.UTC(2026, 10, 25, 12),
  actor: 'U0ADMIN001',
  action: 'relay.replay',
  target: 'dead',
  params,
  outcome: 'ok' as const,
  detail: null,
});

describe('a replay in the audit', () => {
  it('says how many deliveries it sent again', () => {
    expect(readable(auditMessage([entry({ replayed: 1843, movedDeliveries: 2 })]))).toContain(
      '`relay.replay` `dead`: ok (1843 deliveries sent again) (2 queued deliveries moved)',
    );
    expect(readable(auditMessage([entry({ replayed: 1 })]))).toContain('ok (1 delivery sent again)');
    // Entries that recorded no count say nothing of one.
    expect(readable(auditMessage([entry({})]))).not.toContain('sent again');
  });
});
