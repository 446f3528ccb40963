import type { RelayRoute } from '../../core/model/relayRoute.js';
import type { RoutesRepository } from '../../core/ports/routes.js';
import type { Db } from '../database.js';

interface RouteRow {
  number: string;
  portsip_url: string | null;
  slack_channel: string | null;
  created_by: string;
  created_at: number;
  /** Null only on a row written by hand since migration 033 (which filled it from created_by). */
  updated_by: string | null;
  updated_at: number;
}

const toRoute = (row: RouteRow): RelayRoute => ({
  number: row.number,
  portsipUrl: row.portsip_url,
  slackChannel: row.slack_channel,
  createdBy: row.created_by,
  createdAt: row.created_at,
  updatedBy: row.updated_by ?? row.created_by,
  updatedAt: row.updated_at,
});

export function createRoutesRepository(db: Db, now: () => number = Date.now): RoutesRepository {
  const upsert = db.prepare(`
    INSERT INTO routes (number, portsip_url, slack_channel, created_by, created_at, updated_by, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (number) DO UPDATE SET portsip_url = excluded.portsip_url, slack_channel = excluded.slack_channel,
      updated_by = excluded.updated_by, updated_at = excluded.updated_at`);
  const select = db.prepare<[string], RouteRow>('SELECT * FROM routes WHERE number = ?');
  const all = db.prepare<[], RouteRow>("SELECT * FROM routes ORDER BY number = 'default' DESC, number");
  const del = db.prepare('DELETE FROM routes WHERE number = ?');

  const get = (number: string) => {
    const row = select.get(number);
    return row ? toRoute(row) : undefined;
  };
  return {
    set: ({ number, portsipUrl, slackChannel, by }) => {
      const at = now();
      upsert.run(number, portsipUrl, slackChannel, by, at, by, at);
      const route = get(number);
      if (!route) throw new Error(`route ${number} was not stored`);
      return route;
    },
    get,
    list: () => all.all().map(toRoute),
    remove: (number) => del.run(number).changes > 0,
    resolve: (e164) => get(e164) ?? get('default'),
  };
}
