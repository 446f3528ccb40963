import Database from 'better-sqlite3';
import { plural } from '../core/wording.js';
import { describeError } from '../errors.js';
import { leaveAsSingleFile } from './restoredCopy.js';

const hasOptOuts = (db: Database.Database, schema: 'main' | 'current') =>
  db.prepare(`SELECT 1 FROM ${schema}.sqlite_master WHERE type = 'table' AND name = 'opt_outs'`).get() !== undefined;

/**
 * Copies into the restored copy (`incoming`, before the swap) the opt-outs in force in the current database that the
 * copy does not hold in force: a STOP received after the backup was taken is honoured whatever else goes back in
 * time (a customer's STOP is theirs to lift, never a restore's). One the copy holds that the current database lifted
 * since stays: smsops would rather not text someone than guess. Returns the line restore says, or none.
 */
export function carryOptOutsForward(current: string, incoming: string): string | undefined {
  let db: Database.Database | undefined;
  try {
    db = new Database(incoming, { fileMustExist: true });
    db.prepare('ATTACH DATABASE ? AS current').run(current);
    if (!hasOptOuts(db, 'current')) return undefined;
    if (!hasOptOuts(db, 'main')) {
      const held = db.prepare<[], number>('SELECT count(*) FROM current.opt_outs WHERE lifted_at IS NULL').pluck().get() ?? 0;
      return held === 0
        ? undefined
        : `the backup predates opt-outs: the ${plural(held, 'opt-out')} in force in the current database (kept in {aside}) are not in the restored one, and replies from Slack to those customers are no longer refused`;
    }
    const carried = db.transaction(
      () =>
        db
          ?.prepare(`
        INSERT INTO main.opt_outs (customer_number, sender, source, keyword, campaign_id, opted_out_at)
        SELECT c.customer_number, c.sender, c.source, c.keyword, c.campaign_id, c.opted_out_at FROM current.opt_outs c
        WHERE c.lifted_at IS NULL AND NOT EXISTS (
          SELECT 1 FROM main.opt_outs b WHERE b.lifted_at IS NULL AND b.customer_number = c.customer_number
            AND coalesce(b.sender, '') = coalesce(c.sender, ''))`)
          .run().changes ?? 0,
    )();
    db.exec('DETACH DATABASE current');
    leaveAsSingleFile(db);
    return carried === 0
      ? undefined
      : `${plural(carried, 'opt-out')} in force in the current database ${carried === 1 ? 'was' : 'were'} not in the backup: kept in the restored one, so replies from Slack to ${carried === 1 ? 'that customer' : 'those customers'} are still refused`;
  } catch (error) {
    return `the opt-outs in force in the current database could not be copied into the restored one (${describeError(error)}): replies from Slack to customers who texted STOP since the backup are not refused; they are in {aside} (SELECT * FROM opt_outs WHERE lifted_at IS NULL)`;
  } finally {
    db?.close();
  }
}
