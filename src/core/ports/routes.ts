import type { RelayRoute } from '../model/relayRoute.js';

export interface RoutesRepository {
  set(route: { number: string; portsipUrl: string | null; slackChannel: string | null; by: string }): RelayRoute;
  get(number: string): RelayRoute | undefined;
  list(): RelayRoute[];
  remove(number: string): boolean;
  /** The number's own route, else the `default` route, else undefined. */
  resolve(e164: string): RelayRoute | undefined;
}
