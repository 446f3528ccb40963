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

export interface RejectedWebhooksRepository {
  /** Keeps the first 8 KB of the body and only the newest 1,000 rejections, so a flood cannot fill the disk. */
  /** `size`: the whole body's, when `body` is only the part read before a limit (its length otherwise). */
  record(rejection: { route: string; reason: string; contentType: string | null; body: Buffer; size?: number }): void;
  recent(limit: number): RejectedWebhook[];
  count(): number;
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
  };
}
