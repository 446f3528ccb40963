import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { ALERT_RULE } from './alertRules.js';
import type { Alerts } from './alerts.js';

/** What the alert needs of a clock reading: how far this host is ahead of the other side's time, and whether that refuses. */
export interface HostClockReading {
  aheadSeconds: number;
  slackSaidAt: number;
  /** Past the window in which Slack's signed requests are taken. */
  refusing: boolean;
}

const SUBJECT = 'host';

/**
 * The `host_clock_off` alert follows the clock's readings: raised (or its text updated) on each one past the window,
 * resolved at the first one within it or when the reading is forgotten (a fresh signed request was taken). Outbound
 * posts still reach Slack, so the alert channel can say what no command can. The first reading after a start resolves
 * one a previous run left open. In order, one change at a time: a resolve never overtakes the raise before it.
 */
export function followHostClock(alerts: Pick<Alerts, 'raise' | 'resolve'>, logger: Logger) {
  let raised: boolean | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const run = (work: () => Promise<unknown>) => {
    queue = queue
      .then(work)
      .catch((error: unknown) => logger.warn('the host_clock_off alert could not be recorded', { error: describeError(error) }));
  };
  return (reading: HostClockReading | undefined): void => {
    if (reading?.refusing) {
      raised = true;
      const facts = { aheadSeconds: reading.aheadSeconds, slackSaidAt: reading.slackSaidAt };
      run(() => alerts.raise({ rule: ALERT_RULE.hostClockOff, subjectKey: SUBJECT, severity: 'critical', facts }));
    } else if (raised !== false) {
      raised = false;
      run(() => alerts.resolve(ALERT_RULE.hostClockOff, SUBJECT));
    }
  };
}
