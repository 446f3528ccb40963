import { describe, expect, it } from 'vitest';
import { erasuresUndoneInWords } from '../../src/store/restoreErasures.js';

const at = Date.parse('2026-11-27T10:15:00Z');

describe('what restore says of /sms forget removals the backup undoes', () => {
  it('says nothing when none ran after the backup', () => {
    expect(erasuresUndoneInWords({ erasures: [], smsBack: 0, smsAgain: 0 })).toBeUndefined();
  });

  it('does not claim SMS come back from a backup that holds none of theirs', () => {
    const line = erasuresUndoneInWords({ erasures: [{ masked: '•••3456', at }], smsBack: 0, smsAgain: 0 });
    expect(line).toContain('•••3456 (2026-11-27 10:15 UTC)');
    expect(line).toContain('The backup holds no SMS from that number, but may hold other records of the customer');
    expect(line).not.toContain('PortSIP');
  });

  it('lists ten removals, then how many more', () => {
    const erasures = Array.from({ length: 12 }, (_, i) => ({ masked: `•••${1000 + i}`, at: at + i }));
    const line = erasuresUndoneInWords({ erasures, smsBack: 3, smsAgain: 0 }) ?? '';
    expect(line).toMatch(/^12 customer removals/);
    expect(line).toContain('•••1009');
    expect(line).not.toContain('•••1010');
    expect(line).toContain('…and 2 more removals');
    expect(line).toContain('The backup holds 3 SMS from those numbers, back with it.');
  });
});
