import type { Alert, AlertMute, RaisedAlert } from '../model/alert.js';

/** The alerts table: one open alert per rule and subject, across restarts, and the thresholds changed from Slack. */
export interface AlertsRepository {
  /** Opens the alert, or updates the open one for the same rule and subject: `opened` says which (fire once). */
  raise(alert: RaisedAlert): { alert: Alert; opened: boolean };
  /** Resolves the open alert, if any, and returns it (so its message can say "resolved"). */
  resolve(rule: string, subjectKey: string): Alert | undefined;
  /** Where the alert's message is, so later changes edit it in place. */
  setSlackMessage(id: number, channel: string, ts: string | null): void;
  /** The open alert for this rule and subject, if any. */
  findOpen(rule: string, subjectKey: string): Alert | undefined;
  open(): Alert[];
  /** Alerts resolved in [fromMs, toMs), oldest first: what the daily digest says ended (a night of flaps included). */
  resolvedBetween(fromMs: number, toMs: number): Alert[];
  /** Any alert by id, open or resolved. */
  get(id: number): Alert | undefined;
  /** Records who acknowledged the open alert; undefined when it is not open. */
  acknowledge(id: number, by: string): Alert | undefined;
  /** Ends an acknowledgement (the alert got worse than it was acknowledged at). */
  clearAcknowledgement(id: number): void;
  /** No post or notifying update for this rule and subject until `until` (a later snooze replaces an earlier one). */
  snooze(rule: string, subjectKey: string, until: number, by: string): void;
  /** Snoozes whose time has come, removed as they are returned (each is handed out once). */
  takeEndedSnoozes(): Array<{ rule: string; subjectKey: string }>;
  mute(rule: string, by: string): void;
  /** False when the rule was not muted. */
  unmute(rule: string): boolean;
  mutes(): AlertMute[];
  /** A threshold changed from Slack, or undefined for the built-in default. */
  setting(rule: string): string | undefined;
  changeSetting(rule: string, value: string, by: string): void;
}
