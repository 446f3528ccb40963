import type { WatchBaselineRepository } from '../../core/ports/watchBaseline.js';
import type { Db } from '../database.js';

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
  return {
    record: (subject, seen) => {
      upsert.run(subject, seen.pointingAtSmsops ? 1 : 0, seen.inboundActive ? 1 : 0, now());
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
