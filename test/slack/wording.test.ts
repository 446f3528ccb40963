import { describe, expect, it } from 'vitest';
import type { JobStatus } from '../../src/jobs/scheduler.js';
import { jobsMessage } from '../../src/slack/ui/jobs.js';
import { routeProposalsMessage } from '../../src/slack/ui/portsip.js';
import { duration, durationInMinutes, plural } from '../../src/slack/ui/text.js';

describe('counts and durations in words', () => {
  it('says "no", singular and plural instead of "(s)"', () => {
    expect(plural(0, 'alert condition')).toBe('no alert conditions');
    expect(plural(1, 'route proposal')).toBe('1 route proposal');
    expect(plural(2, 'alert condition')).toBe('2 alert conditions');
  });

  it('writes durations in the two largest units', () => {
    expect(duration(42_000)).toBe('42 s');
    expect(duration(12 * 60_000)).toBe('12 min');
    expect(duration(697 * 60_000)).toBe('11 h 37 min');
    expect(duration(2 * 3_600_000)).toBe('2 h');
    expect(duration(59.8 * 60_000)).toBe('1 h');
    expect(duration(76 * 3_600_000)).toBe('3 d 4 h');
    expect(durationInMinutes(5_000)).toBe('1 min');
  });

  it('shows when a job runs next in hours and minutes, and the proposals count in words', () => {
    const now = Date.UTC(2026, 0, 1);
    const job: JobStatus = {
      name: 'backup',
      description: 'Backs up the database.',
      schedule: '0 3 * * *',
      running: false,
      lastRun: undefined,
      nextRunAt: now + 697 * 60_000,
    };
    const shown = JSON.stringify(jobsMessage([job], now));
    expect(shown).toContain('(in 11 h 37 min)');
    expect(jobsMessage([job], now).text).toBe('1 scheduled job');
    const one = routeProposalsMessage([
      {
        number: '+14155550100',
        portsipUrl: 'https://pbx.example.com:8887/emc/Wavix/0d3c9a44-1111-2222-3333-444455556666',
        configuration: { id: 'cfg', name: 'Wavix SMS', providerName: 'Wavix', providerBrand: 'Wavix - US' },
        currentUrl: null,
        alreadyInPlace: false,
        alsoClaimedBy: [],
        destinationNote: null,
        refusedBecause: null,
      },
    ]);
    expect(one.text).toBe('1 route proposal from PortSIP');
  });
});
