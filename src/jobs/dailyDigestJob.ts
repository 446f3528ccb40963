import type { webApi } from '@slack/bolt';
import { renderTrafficChart } from '../charts/trafficChart.js';
import type { TrafficRepository } from '../core/ports/traffic.js';
import { trafficReport } from '../core/traffic.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { dailyDigestMessage, trafficChartTitle } from '../slack/ui/traffic.js';
import type { AlertsRepository } from '../store/repositories/alerts.js';
import type { JobOutcome } from './scheduler.js';

/** Once a day, the last 24 hours in the alert channel: the figures, what is still open, and the chart. */
export function createDailyDigestJob(deps: {
  traffic: TrafficRepository;
  alerts: Pick<AlertsRepository, 'open'>;
  slack: webApi.WebClient;
  channel: string;
  logger: Logger;
  now: () => number;
}) {
  return {
    run: async (): Promise<JobOutcome> => {
      const report = trafficReport({ traffic: deps.traffic, now: deps.now }, '24h');
      try {
        await deps.slack.chat.postMessage({ channel: deps.channel, ...dailyDigestMessage(report, deps.alerts.open()) });
      } catch (error) {
        return { outcome: 'failed', error: `the digest could not be posted: ${describeError(error)}` };
      }
      try {
        const chart = report.hourly.map((h) => ({
          hourStart: h.hourStart,
          inbound: h.inbound,
          outbound: h.sent,
          failed: h.failed,
        }));
        await deps.slack.files.uploadV2({
          channel_id: deps.channel,
          file: renderTrafficChart(chart, { title: trafficChartTitle(report) }),
          filename: 'smsops-daily-traffic.png',
          title: trafficChartTitle(report),
        });
      } catch (error) {
        // The figures are out; a missing chart is worth a log line, not a failed digest.
        deps.logger.warn('daily digest chart not uploaded', { error: describeError(error) });
      }
      return { outcome: 'ok', summary: `${report.totals.sent} sent, ${report.totals.inbound} inbound` };
    },
  };
}
