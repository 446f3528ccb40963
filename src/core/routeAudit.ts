import type { RelayRoute } from './model/relayRoute.js';
import { maskUrl } from './urls.js';

type RouteFields = Pick<RelayRoute, 'portsipUrl' | 'slackChannel'>;

/**
 * What a route change records of the route's own fields, before and after (null: none, the fallback decides): enough
 * to tell afterwards where SMS went while a wrong route was in force. URLs are masked (`maskUrl`): everyone reads
 * `/sms audit`, and a route URL may carry PortSIP's user, password and UUID.
 */
export function routeAuditParams(before: RouteFields | null, after: RouteFields): Record<string, string | null> {
  const masked = (url: string | null | undefined) => (url ? maskUrl(url) : null);
  return {
    portsipUrlBefore: masked(before?.portsipUrl),
    portsipUrl: masked(after.portsipUrl),
    slackChannelBefore: before?.slackChannel ?? null,
    slackChannel: after.slackChannel,
  };
}
