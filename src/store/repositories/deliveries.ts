import {
  type Delivery,
  type DeliveryChannel,
  type DeliveryStatus,
  type DestinationBacklog,
  type FailingDelivery,
  type InFlightDelivery,
  LAST_ERROR_MAX_CHARS,
  SLACK_QUEUE_DESTINATION,
  type UnfinishedDelivery,
} from '../../core/model/delivery.js';
import type { DeliveriesRepository } from '../../core/ports/deliveries.js';
import type { Db } from '../database.js';
import { literalLimit } from '../literalLimit.js';
import type { SlackQueueRepository } from './slackQueue.js';

interface Row {
  id: number;
  inbound_message_id: number;
  destination_kind: DeliveryChannel;
  destination: string;
  conversation_key: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  last_attempt_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  deterministic_failures: number;
  created_at: number;
  delivered_at: number | null;
  dead_at: number | null;
  retry_window_started_at: number | null;
  replayed_at: number | null;
  released_at: number | null;
}

/** Why a delivery a route change moved while its attempt was out is due again after that attempt's 2xx. */
export const MOVED_AFTER_DELIVERED =
  'the route changed while this attempt was out: the old destination took it (2xx), the new one gets it now';

const toDelivery = (r: Row): Delivery => ({
  id: r.id,
  inboundMessageId: r.inbound_message_id,
  destinationKind: r.destination_kind,
  destination: r.destination,
  conversationKey: r.conversation_key,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  leaseUntil: r.lease_until,
  lastAttemptAt: r.last_attempt_at,
  lastStatusCode: r.last_status_code,
  lastError: r.last_error,
  deterministicFailures: r.deterministic_failures,
  createdAt: r.created_at,
  deliveredAt: r.delivered_at,
  deadAt: r.dead_at,
  retryWindowStartedAt: r.retry_window_started_at ?? r.created_at,
  replayedAt: r.replayed_at,
  releasedAt: r.released_at,
});

/**
 * The columns a claim reads, in this order, as arrays (`.raw()`): better-sqlite3 made an object of every row read with
 * `d.*` (21 columns, the two a move keeps included), then toDelivery another: 5.5 µs a claimed row against 2.8 µs as an
 * array (bench/README.md, the twenty-first round).
 */
const CLAIM_COLUMNS = `d.id, d.inbound_message_id, d.destination_kind, d.destination, d.conversation_key, d.attempts,
  d.next_attempt_at, d.last_attempt_at, d.last_status_code, d.last_error, d.deterministic_failures, d.created_at,
  d.delivered_at, d.dead_at, d.retry_window_started_at, d.replayed_at, d.released_at`;
type ClaimRow = [
  id: number,
  inboundMessageId: number,
  destinationKind: DeliveryChannel,
  destination: string,
  conversationKey: string,
  attempts: number,
  nextAttemptAt: number,
  lastAttemptAt: number | null,
  lastStatusCode: number | null,
  lastError: string | null,
  deterministicFailures: number,
  createdAt: number,
  deliveredAt: number | null,
  deadAt: number | null,
  retryWindowStartedAt: number | null,
  replayedAt: number | null,
  releasedAt: number | null,
];
/** A claimed row as its lease left it (in flight until `leaseUntil`): the same object as toDelivery's, field for field. */
const claimedDelivery = (r: ClaimRow, leaseUntil: number): Delivery => ({
  id: r[0],
  inboundMessageId: r[1],
  destinationKind: r[2],
  destination: r[3],
  conversationKey: r[4],
  status: 'in_flight',
  attempts: r[5],
  nextAttemptAt: r[6],
  leaseUntil,
  lastAttemptAt: r[7],
  lastStatusCode: r[8],
  lastError: r[9],
  deterministicFailures: r[10],
  createdAt: r[11],
  deliveredAt: r[12],
  deadAt: r[13],
  retryWindowStartedAt: r[14] ?? r[11],
  replayedAt: r[15],
  releasedAt: r[16],
});

// Destinations are enumerated by skipping through the index (one seek each), and every figure is an index range or
// a seek: the cost follows the number of destinations and the backlog, not the history of delivered messages.
// The counts step through the pending and in-flight range of deliveries_destination (covering, no table read): one
// step per entry whatever the index, so the partial conversation index or a per-kind count were no faster (measured).
// The oldest pending delivery is the one with the smallest id: ids grow with insertion (a rowid is one more than
// the largest), so it is the head of the queue, found by a seek where min(created_at) read every pending row from
// the table. The two differ only when the clock stepped back between two insertions; then the head of the queue is
// what "oldest" means to the backlog alert and /healthz (test/store/repositories.test.ts pins this). min(id) is a
// seek only with every index column before it fixed: an undelivered delivery has no delivered_at, except one whose
// attempt outlived its lease and failed after a re-claim delivered it (before outcomes were tied to their claim: a
// database of then may hold some); those few are read by the range delivered_at IS NOT NULL.
// Exported for bench/backlog.ts, which prints its plan.
export const BACKLOG_SQL = `
  WITH RECURSIVE dest(kind, name) AS (
    SELECT kinds.kind, (SELECT min(destination) FROM deliveries WHERE destination_kind = kinds.kind)
    FROM (SELECT 'portsip' AS kind UNION ALL SELECT 'slack') AS kinds
    UNION ALL
    SELECT kind, (SELECT min(destination) FROM deliveries WHERE destination_kind = dest.kind AND destination > dest.name)
    FROM dest WHERE name IS NOT NULL)
  SELECT kind AS destinationKind, name AS destination,
    (SELECT count(*) FROM deliveries
      WHERE destination_kind = kind AND destination = name AND status IN ('pending', 'in_flight')) AS pending,
    (SELECT created_at FROM deliveries WHERE id = (
      SELECT min(id) FROM (
        SELECT min(id) AS id FROM deliveries
        WHERE destination_kind = kind AND destination = name AND status IN ('pending', 'in_flight') AND delivered_at IS NULL
        UNION ALL
        SELECT min(id) FROM deliveries
        WHERE destination_kind = kind AND destination = name AND status IN ('pending', 'in_flight')
          AND delivered_at IS NOT NULL))) AS oldestPendingCreatedAt,
    (SELECT count(*) FROM deliveries WHERE destination_kind = kind AND destination = name AND status = 'dead') AS dead,
    (SELECT max(delivered_at) FROM deliveries
      WHERE destination_kind = kind AND destination = name AND status = 'delivered') AS lastDeliveredAt
  FROM dest WHERE name IS NOT NULL ORDER BY kind, name`;

export function createDeliveriesRepository(
  db: Db,
  now: () => number = Date.now,
  slackQueue?: Pick<SlackQueueRepository, 'waiting'>,
): DeliveriesRepository {
  // The due heads of their conversations, read first, then leased by id (the read and the lease as one UPDATE … WHERE
  // id IN (SELECT …) cost 110 µs even when nothing was due). The limit is written into the SQL (../literalLimit.ts): with
  // a bound LIMIT, SQLite prepared the read again at every claim, 62 µs for a claim of one delivery against 10 µs (the
  // empty read that cost ~70 µs in the running process and 3 µs in isolation, in earlier profiles). One process
  // writes (the instance lease), so nothing can claim in between; the status guard keeps the lease to rows still
  // pending all the same.
  const dueHeads = literalLimit((limit) =>
    db
      .prepare<{ kind: string; now: number }, ClaimRow>(`
      SELECT ${CLAIM_COLUMNS} FROM deliveries d
      WHERE d.destination_kind = @kind AND d.status = 'pending' AND d.next_attempt_at <= @now
        AND NOT EXISTS (
          SELECT 1 FROM deliveries e
          WHERE e.destination_kind = d.destination_kind AND e.destination = d.destination
            AND e.conversation_key = d.conversation_key AND e.status IN ('pending', 'in_flight') AND e.id < d.id)
      ORDER BY d.next_attempt_at, d.id LIMIT ${limit}`)
      .raw(),
  );
  // The same read, leaving out destinations that hold their share of the slots while failing (outbox.ts): used only
  // then, so the usual claim keeps its plan.
  const dueHeadsExcluding = literalLimit((limit) =>
    db
      .prepare<{ kind: string; now: number; excluding: string }, ClaimRow>(`
      SELECT ${CLAIM_COLUMNS} FROM deliveries d
      WHERE d.destination_kind = @kind AND d.status = 'pending' AND d.next_attempt_at <= @now
        AND d.destination NOT IN (SELECT value FROM json_each(@excluding))
        AND NOT EXISTS (
          SELECT 1 FROM deliveries e
          WHERE e.destination_kind = d.destination_kind AND e.destination = d.destination
            AND e.conversation_key = d.conversation_key AND e.status IN ('pending', 'in_flight') AND e.id < d.id)
      ORDER BY d.next_attempt_at, d.id LIMIT ${limit}`)
      .raw(),
  );
  // One row at a time, in due order: an UPDATE of many rows inside an open transaction (the group commit's) keeps a
  // statement journal of every page it changes, spilled to a temporary file past 16 pages (seen with strace at
  // 500 webhooks/s); a single-row UPDATE by id needs none. The row read with the due heads is the leased one, as the
  // lease changes it (a RETURNING clause costs a temporary table per row: as much again as the read).
  // A claim starts an attempt to the destination as it is now: a move flagged for an earlier attempt (one that outlived
  // its lease, or a delivery put back) is not this one's, whose 2xx would otherwise send the SMS there a second time.
  const leaseRow = db.prepare<[number, number]>(
    "UPDATE deliveries SET status = 'in_flight', lease_until = ?, moved_in_flight = 0, attempt_destination = NULL WHERE id = ? AND status = 'pending'",
  );
  // An attempt's outcome is written only under the claim it belongs to (`@claimed`: the lease it holds): a process
  // that lost its instance lease, or an attempt that outlived its lease, must not turn back a delivery another claim
  // delivered or holds in flight (it was sent a third time). A delivery pending again (its lease ran out and the
  // sweep put it back, not claimed since) takes the late outcome: a 2xx then spares PortSIP a second copy. A column
  // compare on the row read by id: nothing more on the relay's hot path. `@guard` 0: an operator's or a test's write.
  const ofClaim = "(@guard = 0 OR status = 'pending' OR (status = 'in_flight' AND lease_until = @claimed))";
  // A 2xx of an attempt that was in flight when a route change moved the delivery came from the old destination (the
  // wrong PBX, when the change fixed a route): the new one has not got the SMS, so it is due there at once.
  // Bound by position, once per `?` (at, code, at, at, id, guard, claimed): a named binding looked up each of its five
  // names on an object, ~0.5 µs of the ~6 this UPDATE costs, once per delivered SMS (bench/README.md, the twenty-first
  // round). The same guard as ofClaim's.
  const delivered = db.prepare<[number, number | null, number, number, number, 0 | 1, number | null]>(`
    UPDATE deliveries SET status = CASE moved_in_flight WHEN 1 THEN 'pending' ELSE 'delivered' END,
      attempts = attempts + 1, last_attempt_at = ?, last_status_code = ?,
      last_error = CASE moved_in_flight WHEN 1 THEN '${MOVED_AFTER_DELIVERED}' END,
      delivered_at = CASE moved_in_flight WHEN 1 THEN NULL ELSE ? END,
      next_attempt_at = CASE moved_in_flight WHEN 1 THEN ? ELSE next_attempt_at END,
      lease_until = NULL, deterministic_failures = 0, moved_in_flight = 0, attempt_destination = NULL
    WHERE id = ? AND (? = 0 OR status = 'pending' OR (status = 'in_flight' AND lease_until = ?))`);
  // A failure of an attempt that was in flight when a route change moved the delivery belongs to the old destination:
  // the delivery is due at once (the outbox's backoff was computed from the old attempts).
  const failed = db.prepare(`
    UPDATE deliveries SET status = 'pending', attempts = attempts + @counted, last_attempt_at = @at, last_status_code = @code,
      last_error = @error, next_attempt_at = CASE moved_in_flight WHEN 1 THEN @at ELSE @next END,
      retry_after_until = CASE moved_in_flight WHEN 1 THEN NULL ELSE @asked END, moved_in_flight = 0,
      attempt_destination = NULL, lease_until = NULL, deterministic_failures = @streak WHERE id = @id AND ${ofClaim}`);
  const dead = db.prepare(`
    UPDATE deliveries SET status = 'dead', attempts = attempts + 1, last_attempt_at = @at, last_status_code = @code,
      last_error = @error, dead_at = @at, lease_until = NULL WHERE id = @id AND ${ofClaim}`);
  // Due times set by a clock later than this one (it went back): due further ahead than any delay smsops schedules,
  // or set at a moment still to come (the last attempt, the arrival or a restart later than now). A range of the due
  // index (kind, status, next_attempt_at > now), so only the pending deliveries not due yet are read.
  const dueAgain = db.prepare<{ kind: string; now: number; ahead: number }>(`
    UPDATE deliveries SET next_attempt_at = @now
    WHERE destination_kind = @kind AND status = 'pending' AND next_attempt_at > @now
      AND (next_attempt_at > @now + @ahead OR last_attempt_at > @now OR created_at > @now OR retry_window_started_at > @now)`);
  // A destination answering again: its deliveries waiting out a backoff are due now (the deliveries_destination index),
  // but not before the end of a wait it asked for (retry_after_until). Due as of their arrival, not "now", and so are
  // those whose backoff already ended: claims go in due order, and the later SMS of each conversation are due since
  // they arrived, so a first SMS due "now" (or at the end of its backoff) came after them; a drain after an outage
  // emptied conversation after conversation (a probe: 5 minutes in, 377 of 3,051 conversations done and 2,578 with
  // nothing delivered) instead of going in arrival order.
  const dueNowAt = db.prepare<{ kind: string; destination: string; now: number }>(`
    UPDATE deliveries SET next_attempt_at = MAX(MIN(@now, created_at), COALESCE(retry_after_until, 0))
    WHERE destination_kind = @kind AND destination = @destination AND status = 'pending'
      AND next_attempt_at > MAX(MIN(@now, created_at), COALESCE(retry_after_until, 0))`);
  // The destinations some of whose deliveries wait out smsops' backoff, longer than any wait they asked for: a range of
  // the due index (kind, pending, not due yet). Tried, or held by the route's Retry-After (a turn, not an attempt).
  const waitingOutBackoff = db.prepare<{ kind: string; now: number; limit: number }, { destination: string }>(`
    SELECT DISTINCT destination FROM deliveries
    WHERE destination_kind = @kind AND status = 'pending' AND next_attempt_at > @now AND last_attempt_at IS NOT NULL
      AND next_attempt_at > COALESCE(retry_after_until, 0)
    LIMIT @limit`);
  // An attempt given back unfinished keeps when (released_at): it may have reached the destination, and is sent again.
  const releaseExpired = db.prepare<[number, number]>(
    "UPDATE deliveries SET status = 'pending', lease_until = NULL, released_at = ? WHERE status = 'in_flight' AND lease_until < ?",
  );
  // A delivery claimed ahead and never sent was not attempted: no trace of the claim stays (nor of a move meanwhile).
  const releaseOne = db.prepare<[number, number | null]>(
    "UPDATE deliveries SET status = 'pending', lease_until = NULL, moved_in_flight = 0, attempt_destination = NULL WHERE id = ? AND status = 'in_flight' AND lease_until IS ?",
  );
  const releaseAll = db.prepare<[number]>(
    "UPDATE deliveries SET status = 'pending', lease_until = NULL, released_at = ? WHERE status = 'in_flight'",
  );
  const releaseAllOfKind = db.prepare<[number, string]>(
    "UPDATE deliveries SET status = 'pending', lease_until = NULL, released_at = ? WHERE destination_kind = ? AND status = 'in_flight'",
  );
  // Only the claim's own lease: a stale renewal would hand another claim's delivery to the stale one.
  const extendOne = db.prepare<[number, number, number | null]>(
    "UPDATE deliveries SET lease_until = ? WHERE id = ? AND status = 'in_flight' AND lease_until = ?",
  );
  const requeueOne = db.prepare(`
    UPDATE deliveries SET status = 'pending', next_attempt_at = ?, dead_at = NULL, lease_until = NULL, deterministic_failures = 0
    WHERE id = ? AND status IN ('dead', 'pending')`);
  const requeueAllDead = db.prepare(
    "UPDATE deliveries SET status = 'pending', next_attempt_at = ?, dead_at = NULL, deterministic_failures = 0 WHERE status = 'dead'",
  );
  const resendAll = db.prepare(`
    UPDATE deliveries SET status = 'pending', next_attempt_at = ?, dead_at = NULL, delivered_at = NULL, lease_until = NULL,
      deterministic_failures = 0
    WHERE inbound_message_id = ? AND status <> 'in_flight'`);
  // An attempt in flight goes where its delivery pointed when it was claimed: the destination then, or, once a change
  // moved it, the one kept in attempt_destination. The delivery is flagged moved only while the route in force differs
  // from that: a change and its undo during one attempt leave it unflagged, so that attempt's 2xx delivers it instead of
  // sending the same SMS there again. A flagged row without attempt_destination (moved before it was kept) stays so.
  const attemptGoesTo = 'CASE moved_in_flight WHEN 1 THEN attempt_destination ELSE destination END';
  const restartOne = db.prepare(`
    UPDATE deliveries SET destination = @destination, status = CASE status WHEN 'in_flight' THEN 'in_flight' ELSE 'pending' END,
      moved_in_flight = CASE WHEN status = 'in_flight' AND (${attemptGoesTo}) IS NOT @destination THEN 1 ELSE 0 END,
      attempt_destination = CASE WHEN status = 'in_flight' THEN ${attemptGoesTo} END,
      attempts = 0, next_attempt_at = @at, retry_window_started_at = @at, dead_at = NULL, deterministic_failures = 0,
      delivered_at = CASE WHEN @replay = 1 THEN NULL ELSE delivered_at END,
      replayed_at = CASE WHEN @replay = 1 THEN @at ELSE replayed_at END
    WHERE id = @id AND (status <> 'delivered' OR @replay = 1)`);
  // Read through the due index (kind, status): the cost follows the backlog, not the history. The statuses are the
  // due index's condition word for word (migration 042): written as IN, SQLite would not see it implies the partial
  // index's and would read every delivery stored.
  const unfinishedRows = db.prepare<[], UnfinishedDelivery>(`
    SELECT d.id, d.destination_kind AS destinationKind, d.destination, d.status, m.to_number AS toNumber
    FROM deliveries d JOIN inbound_messages m ON m.id = d.inbound_message_id
    WHERE d.destination_kind IN ('portsip', 'slack') AND (d.status = 'pending' OR d.status = 'in_flight' OR d.status = 'dead')
    ORDER BY d.id`);
  const deadRows = db.prepare<[], UnfinishedDelivery>(`
    SELECT d.id, d.destination_kind AS destinationKind, d.destination, d.status, m.to_number AS toNumber
    FROM deliveries d JOIN inbound_messages m ON m.id = d.inbound_message_id
    WHERE d.destination_kind IN ('portsip', 'slack') AND d.status = 'dead' ORDER BY d.id`);
  const deadAt = db.prepare<[string, string], { n: number }>(
    "SELECT count(*) AS n FROM deliveries WHERE destination_kind = ? AND destination = ? AND status = 'dead'",
  );
  const failingRows = db.prepare<[string, string, number], FailingDelivery>(`
    SELECT d.id, m.wavix_message_id AS wavixMessageId, m.to_number AS toNumber, d.status, d.attempts,
      d.last_attempt_at AS lastAttemptAt, d.last_status_code AS lastStatusCode, d.last_error AS lastError
    FROM deliveries d JOIN inbound_messages m ON m.id = d.inbound_message_id
    WHERE d.destination_kind = ? AND d.destination = ? AND d.status IN ('pending', 'in_flight', 'dead')
      AND d.last_error IS NOT NULL
    ORDER BY d.last_attempt_at DESC, d.id DESC LIMIT ?`);
  const inFlightRows = db.prepare<[number], InFlightDelivery>(`
    SELECT m.wavix_message_id AS wavixMessageId, d.destination_kind AS destinationKind, d.destination
    FROM deliveries d JOIN inbound_messages m ON m.id = d.inbound_message_id
    WHERE d.status = 'in_flight' ORDER BY d.id LIMIT ?`);
  const byId = db.prepare<[number], Row>('SELECT * FROM deliveries WHERE id = ?');
  // The index of the conversation (kind, destination, conversation_key, id): its earlier rows only, oldest first.
  const headOf = db.prepare<
    { kind: string; destination: string; key: string; id: number },
    Pick<Delivery, 'id' | 'status' | 'attempts'>
  >(`
    SELECT id, status, attempts FROM deliveries
    WHERE destination_kind = @kind AND destination = @destination AND conversation_key = @key AND id < @id
      AND status IN ('pending', 'in_flight')
    ORDER BY id LIMIT 1`);
  const byMessage = db.prepare<[number], Row>('SELECT * FROM deliveries WHERE inbound_message_id = ? ORDER BY id');
  const backlog = db.prepare<[], DestinationBacklog>(BACKLOG_SQL);

  const claim = (kind: 'portsip' | 'slack', limit: number, leaseMs: number, excluding?: readonly string[]) => {
    const at = now();
    const leased: Delivery[] = [];
    const leaseUntil = at + leaseMs;
    const rows =
      excluding && excluding.length > 0
        ? dueHeadsExcluding(limit).all({ kind, now: at, excluding: JSON.stringify(excluding) })
        : dueHeads(limit).all({ kind, now: at });
    for (const row of rows) {
      if (leaseRow.run(leaseUntil, row[0]).changes === 0) continue;
      // As the lease changed it, written out field by field: not spread over a row (`{ ...row, status }`), which V8 kept
      // alive through its young-generation collections (see storedMessage in ./inbound.ts).
      leased.push(claimedDelivery(row, leaseUntil));
    }
    return leased;
  };
  const excerpt = (text: string) => (text.length > LAST_ERROR_MAX_CHARS ? `${text.slice(0, LAST_ERROR_MAX_CHARS)}…` : text);

  return {
    claimDue: (kind, limit, leaseMs, excluding) => claim(kind, limit, leaseMs, excluding),
    markDelivered: (id, statusCode, claimed) => {
      const at = now();
      return delivered.run(at, statusCode, at, at, id, claimed === undefined ? 0 : 1, claimed ?? null).changes > 0;
    },
    markFailed: (id, f, claimed) =>
      failed.run({
        id,
        at: now(),
        code: f.statusCode,
        error: excerpt(f.error),
        next: f.nextAttemptAt,
        asked: f.retryAfterUntil ?? null,
        streak: f.deterministicFailures ?? 0,
        counted: f.held ? 0 : 1,
        guard: claimed === undefined ? 0 : 1,
        claimed: claimed ?? null,
      }).changes > 0,
    markDead: (id, f, claimed) =>
      dead.run({
        id,
        at: now(),
        code: f.statusCode,
        error: excerpt(f.error),
        guard: claimed === undefined ? 0 : 1,
        claimed: claimed ?? null,
      }).changes > 0,
    dueAfterClockStep: (kind, maxAheadMs) => dueAgain.run({ kind, now: now(), ahead: maxAheadMs }).changes,
    dueNowAtDestination: (kind, destination) => dueNowAt.run({ kind, destination, now: now() }).changes,
    destinationsWaitingOutBackoff: (kind, limit) =>
      waitingOutBackoff.all({ kind, now: now(), limit }).map((row) => row.destination),
    releaseLeases: (options = {}) =>
      (options.all
        ? options.kind
          ? releaseAllOfKind.run(now(), options.kind)
          : releaseAll.run(now())
        : releaseExpired.run(now(), now())
      ).changes,
    inFlight: (limit) => inFlightRows.all(limit),
    extendLeases: (claims, until) =>
      claims.length === 0
        ? 0
        : db.transaction(() => claims.reduce((n, c) => n + extendOne.run(until, c.id, c.leaseUntil).changes, 0))(),
    releaseClaimed: (claims) =>
      claims.length === 0
        ? 0
        : db.transaction(() => claims.reduce((n, c) => n + releaseOne.run(c.id, c.leaseUntil).changes, 0))(),
    requeue: (id) => requeueOne.run(now(), id).changes > 0,
    requeueDead: () => requeueAllDead.run(now()).changes,
    resendMessage: (inboundMessageId) => resendAll.run(now(), inboundMessageId).changes,
    restart: (id, destination, { replay }) => restartOne.run({ id, destination, at: now(), replay: replay ? 1 : 0 }).changes > 0,
    unfinished: () => unfinishedRows.all(),
    deadOnes: () => deadRows.all(),
    deadCount: (kind, destination) => deadAt.get(kind, destination)?.n ?? 0,
    failing: (kind, destination, limit) => failingRows.all(kind, destination, limit),
    conversationHead: (d) =>
      headOf.get({ kind: d.destinationKind, destination: d.destination, key: d.conversationKey, id: d.id }),
    get: (id) => {
      const row = byId.get(id);
      return row ? toDelivery(row) : undefined;
    },
    forMessage: (inboundMessageId) => byMessage.all(inboundMessageId).map(toDelivery),
    backlog: () => {
      const rows = backlog.all();
      const queued = slackQueue?.waiting();
      if (!queued) return rows;
      const entry: DestinationBacklog = {
        destinationKind: 'slack',
        destination: SLACK_QUEUE_DESTINATION,
        pending: queued.count,
        oldestPendingCreatedAt: queued.oldestIngestedAt,
        dead: 0,
        lastDeliveredAt: null,
      };
      return [...rows, entry];
    },
    inTransaction: (work) => db.transaction(work)(),
  };
}
