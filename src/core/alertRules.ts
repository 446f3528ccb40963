import { err, ok, type Result } from '../errors.js';
import { performChange } from './access.js';
import { InputError } from './inputError.js';
import type { AlertRuleName } from './model/alert.js';
import type { AlertsRepository } from './ports/alerts.js';
import type { Actor, SetupServices } from './services.js';

/**
 * The thresholds of the watch, changeable from Slack. A value of `off` disables the rule it belongs to. Defaults are
 * what a small PBX team would want paged about; the README lists them.
 */
export const ALERT_THRESHOLDS = {
  failure_rate: {
    label: 'Delivery failure rate',
    unit: '%',
    defaultValue: 20,
    min: 1,
    max: 100,
    help: 'share of outbound SMS failed over the last hour, per sending number',
  },
  failure_min_volume: {
    label: 'Minimum volume for the failure rate',
    unit: 'messages',
    defaultValue: 20,
    min: 1,
    max: 1_000_000,
    help: 'a number must have sent at least this many finished messages in the hour',
  },
  backlog_minutes: {
    label: 'Relay backlog age',
    unit: 'min',
    defaultValue: 10,
    min: 1,
    max: 10_080,
    help: 'an inbound SMS still waiting for PortSIP or Slack after this long',
  },
  inbound_silence_hours: {
    label: 'Inbound silence',
    unit: 'h',
    defaultValue: 6,
    min: 1,
    max: 168,
    help: 'hours without inbound SMS on a number that usually has some',
  },
  inbound_usual_daily: {
    label: 'Usual inbound volume',
    unit: 'per day',
    defaultValue: 10,
    min: 1,
    max: 1_000_000,
    help: 'daily average (last 7 days) above which a number counts as usually busy',
  },
  balance_usd: {
    label: 'Account balance',
    unit: 'USD',
    defaultValue: 10,
    min: 0,
    max: 1_000_000,
    help: 'alert when the Wavix balance falls below this',
  },
} as const;

export type ThresholdName = keyof typeof ALERT_THRESHOLDS;
export const THRESHOLD_NAMES = Object.keys(ALERT_THRESHOLDS) as ThresholdName[];

/** Alert rules as recorded on alerts: one subject per number, destination, Sender ID country or the account. */
export const ALERT_RULE = {
  failureRate: 'failure_rate',
  backlog: 'relay_backlog',
  deadLetters: 'relay_dead',
  /** The relay itself is not working (a worker stuck, the database not writable): raised by the relay's own timer. */
  relayStalled: 'relay_stalled',
  inboundStopped: 'inbound_stopped',
  numberDrift: 'config_drift',
  balance: 'balance_low',
  senderIdRejected: 'sender_id_rejected',
  wavixUnreachable: 'wavix_unreachable',
  tenDlc: 'ten_dlc',
  /** The scheduled database backup failed (BACKUP_DIR); resolved by the next good one. */
  backupFailed: 'backup_failed',
  /** HTTP mode: this host's clock past Slack's 5-minute window, every Slack request refused; raised by src/core/hostClockAlert.ts. */
  hostClockOff: 'host_clock_off',
} as const satisfies Record<string, AlertRuleName>;

/** A threshold's value: a number, or null when the rule is switched off. */
export type Thresholds = Record<ThresholdName, number | null>;

export interface ThresholdSetting {
  name: ThresholdName;
  value: number | null;
  isDefault: boolean;
}

export function readThresholds(alerts: Pick<AlertsRepository, 'setting'>): Thresholds {
  const values = {} as Thresholds;
  for (const name of THRESHOLD_NAMES) {
    const stored = alerts.setting(name);
    values[name] = stored === undefined ? ALERT_THRESHOLDS[name].defaultValue : stored === 'off' ? null : Number(stored);
  }
  return values;
}

export function listThresholds(alerts: Pick<AlertsRepository, 'setting'>): ThresholdSetting[] {
  const values = readThresholds(alerts);
  return THRESHOLD_NAMES.map((name) => ({ name, value: values[name], isDefault: alerts.setting(name) === undefined }));
}

/** Parses `/sms alerts set <rule> <value>`: a known rule, and a number in its range or `off`. */
export function parseThreshold(name: string, raw: string): Result<{ name: ThresholdName; value: number | null }, InputError> {
  const known = THRESHOLD_NAMES.find((n) => n === name.toLowerCase());
  if (!known) {
    return err(
      new InputError([{ field: 'rule', message: `There is no alert rule "${name}". Rules: ${THRESHOLD_NAMES.join(', ')}.` }]),
    );
  }
  if (raw.toLowerCase() === 'off') return ok({ name: known, value: null });
  const rule = ALERT_THRESHOLDS[known];
  const value = Number(raw.replace(/[%$]/g, ''));
  if (!Number.isFinite(value) || value < rule.min || value > rule.max) {
    return err(
      new InputError([
        { field: 'value', message: `${rule.label} takes a number from ${rule.min} to ${rule.max} (${rule.unit}), or off.` },
      ]),
    );
  }
  return ok({ name: known, value });
}

/**
 * Changes a threshold (admins only, audited); the next watch run uses it. `before` is the value it replaced, so that a
 * rule switched off (or a threshold typed) by mistake can be put back: the answer and `/sms audit` say what it was.
 */
export async function changeThreshold(
  services: Pick<SetupServices, 'adminUsers' | 'directory' | 'audit'> & {
    alerts: Pick<AlertsRepository, 'changeSetting' | 'setting'>;
  },
  actor: Actor,
  input: { name: string; value: string },
): Promise<Result<{ name: ThresholdName; value: number | null; before: number | null }>> {
  const parsed = parseThreshold(input.name, input.value);
  if (!parsed.ok) return parsed;
  const { name, value } = parsed.value;
  const params: Record<string, unknown> = { value: value === null ? 'off' : value };
  return performChange(services, actor, { action: 'alerts.set', target: name, params }, async () => {
    const before = readThresholds(services.alerts)[name];
    params.before = before === null ? 'off' : before;
    services.alerts.changeSetting(name, value === null ? 'off' : String(value), actor.userId);
    return ok({ name, value, before });
  });
}
