import type { AlertsRepository } from '../core/ports/alerts.js';
import type { Notifier } from '../core/ports/notifier.js';
import type { SettingsRepository } from '../core/ports/settings.js';
import type { TrafficRepository } from '../core/ports/traffic.js';
import { dailyDigestReport } from '../core/traffic.js';
import { describeError } from '../errors.js';
import type { JobOutcome } from './scheduler.js';

export const DIGEST_POSTED_UNTIL_SETTING = 'daily_digest_posted_until';

/** Once a day, the team's last day (24 hours, 23 or 25 across a daylight-saving change) in the alert channel: the figures, what is still open, and the chart. */
export function createDailyDigestJob(deps: {
  traffic: TrafficRepository;
  alerts: Pick<AlertsRepository, 'open' | 'resolvedBetween'>;
  /** Where the last posted digest ended: the next one starts there when a day's digest was not posted. */
  settings: Pick<SettingsRepository, 'get' | 'set'>;
  notifier: Pick<Notifier, 'announce'>;
  now: () => number;
  /** The team's zone (SCHEDULE_TIMEZONE): a digest covers its day, since the same wall-clock time the day before. */
  timeZone?: string;
}) {
  return {
    run: async (): Promise<JobOutcome> => {
      const lastTo = Number(deps.settings.get(DIGEST_POSTED_UNTIL_SETTING));
      const report = await dailyDigestReport(
        { traffic: deps.traffic, now: deps.now },
        deps.timeZone,
        Number.isFinite(lastTo) && lastTo > 0 ? lastTo : null,
      );
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
      const summary = `${report.totals.sent} sent, ${report.totals.inbound} inbound`;
      try {
        deps.settings.set(DIGEST_POSTED_UNTIL_SETTING, String(report.toMs));
      } catch (error) {
        // Posted all the same: the next digest reads back its usual day, as before this was kept.
        return { outcome: 'ok', summary: `${summary}; where it ended could not be recorded (${describeError(error)})` };
      }
      return { outcome: 'ok', summary };
    },
  };
}
