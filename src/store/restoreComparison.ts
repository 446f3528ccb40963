import Database from 'better-sqlite3';
import { duration } from '../core/wording.js';
import { describeError } from '../errors.js';
import { type ErasuresUndone, erasuresUndone, erasuresUndoneInWords } from './restoreErasures.js';

/** What restoring a backup over the current database loses and does again, counted before the current one goes aside. */
export interface RestoreComparison {
  /** Inbound SMS the current database holds and the backup lacks: acknowledged to Wavix, so never sent again. */
  onlyInCurrent: number;
  /** Deliveries the backup holds undone that the current database has delivered: made again at the next start. */
  againToPortsip: number;
  againToSlack: number;
  /** The current database keeps a generated webhook secret and the backup another, or none (a new one at start). */
  generatedSecretChanges: boolean;
  /** `/sms forget` removals run since the backup: what they removed comes back with it. */
  erasures: ErasuresUndone;
}

const secretIn = (schema: 'main' | 'backup') => `(SELECT value FROM ${schema}.settings WHERE key = 'webhook_secret')`;

/**
 * Reads the current database (smsops stopped: restore holds its lease) with the prepared copy attached. Opened
 * read-write, with writes refused by query_only, so that closing it removes the -wal and -shm SQLite makes for a file
 * in WAL mode (a read-only connection leaves them behind). Messages are matched by Wavix's id, not by row id: the two files may have
 * stored them in another order.
 */
export function compareWithCurrent(current: string, copy: string): RestoreComparison {
  const db = new Database(current, { fileMustExist: true });
  try {
    db.pragma('query_only = ON');
    db.prepare('ATTACH DATABASE ? AS backup').run(copy);
    const count = (sql: string) => db.prepare<[], number>(sql).pluck().get() ?? 0;
    const onlyInCurrent = count(`
      SELECT count(*) FROM main.inbound_messages c
      WHERE NOT EXISTS (SELECT 1 FROM backup.inbound_messages b WHERE b.wavix_message_id = c.wavix_message_id)`);
    const again = db
      .prepare<[], { kind: string; n: number }>(`
        SELECT b.destination_kind AS kind, count(*) AS n
        FROM backup.deliveries b
        JOIN backup.inbound_messages bm ON bm.id = b.inbound_message_id
        JOIN main.inbound_messages cm ON cm.wavix_message_id = bm.wavix_message_id
        JOIN main.deliveries c ON c.inbound_message_id = cm.id AND c.destination_kind = b.destination_kind
          AND c.destination = b.destination
        WHERE b.status IN ('pending', 'in_flight') AND c.status = 'delivered'
        GROUP BY b.destination_kind`)
      .all();
    const of = (kind: string) => again.find((row) => row.kind === kind)?.n ?? 0;
    // Messages still in the backup's Slack queue (migration 028) have no Slack delivery row there yet: each gets one,
    // and is posted, at the start.
    const queued = db.prepare("SELECT 1 FROM backup.sqlite_master WHERE type = 'table' AND name = 'slack_queue'").get()
      ? count(`
          SELECT count(*) FROM backup.inbound_messages bm
          JOIN main.inbound_messages cm ON cm.wavix_message_id = bm.wavix_message_id
          WHERE bm.id > (SELECT through_message_id FROM backup.slack_queue WHERE id = 1)
            AND EXISTS (SELECT 1 FROM main.deliveries c WHERE c.inbound_message_id = cm.id AND c.destination_kind = 'slack'
              AND c.status = 'delivered')`)
      : 0;
    // Compared in SQL: the secrets never leave SQLite.
    const generatedSecretChanges =
      count(`SELECT ${secretIn('main')} IS NOT NULL AND ${secretIn('main')} IS NOT ${secretIn('backup')}`) === 1;
    return {
      onlyInCurrent,
      againToPortsip: of('portsip'),
      againToSlack: of('slack') + queued,
      generatedSecretChanges,
      erasures: erasuresUndone(db),
    };
  } finally {
    db.close();
  }
}

/** When the newest SMS in the copy was stored, or undefined when it holds none: its age when no backup run says it. */
export function newestMessageAt(copy: Database.Database): number | undefined {
  return copy.prepare<[], number | null>('SELECT max(ingested_at) FROM inbound_messages').pluck().get() ?? undefined;
}

/** When the backup run that made the copy began, if it holds one; else its newest message's time. */
export interface BackupAge {
  takenAt?: number;
  newestMessageAt?: number;
}

const when = (at: number) =>
  `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC (${duration(Date.now() - at)} ago)`;

export function backupAgeInWords({ takenAt, newestMessageAt: newest }: BackupAge): string {
  if (takenAt !== undefined) return `the backup was taken ${when(takenAt)}`;
  if (newest !== undefined) return `the backup's newest SMS was stored ${when(newest)}`;
  return 'the backup holds no SMS';
}

/**
 * What the current database (undefined: it cannot be read) holds that the backup lacks, in lines of words ({aside}:
 * where it is kept). Counted before the current database moves, said once restored: a restore of an older backup
 * loses what was acknowledged since (Wavix does not send it again) and relays again what was delivered since (the
 * probe's restore sent 40 of 40 to PortSIP a second time and posted 20 to Slack again, saying nothing).
 */
export function comparedInWords(current: string | undefined, copy: string, options: { webhookSecretSet: boolean }): string[] {
  if (current === undefined) return ['the current database cannot be read, so what it holds beyond the backup is not counted'];
  let found: RestoreComparison;
  try {
    found = compareWithCurrent(current, copy);
  } catch (error) {
    return [`what the current database holds beyond the backup could not be counted (${describeError(error)})`];
  }
  const { onlyInCurrent, againToPortsip, againToSlack } = found;
  const lost =
    onlyInCurrent === 0
      ? 'the current database holds no inbound SMS the backup lacks'
      : `${onlyInCurrent} inbound SMS in the current database ${onlyInCurrent === 1 ? 'is' : 'are'} not in the backup: kept only in {aside}, not relayed again (Wavix does not send them again)`;
  const twice =
    againToPortsip + againToSlack === 0
      ? 'nothing the backup holds undelivered was delivered since'
      : `${againToPortsip} SMS to PortSIP and ${againToSlack} to Slack that the backup holds undelivered were delivered since: smsops delivers them again at its start (PortSIP gets them a second time, Slack shows them again)`;
  const erased = erasuresUndoneInWords(found.erasures);
  return [
    lost,
    twice,
    ...(erased ? [erased] : []),
    ...(found.generatedSecretChanges && !options.webhookSecretSet ? [SECRET_CHANGES] : []),
  ];
}

/**
 * Kept as the backup has it: restoring smsops' own backup after its database was made anew (a lost file, a volume
 * not mounted), the backup's secret is the one Wavix's URLs end with, and the new database's the one it does not know.
 * Restoring another smsops' backup is the other way round, and was silent: that smsops' Wavix got 404 (a probe).
 */
const SECRET_CHANGES =
  "the backup's generated webhook secret is not the current database's (or the backup has none: smsops then makes a new one, or refuses to start when the backup's smsops had WEBHOOK_SECRET set), so with WEBHOOK_SECRET unset smsops' webhook URLs change at its start: Wavix URLs ending with the current database's secret get 404, and SMS posted there are lost. " +
  "The backup's is kept, right when Wavix holds its URLs (this smsops' own backup, its database made anew since). If Wavix holds the current database's (the backup is another smsops' database, or `/sms webhook set` ran since), set WEBHOOK_SECRET to the secret those URLs end with (Wavix's webhook settings show it) before starting, to keep them; " +
  'or set WEBHOOK_SECRET_PREVIOUS to it and move Wavix with `/sms webhook set default`, then `/sms webhook set <number>` for each number with its own webhook';
