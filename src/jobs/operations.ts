import type { TenDlcSubscriptionsSeen } from '../core/doctor/types.js';
import type { AlertsRepository } from '../core/ports/alerts.js';
import type { TrafficRepository } from '../core/ports/traffic.js';
import type { Result } from '../errors.js';
import type { Scheduler } from './scheduler.js';

/** What `/sms alerts`, `/sms jobs`, `/sms traffic` and App Home work with. */
export interface WatchOperations {
  alerts: AlertsRepository;
  jobs: Pick<Scheduler, 'status' | 'runNow' | 'names'>;
  traffic: TrafficRepository;
  now: () => number;
  /** The zone the schedules are read in (SCHEDULE_TIMEZONE), said by `/sms jobs`. */
  timeZone?: string;
  /** Wavix's 10DLC event subscriptions against smsops' URLs (`/sms doctor`); absent without PUBLIC_BASE_URL. */
  tenDlcSubscriptions?: (signal: AbortSignal) => Promise<Result<TenDlcSubscriptionsSeen>>;
  /** Why a backup into BACKUP_DIR would fail now, or null (`/sms doctor`); absent while backups are off. */
  backupDirProblem?: () => Promise<string | null>;
}
