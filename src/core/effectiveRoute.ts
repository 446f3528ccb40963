import type { RelayRoute } from './model/relayRoute.js';

/**
 * Where a destination of a number's messages comes from: its own route, the `default` route, or the configuration
 * (PORTSIP_WEBHOOK_URL, SLACK_INBOX_CHANNEL). Each field falls back on its own: a number route naming only a channel
 * still relays to the `default` route's PortSIP URL.
 */
export type RouteSource = 'own' | 'default' | 'config';

/** One destination in force: its value and where it comes from, or null/null when nothing names one. */
export type EffectiveField = { value: string; source: RouteSource } | { value: null; source: null };

export interface EffectiveRoute {
  portsip: EffectiveField;
  slack: EffectiveField;
}

/** The configured last fallbacks: PORTSIP_WEBHOOK_URL and SLACK_INBOX_CHANNEL. */
export interface RouteDefaults {
  portsipUrl: string | null;
  inboxChannel: string | null;
}

type RouteFields = Pick<RelayRoute, 'portsipUrl' | 'slackChannel'>;

function pick(own: string | null | undefined, fallback: string | null | undefined, config: string | null): EffectiveField {
  if (own) return { value: own, source: 'own' };
  if (fallback) return { value: fallback, source: 'default' };
  if (config) return { value: config, source: 'config' };
  return { value: null, source: null };
}

/**
 * The destinations in force for a route key, field by field: the relay decides with it and every description of a
 * route shows it, so what Slack says of a route is where its messages go. `fallback` is the `default` route (for the
 * `default` route itself, pass it as `own` and nothing as `fallback`).
 */
export function effectiveRoute(
  own: RouteFields | undefined | null,
  fallback: RouteFields | undefined | null,
  defaults: RouteDefaults,
): EffectiveRoute {
  return {
    portsip: pick(own?.portsipUrl, fallback?.portsipUrl, defaults.portsipUrl),
    slack: pick(own?.slackChannel, fallback?.slackChannel, defaults.inboxChannel),
  };
}
