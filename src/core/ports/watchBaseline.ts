import type { NumberBaseline } from '../model/watchBaseline.js';

export interface WatchBaselineRepository {
  /** Remembers what is working now; a flag once set stays set (until `forget`), so a later change away is drift. */
  record(subject: string, seen: { pointingAtSmsops: boolean; inboundActive: boolean }): void;
  /** An operator pointed it elsewhere on purpose: not pointing at smsops is no longer drift. */
  forgetPointing(subject: string): void;
  all(): NumberBaseline[];
  accountSeenPointingAtSmsops(): boolean;
}
