import { type RoutesOverview, routeInForce } from './routes.js';

/**
 * The route keys whose inbound SMS are posted in `channel` now, by the relay's own rule (`default`: every number
 * without a route of its own), `default` first: what a channel just shared with another organisation will show them.
 */
export function routeKeysPostingIn(overview: RoutesOverview, channel: string): string[] {
  const keys = ['default', ...overview.routes.map((r) => r.number).filter((number) => number !== 'default')];
  return keys.filter((key) => routeInForce(overview, key).slack.value === channel);
}
