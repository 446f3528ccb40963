import { describe, expect, it } from 'vitest';
import type { JobStatus } from '../../src/jobs/scheduler.js';
import { auditMessage } from '../../src/slack/ui/audit.js';
import { jobsMessage } from '../../src/slack/ui/jobs.js';

const HOUR = 3_600_000;
const at = Date.UTC(2026, 0, 2, 9, 30);
const token = `<!date^${at / 1000}^{date_short_pretty} {time}|2026-01-02 09:30 UTC>`;

describe("times in each reader's own time zone", () => {
  it('audit and jobs show times as a Slack date token with the UTC text as fallback, only in blocks', () => {
    const audit = auditMessage([
      { id: 1, at, actor: 'U0123456789', action: 'route.set', target: 'default', params: {}, outcome: 'ok', detail: null },
    ]);
    expect(JSON.stringify(audit.blocks)).toContain(JSON.stringify(token).slice(1, -1));
    expect(audit.text).not.toContain('<!date');

    const job: JobStatus = {
      name: 'backup',
      description: 'Backs up the database.',
      schedule: '0 3 * * *',
      running: false,
      lastRun: { id: 1, job: 'backup', startedAt: at, finishedAt: at, outcome: 'ok', summary: null, error: null },
      nextRunAt: null,
    };
    const jobs = jobsMessage([job], at);
    expect(JSON.stringify(jobs.blocks)).toContain(JSON.stringify(token).slice(1, -1));
    expect(jobs.text).not.toContain('<!date');
  });

  it("jobs say the zone their cron times are read in, with today's offset, and the next run as a time", () => {
    const summer = Date.UTC(2027, 6, 1, 6);
    const job: JobStatus = {
      name: 'daily-digest',
      description: 'The day in the alert channel.',
      schedule: '0 8 * * *',
      running: false,
      lastRun: undefined,
      nextRunAt: summer + HOUR,
    };
    const shown = (zone?: string) => JSON.stringify(jobsMessage([job], summer, zone).blocks);
    expect(shown('Europe/London')).toContain('Schedules are read in Europe/London (UTC+01:00 now)');
    // POSIX's sign: a team at UTC+3 writing Etc/GMT+3 sees its 08:00 is not theirs.
    expect(shown('Etc/GMT+3')).toContain('Etc/GMT+3 (UTC-03:00 now)');
    expect(shown('Asia/Kolkata')).toContain('Asia/Kolkata (UTC+05:30 now)');
    expect(shown('UTC')).toContain('Schedules are read in UTC:');
    expect(shown('Europe/London')).toContain(
      `next <!date^${(summer + HOUR) / 1000}^{date_short_pretty} {time}|2027-07-01 07:00 UTC> (in 1 h)`,
    );
  });
});
