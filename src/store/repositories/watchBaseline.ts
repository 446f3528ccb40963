import type { WatchBaselineRepository } from '../../core/ports/watchBaseline.js';
import type { Db } from '../database.js';

/** Numbers recorded per transaction by recordInSteps (a few ms). */
const STEP_ROWS = 500;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function createWatchBaselineRepository(db: Db, now: () => number = Date.now): WatchBaselineRepository {
  const upsert = db.prepare(`
    INSERT INTO watch_baseline (subject, seen_pointing_at_smsops, seen_inbound_active, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (subject) DO UPDATE SET
      seen_pointing_at_smsops = max(seen_pointing_at_smsops, excluded.seen_pointing_at_smsops),
      seen_inbound_active = max(seen_inbound_active, excluded.seen_inbound_active),
      updated_at = excluded.updated_at`);
  const all = db.prepare<[], { subject: string; seen_pointing_at_smsops: number; seen_inbound_active: number }>(
    "SELECT * FROM watch_baseline WHERE subject <> 'account' ORDER BY subject",
  );
  const forget = db.prepare('UPDATE watch_baseline SET seen_pointing_at_smsops = 0, updated_at = ? WHERE subject = ?');
  const account = db.prepare<[], { seen_pointing_at_smsops: number }>(
    "SELECT seen_pointing_at_smsops FROM watch_baseline WHERE subject = 'account'",
  );
  const record = (subject: string, seen: { pointingAtSmsops: boolean; inboundActive: boolean }) => {
    upsert.run(subject, seen.pointingAtSmsops ? 1 : 0, seen.inboundActive ? 1 : 0, now());
  };
  // Each flag only ever goes up (max), so a step seen before the next one is written is as true as the whole.
  const recordStep = db.transaction(
    (step: ReadonlyArray<{ subject: string; pointingAtSmsops: boolean; inboundActive: boolean }>) => {
      for (const seen of step) record(seen.subject, seen);
    },
  );
  return {
    record,
    recordInSteps: async (seen) => {
      for (let at = 0; at < seen.length; at += STEP_ROWS) {
        if (at > 0) await nextTurn();
        recordStep(seen.slice(at, at + STEP_ROWS));
      }
    },
    forgetPointing: (subject) => {
      forget.run(now(), subject);
    },
    all: () =>
      all.all().map((r) => ({
        number: r.subject,
        seenPointingAtSmsops: r.seen_pointing_at_smsops === 1,
        seenInboundActive: r.seen_inbound_active === 1,
      })),
    accountSeenPointingAtSmsops: () => account.get()?.seen_pointing_at_smsops === 1,
  };
}
