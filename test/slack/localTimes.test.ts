import { describe, expect, it } from 'vitest';
import type { JobStatus } from '../../src/jobs/scheduler.js';
import { auditMessage } from '../../src/slack/ui/audit.js';
import { jobsMessage } from '../../src/slack/ui/jobs.js';

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
});
