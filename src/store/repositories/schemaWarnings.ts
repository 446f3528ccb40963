import type { Db } from '../database.js';

export const SCHEMA_WARNINGS_KEPT = 10_000;

export interface SchemaWarning {
  route: string;
  wavixMessageId: string;
  /** One line per difference from Wavix's description, e.g. `message_type null`. */
  problems: string[];
}

export interface SchemaWarningSummary {
  /** Webhooks with at least one warning since `since`. */
  webhooks: number;
  byRoute: Record<string, number>;
  /** The most frequent problems, most frequent first. */
  top: Array<{ problem: string; count: number }>;
  /** True when the table is full: older warnings of the window may have been dropped, `webhooks` is a lower bound. */
  atLeast: boolean;
}

export interface SchemaWarningsRepository {
  /** Keeps only the newest 10,000 warnings, so a stream of odd webhooks cannot fill the disk. */
  record(warning: SchemaWarning): void;
  summarySince(since: number, topLimit?: number): SchemaWarningSummary;
}

export function createSchemaWarningsRepository(
  db: Db,
  options: { now?: () => number; keep?: number } = {},
): SchemaWarningsRepository {
  const now = options.now ?? Date.now;
  const keep = options.keep ?? SCHEMA_WARNINGS_KEPT;
  const insert = db.prepare('INSERT INTO schema_warnings (received_at, route, wavix_message_id, problems) VALUES (?, ?, ?, ?)');
  const prune = db.prepare('DELETE FROM schema_warnings WHERE id <= (SELECT max(id) FROM schema_warnings) - ?');
  const byRoute = db.prepare<[number], { route: string; n: number }>(
    'SELECT route, count(*) AS n FROM schema_warnings WHERE received_at >= ? GROUP BY route',
  );
  const top = db.prepare<[number, number], { problem: string; n: number }>(`
    SELECT problem.value AS problem, count(*) AS n FROM schema_warnings, json_each(schema_warnings.problems) AS problem
    WHERE received_at >= ? GROUP BY problem.value ORDER BY n DESC, problem.value LIMIT ?`);
  const total = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM schema_warnings');
  return {
    record: (warning) => {
      insert.run(now(), warning.route, warning.wavixMessageId, JSON.stringify(warning.problems));
      prune.run(keep);
    },
    summarySince: (since, topLimit = 3) => {
      const routes = byRoute.all(since);
      const webhooks = routes.reduce((sum, r) => sum + r.n, 0);
      return {
        webhooks,
        byRoute: Object.fromEntries(routes.map((r) => [r.route, r.n])),
        top: webhooks === 0 ? [] : top.all(since, topLimit).map((r) => ({ problem: r.problem, count: r.n })),
        atLeast: webhooks > 0 && (total.get()?.n ?? 0) >= keep,
      };
    },
  };
}
