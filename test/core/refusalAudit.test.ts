import { afterEach, describe, expect, it, vi } from 'vitest';
import type { NewAuditEntry } from '../../src/core/model/audit.js';
import type { AuditRepository } from '../../src/core/ports/audit.js';
import { recordRefusal } from '../../src/core/refusalAudit.js';

const recordingAudit = () => {
  const recorded: NewAuditEntry[] = [];
  const audit = { record: (entry: NewAuditEntry) => recorded.push(entry) } as unknown as AuditRepository;
  return { audit, recorded };
};

describe('refusals in the audit log', () => {
  it('records 5 a minute per person and action, counting the others into the next one', () => {
    const { audit, recorded } = recordingAudit();
    const entry = { actor: 'U1', action: 'route.set', outcome: 'refused', detail: 'not an admin' } as const;
    for (let s = 0; s < 30; s++) recordRefusal(audit, entry, 1_000_000 + s * 1000);
    recordRefusal(audit, { ...entry, actor: 'U2' }, 1_000_000);
    expect(recorded.map((r) => r.actor)).toEqual(['U1', 'U1', 'U1', 'U1', 'U1', 'U2']);
    recordRefusal(audit, entry, 1_000_000 + 61_000);
    expect(recorded).toHaveLength(7);
    expect(recorded[6]?.detail).toBe('not an admin (and 25 more refused attempts before it, not recorded one by one)');
    recordRefusal(audit, entry, 1_000_000 + 62_000);
    expect(recorded[7]?.detail).toBe('not an admin');
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('says the attempts not recorded once their minute is over, when no later attempt carries them', () => {
    vi.useFakeTimers();
    const { audit, recorded } = recordingAudit();
    const entry = { actor: 'U3', action: 'doctor.ignore', outcome: 'refused', detail: 'not an admin' } as const;
    // A script refused 1,000 times within a few seconds, then stopped: before, 5 entries said it all.
    for (let i = 0; i < 1000; i++) recordRefusal(audit, entry);
    expect(recorded).toHaveLength(5);
    vi.advanceTimersByTime(60_000);
    expect(recorded).toHaveLength(6);
    expect(recorded[5]).toMatchObject({ actor: 'U3', action: 'doctor.ignore', outcome: 'refused' });
    expect(recorded[5]?.detail).toBe(
      'not an admin (995 more refused attempts in the minute after the last one recorded, not recorded one by one)',
    );
    // Said once: the next attempt starts its minute afresh.
    vi.advanceTimersByTime(120_000);
    recordRefusal(audit, entry);
    expect(recorded).toHaveLength(7);
    expect(recorded[6]?.detail).toBe('not an admin');
  });
});
