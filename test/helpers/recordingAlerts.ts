import type { Alerts } from '../../src/core/alerts.js';
import type { RaisedAlert } from '../../src/core/model/alert.js';

/** The alert lifecycle as a job sees it, recording what it was told (core/alerts.ts is tested against the fake Slack). */
export function recordingAlerts() {
  const raised: RaisedAlert[] = [];
  const resolved: Array<{ rule: string; subjectKey: string }> = [];
  const notifier: Alerts = {
    raise: async (alert) => {
      raised.push(alert);
      return [];
    },
    resolve: async (rule, subjectKey) => {
      resolved.push({ rule, subjectKey });
      return [];
    },
    resolveAllBut: async () => [],
    refresh: async () => undefined,
    notShown: () => undefined,
    shown: () => false,
  };
  return { notifier, raised, resolved };
}
