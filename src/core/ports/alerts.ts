import type { Alert, RaisedAlert } from '../model/alert.js';

/** The alerts table: one open alert per rule and subject, across restarts, and the thresholds changed from Slack. */
export interface AlertsRepository {
  /** Opens the alert, or updates the open one for the same rule and subject: `opened` says which (fire once). */
  raise(alert: RaisedAlert): { alert: Alert; opened: boolean };
  /** Resolves the open alert, if any, and returns it (so its message can say "resolved"). */
  resolve(rule: string, subjectKey: string): Alert | undefined;
  /** Where the alert's message is, so later changes edit it in place. */
  setSlackMessage(id: number, channel: string, ts: string): void;
  /** The open alert for this rule and subject, if any. */
  findOpen(rule: string, subjectKey: string): Alert | undefined;
  open(): Alert[];
  /** A threshold changed from Slack, or undefined for the built-in default. */
  setting(rule: string): string | undefined;
  changeSetting(rule: string, value: string, by: string): void;
}
