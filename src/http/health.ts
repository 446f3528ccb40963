import type { Db } from '../store/database.js';
import { createDeliveriesRepository } from '../store/repositories/deliveries.js';
import type { MetricsRegistry } from './metrics.js';
import { type Route, sendJson } from './server.js';

/**
 * GET /healthz: liveness plus real queries against the database (a broken disk shows as 503) and the relay backlog,
 * so a load balancer or a person sees at once whether inbound SMS are piling up.
 */
export function healthRoute(db: Db, now: () => number = Date.now): Route {
  const probe = db.prepare('SELECT count(*) AS n FROM schema_migrations');
  const deliveries = createDeliveriesRepository(db, now);
  return {
    method: 'GET',
    path: '/healthz',
    handler: (_req, res) => {
      try {
        const { n } = probe.get() as { n: number };
        const backlog = deliveries.backlog();
        const pending = backlog.reduce((sum, b) => sum + b.pending, 0);
        const oldest = backlog.reduce<number | null>(
          (min, b) =>
            b.oldestPendingCreatedAt !== null && (min === null || b.oldestPendingCreatedAt < min)
              ? b.oldestPendingCreatedAt
              : min,
          null,
        );
        sendJson(res, 200, {
          status: 'ok',
          db: 'ok',
          migrations: n,
          backlog: pending,
          oldestPendingAgeSeconds: oldest === null ? null : Math.max(0, Math.round((now() - oldest) / 1000)),
          dead: backlog.reduce((sum, b) => sum + b.dead, 0),
        });
      } catch (error) {
        sendJson(res, 503, { status: 'failing', db: error instanceof Error ? error.message : String(error) });
      }
    },
  };
}

/** GET /metrics in Prometheus' text format. */
export function metricsRoute(metrics: MetricsRegistry): Route {
  return {
    method: 'GET',
    path: '/metrics',
    handler: (_req, res) => {
      const text = metrics.render();
      res.writeHead(200, {
        'content-type': 'text/plain; version=0.0.4; charset=utf-8',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    },
  };
}
