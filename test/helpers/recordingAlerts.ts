import type { AlertNotifier, RaisedAlert } from '../../src/watch/alertNotifier.js';

/** The alert port as a job sees it, recording what it was told (the notifier itself is tested against the fake Slack). */
export function recordingAlerts() {
  const raised: RaisedAlert[] = [];
  const resolved: Array<{ rule: string; subjectKey: string }> = [];
  const notifier: AlertNotifier = {
    raise: async (alert) => {
      raised.push(alert);
    },
    resolve: async (rule, subjectKey) => {
      resolved.push({ rule, subjectKey });
    },
    resolveAllBut: async () => {},
  };
  return { notifier, raised, resolved };
}
