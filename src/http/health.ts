import type { Db } from '../store/database.js';
import { type Route, sendJson } from './server.js';

/** GET /healthz: liveness plus a real query against the database, so a broken disk shows as 503. */
export function healthRoute(db: Db): Route {
  const probe = db.prepare('SELECT count(*) AS n FROM schema_migrations');
  return {
    method: 'GET',
    path: '/healthz',
    handler: (_req, res) => {
      try {
        const { n } = probe.get() as { n: number };
        sendJson(res, 200, { status: 'ok', db: 'ok', migrations: n });
      } catch (error) {
        sendJson(res, 503, { status: 'failing', db: error instanceof Error ? error.message : String(error) });
      }
    },
  };
}
