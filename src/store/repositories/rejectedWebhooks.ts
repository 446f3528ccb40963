import type { Db } from '../database.js';

export const REJECTED_BODY_EXCERPT_BYTES = 8 * 1024;
export const REJECTED_WEBHOOKS_KEPT = 1000;

export interface RejectedWebhook {
  id: number;
  receivedAt: number;
  route: string;
  reason: string;
  contentType: string | null;
  bodySize: number;
  bodyExcerpt: Buffer;
}

interface Row {
  id: number;
  received_at: number;
  route: string;
  reason: string;
  content_type: string | null;
  body_size: number;
  body_excerpt: Buffer;
}

/** The webhooks kept here since a moment, for `/sms relay status`. */
export interface RejectedWebhookSummary {
  webhooks: number;
  /** The most frequent route and reason pairs, most frequent first. */
  top: Array<{ route: string; reason: string; count: number }>;
  /** True when the table is full: older ones of the window may have been dropped, `webhooks` is a lower bound. */
  atLeast: boolean;
}

export interface RejectedWebhooksRepository {
  /** Keeps the first 8 KB of the body and only the newest 1,000 rejections, so a flood cannot fill the disk. */
  /** `size`: the whole body's, when `body` is only the part read before a limit (its length otherwise). */
  record(rejection: { route: string; reason: string; contentType: string | null; body: Buffer; size?: number }): void;
  recent(limit: number): RejectedWebhook[];
  count(): number;
  summarySince(since: number, topLimit?: number): RejectedWebhookSummary;
}

export function createRejectedWebhooksRepository(
  db: Db,
  options: { now?: () => number; keep?: number } = {},
): RejectedWebhooksRepository {
  const now = options.now ?? Date.now;
  const keep = options.keep ?? REJECTED_WEBHOOKS_KEPT;
  const insert = db.prepare(
    'INSERT INTO rejected_webhooks (received_at, route, reason, content_type, body_size, body_excerpt) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const prune = db.prepare('DELETE FROM rejected_webhooks WHERE id <= (SELECT max(id) FROM rejected_webhooks) - ?');
  const recent = db.prepare<[number], Row>('SELECT * FROM rejected_webhooks ORDER BY id DESC LIMIT ?');
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM rejected_webhooks');
  const since = db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM rejected_webhooks WHERE received_at >= ?');
  const top = db.prepare<[number, number], { route: string; reason: string; n: number }>(`
    SELECT route, reason, count(*) AS n FROM rejected_webhooks WHERE received_at >= ?
    GROUP BY route, reason ORDER BY n DESC, route, reason LIMIT ?`);
  const recordTx = db.transaction((rejection: Parameters<RejectedWebhooksRepository['record']>[0]) => {
    insert.run(
      now(),
      rejection.route,
      rejection.reason,
      rejection.contentType,
      rejection.size ?? rejection.body.length,
      rejection.body.subarray(0, REJECTED_BODY_EXCERPT_BYTES),
    );
    prune.run(keep);
  });
  return {
    record: (rejection) => recordTx(rejection),
    recent: (limit) =>
      recent.all(limit).map((row) => ({
        id: row.id,
        receivedAt: row.received_at,
        route: row.route,
        reason: row.reason,
        contentType: row.content_type,
        bodySize: row.body_size,
        bodyExcerpt: row.body_excerpt,
      })),
    count: () => count.get()?.n ?? 0,
    summarySince: (at, topLimit = 3) => {
      const webhooks = since.get(at)?.n ?? 0;
      return {
        webhooks,
        top: webhooks === 0 ? [] : top.all(at, topLimit).map((r) => ({ route: r.route, reason: r.reason, count: r.n })),
        atLeast: webhooks > 0 && (count.get()?.n ?? 0) >= keep,
      };
    },
  };
}
