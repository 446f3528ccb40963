import type { AlertsRepository } from '../core/ports/alerts.js';
import type { Notifier } from '../core/ports/notifier.js';
import type { TrafficRepository } from '../core/ports/traffic.js';
import { trafficReport } from '../core/traffic.js';
import { describeError } from '../errors.js';
import type { JobOutcome } from './scheduler.js';

/** Once a day, the last 24 hours in the alert channel: the figures, what is still open, and the chart. */
export function createDailyDigestJob(deps: {
  traffic: TrafficRepository;
  alerts: Pick<AlertsRepository, 'open' | 'resolvedBetween'>;
  notifier: Pick<Notifier, 'announce'>;
  now: () => number;
}) {
  return {
    run: async (): Promise<JobOutcome> => {
      const report = await trafficReport({ traffic: deps.traffic, now: deps.now }, '24h');
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
