import type { NumberBaseline } from '../model/watchBaseline.js';

export interface WatchBaselineRepository {
  /** Remembers what is working now; a flag once set stays set (until `forget`), so a later change away is drift. */
  record(subject: string, seen: { pointingAtSmsops: boolean; inboundActive: boolean }): void;
  /**
   * `record` for many numbers, a transaction of a few hundred at a time with the event loop free between them: one
   * commit each, 3,000 numbers held the loop 80-110 ms at every traffic watch.
   */
  recordInSteps(seen: ReadonlyArray<{ subject: string; pointingAtSmsops: boolean; inboundActive: boolean }>): Promise<void>;
  /** An operator pointed it elsewhere on purpose: not pointing at smsops is no longer drift. */
  forgetPointing(subject: string): void;
  all(): NumberBaseline[];
  accountSeenPointingAtSmsops(): boolean;
}
