import type { AlertsRepository } from '../core/ports/alerts.js';
import type { TrafficRepository } from '../core/ports/traffic.js';
import type { Scheduler } from './scheduler.js';

/** What `/sms alerts`, `/sms jobs`, `/sms traffic` and App Home work with. */
export interface WatchOperations {
  alerts: AlertsRepository;
  jobs: Pick<Scheduler, 'status' | 'runNow'>;
  traffic: TrafficRepository;
  now: () => number;
}
