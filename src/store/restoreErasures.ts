import type Database from 'better-sqlite3';
import { maskedCustomerNumberSql } from '../core/customerNumberMask.js';
import { FORGET_ACTION } from '../core/model/audit.js';
import { andMore, listInWords, plural } from '../core/wording.js';

/**
 * `/sms forget` removals the current database ran after the backup was taken: the backup still holds what each one
 * removed. Only the masked number is known (the audit keeps no more), so restore cannot remove them again itself; it
 * says whom (•••3456) and when, and what of theirs comes back, for the admin to run `/sms forget` again with the number
 * from the erasure request.
 */
export interface ErasuresUndone {
  /** Each removal's masked number and time, oldest first. */
  erasures: { masked: string; at: number }[];
  /** SMS in the backup from numbers ending as those do that the current database no longer holds. */
  smsBack: number;
  /** Of those, the ones the backup holds undelivered: smsops sends them to PortSIP and posts them to Slack at its start. */
  smsAgain: number;
}

/**
 * On a connection to the current database (`main`) with the backup attached as `backup`. A removal whose outcome is
 * `unknown` (smsops stopped during it) may have removed its records all the same: counted too.
 */
export function erasuresUndone(db: Database.Database): ErasuresUndone {
  const erasures = db
    .prepare<[string], { masked: string; at: number }>(`
      SELECT c.target AS masked, c.at FROM main.audit_log c
      WHERE c.action = ? AND c.outcome IN ('ok', 'unknown') AND c.target IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM backup.audit_log b WHERE b.action = c.action AND b.at = c.at
          AND b.actor = c.actor AND b.target IS c.target AND b.outcome = 'ok')
      ORDER BY c.at`)
    .all(FORGET_ACTION);
  if (erasures.length === 0) return { erasures, smsBack: 0, smsAgain: 0 };
  const hasQueue = db.prepare("SELECT 1 FROM backup.sqlite_master WHERE type = 'table' AND name = 'slack_queue'").get();
  const owed = `EXISTS (SELECT 1 FROM backup.deliveries d WHERE d.inbound_message_id = bm.id AND d.status IN ('pending', 'in_flight'))${
    hasQueue ? ' OR bm.id > (SELECT through_message_id FROM backup.slack_queue WHERE id = 1)' : ''
  }`;
  // Theirs, as far as the last four digits tell: a number ending so, gone from the current database.
  const counts = db
    .prepare<[string], { back: number; again: number }>(`
      SELECT count(*) AS back, coalesce(sum(${owed}), 0) AS again FROM backup.inbound_messages bm
      WHERE ${maskedCustomerNumberSql('bm.from_number')} IN (SELECT value FROM json_each(?))
        AND NOT EXISTS (SELECT 1 FROM main.inbound_messages cm WHERE cm.from_number = bm.from_number)`)
    .get(JSON.stringify(erasures.map((e) => e.masked)));
  return { erasures, smsBack: counts?.back ?? 0, smsAgain: counts?.again ?? 0 };
}

const SHOWN = 10;
const at = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** The line restore says, or none when no removal ran after the backup. */
export function erasuresUndoneInWords({ erasures, smsBack, smsAgain }: ErasuresUndone): string | undefined {
  if (erasures.length === 0) return undefined;
  const shown = erasures.slice(0, SHOWN).map((e) => `${e.masked} (${at(e.at)})`);
  const more = andMore(erasures.length - shown.length, { one: 'removal' }, '`/sms audit` lists them');
  const those = erasures.length === 1 ? 'that number' : 'those numbers';
  const held =
    smsBack === 0
      ? `The backup holds no SMS from ${those}, but may hold other records of ${erasures.length === 1 ? 'the customer' : 'them'} (replies, texts sent to them, audit entries naming them).`
      : `The backup holds ${plural(smsBack, 'SMS', 'SMS')} from ${those}, back with it${
          smsAgain === 0
            ? ''
            : `, ${smsAgain} of them undelivered there: smsops sends ${smsAgain === 1 ? 'it' : 'them'} to PortSIP and posts ${smsAgain === 1 ? 'it' : 'them'} to Slack again at its start`
        }.`;
  return (
    `${plural(erasures.length, 'customer removal')} (\`/sms forget\`) ran after this backup was taken: ${listInWords(shown)}${more ? ` ${more}` : ''}. ` +
    `${held} Run \`/sms forget\` with each number again once smsops has started (the audit log keeps only the last four digits: take the number from the erasure request)`
  );
}
