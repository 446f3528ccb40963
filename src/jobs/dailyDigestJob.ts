import type { AlertsRepository } from '../core/ports/alerts.js';
import type { Notifier } from '../core/ports/notifier.js';
import type { TrafficRepository } from '../core/ports/traffic.js';
import { dailyDigestReport } from '../core/traffic.js';
import { describeError } from '../errors.js';
import type { JobOutcome } from './scheduler.js';

/** Once a day, the team's last day (24 hours, 23 or 25 across a daylight-saving change) in the alert channel: the figures, what is still open, and the chart. */
export function createDailyDigestJob(deps: {
  traffic: TrafficRepository;
  alerts: Pick<AlertsRepository, 'open' | 'resolvedBetween'>;
  notifier: Pick<Notifier, 'announce'>;
  now: () => number;
  /** The team's zone (SCHEDULE_TIMEZONE): a digest covers its day, since the same wall-clock time the day before. */
  timeZone?: string;
}) {
  return {
    run: async (): Promise<JobOutcome> => {
      const report = await dailyDigestReport({ traffic: deps.traffic, now: deps.now }, deps.timeZone);
      try {
        // The chart goes with it; a chart that cannot be uploaded is the notifier's log line, not a failed digest.
        await deps.notifier.announce({
          type: 'dailyDigest',
          report,
          openAlerts: deps.alerts.open(),
          endedAlerts: deps.alerts.resolvedBetween(report.fromMs, report.toMs),
        });
      } catch (error) {
        return { outcome: 'failed', error: `the digest could not be posted: ${describeError(error)}` };
      }
      return { outcome: 'ok', summary: `${report.totals.sent} sent, ${report.totals.inbound} inbound` };
    },
  };
}
