import { err, ok, type Result } from '../errors.js';
import { performChange } from './access.js';
import { checkRouteDestination } from './destinationSelf.js';
import { RefusedDestinationError } from './destinationUrls.js';
import { type EffectiveRoute, effectiveRoute } from './effectiveRoute.js';
import { InputError } from './inputError.js';
import type { RelayRoute } from './model/relayRoute.js';
import { parsePhoneNumber } from './phone.js';
import { portsipUrlProblem } from './portsipUrl.js';
import { routeAuditParams } from './routeAudit.js';
import type { Actor, RouteChangeEffect, SetupServices } from './services.js';

export interface RouteRequest {
  /** `default` or a number as typed. */
  number: string;
  /**
   * PortSIP's inbound SMS webhook, exactly as copied (its path may contain spaces); undefined keeps the route's own,
   * null clears it (the `default` route's, then PORTSIP_WEBHOOK_URL, decides).
   */
  portsipUrl: string | null | undefined;
  /**
   * Slack channel id for the relayed messages; undefined keeps the route's own, null clears it (the `default` route's,
   * then the inbox channel). A channel typed by name comes as its lookup, run only once the change is allowed: its
   * answer (no such channel, or one) would tell anyone which channels exist.
   */
  slackChannel: string | null | undefined | ChannelLookup;
}

/** Finds the id of a channel typed by name, or says in words why it cannot. */
export type ChannelLookup = () => Promise<Result<string>>;

function routeKey(input: string): Result<string> {
  if (input.trim().toLowerCase() === 'default') return ok('default');
  const parsed = parsePhoneNumber(input);
  return parsed.ok ? ok(parsed.value.e164) : err(new InputError([{ field: 'number', message: parsed.error.userMessage }]));
}

/**
 * A route change and what it did to the queued deliveries of the numbers it affects; `before` is the route it replaced
 * (null: none), `kept` the fields of it the command did not give and the route keeps.
 */
export interface RouteChange extends RouteChangeEffect<RelayRoute> {
  before?: RelayRoute | null;
  kept?: Array<'portsipUrl' | 'slackChannel'>;
}

export { portsipUrlProblem };

/** Applies a route write with its effect on queued deliveries (when the relay is wired in). */
function applyChange(services: SetupServices, routeKey: string, write: () => RelayRoute): RouteChangeEffect<RelayRoute> {
  return services.routeChanges ? services.routeChanges.apply(routeKey, write) : { value: write(), moved: 0, unrouted: 0 };
}

/**
 * Sets where a number's (or, for `default`, every other number's) inbound messages are relayed. Deliveries still
 * pending or dead for the numbers it affects are moved to the new route and sent now; the audit entry says how many.
 */
export async function setRoute(services: SetupServices, actor: Actor, request: RouteRequest): Promise<Result<RouteChange>> {
  const key = routeKey(request.number);
  // Filled in by the change itself: the audit entry is written after it ran.
  const params: Record<string, unknown> = {};
  return performChange(
    services,
    actor,
    { action: 'route.set', target: key.ok ? key.value : request.number, params },
    async () => {
      if (!key.ok) return key;
      const before = services.routes.get(key.value) ?? null;
      const kept: RouteChange['kept'] = [];
      // A field the command does not give stays as the route has it: fixing a URL must not drop the number's channel.
      let url: string | null;
      if (request.portsipUrl === undefined) {
        url = before?.portsipUrl ?? null;
        if (url !== null) kept.push('portsipUrl');
      } else {
        // Leading spaces are how it was pasted; trailing ones are refused below, never trimmed away silently.
        url = request.portsipUrl?.trimStart() || null;
      }
      const keptChannel = request.slackChannel === undefined ? (before?.slackChannel ?? null) : undefined;
      if (keptChannel) kept.push('slackChannel');
      if (url === null && (request.slackChannel === null || (request.slackChannel === undefined && !keptChannel))) {
        return err(
          new InputError([
            {
              field: 'url',
              message:
                'Give PortSIP’s inbound SMS webhook URL (or a channel); `/sms route remove` makes a number follow `default`.',
            },
          ]),
        );
      }
      const problem = url === null ? null : portsipUrlProblem(url);
      if (problem) return err(new InputError([{ field: 'url', message: `That PortSIP URL cannot be right: ${problem}` }]));
      if (url !== null) {
        const destination = checkRouteDestination(url, services.ownAddress);
        if (!destination.ok) {
          if (!(destination.error instanceof RefusedDestinationError)) {
            return err(
              new InputError([
                {
                  field: 'url',
                  message: `${destination.error.userMessage} Copy it from PortSIP: Message Channels → SMS/MMS → Copy Webhook.`,
                },
              ]),
            );
          }
          return destination;
        }
      }
      let slackChannel: string | null;
      if (typeof request.slackChannel === 'function') {
        const found = await request.slackChannel();
        if (!found.ok) return found;
        slackChannel = found.value;
      } else {
        slackChannel = keptChannel !== undefined ? keptChannel : (request.slackChannel ?? null);
      }
      const change = applyChange(services, key.value, () =>
        services.routes.set({ number: key.value, portsipUrl: url, slackChannel, by: actor.userId }),
      );
      Object.assign(params, routeAuditParams(before, { portsipUrl: url, slackChannel }));
      params.movedDeliveries = change.moved;
      if (change.unrouted > 0) params.unroutedDeliveries = change.unrouted;
      return ok({ ...change, before, kept });
    },
  );
}

export interface RoutesOverview {
  routes: RelayRoute[];
  /** PORTSIP_WEBHOOK_URL: used for numbers without a route when there is no `default` route. */
  fallbackPortsipUrl: string | null;
  /** SLACK_INBOX_CHANNEL: where messages are posted when no route names a channel (unknown: undefined). */
  inboxChannel?: string | null;
}

export function listRoutes(
  services: Pick<SetupServices, 'routes' | 'defaultPortsipUrl'>,
  inboxChannel?: string | null,
): RoutesOverview {
  return { routes: services.routes.list(), fallbackPortsipUrl: services.defaultPortsipUrl, inboxChannel };
}

/** Where the messages of a route key's numbers go now (`default`: the numbers without a route), by the relay's own rule. */
export function routeInForce(overview: RoutesOverview, key: string): EffectiveRoute {
  const own = overview.routes.find((r) => r.number === key);
  const fallback = key === 'default' ? null : overview.routes.find((r) => r.number === 'default');
  return effectiveRoute(own, fallback, { portsipUrl: overview.fallbackPortsipUrl, inboxChannel: overview.inboxChannel ?? null });
}

/** Removes a route; its numbers fall back to `default`, then PORTSIP_WEBHOOK_URL / SLACK_INBOX_CHANNEL, queued deliveries included. */
export async function removeRoute(services: SetupServices, actor: Actor, number: string): Promise<Result<RouteChange>> {
  const key = routeKey(number);
  const params: Record<string, unknown> = {};
  return performChange(services, actor, { action: 'route.remove', target: key.ok ? key.value : number, params }, async () => {
    if (!key.ok) return key;
    const existing = services.routes.get(key.value);
    if (!existing) {
      return err(
        new InputError([{ field: 'number', message: `There is no route for ${key.value}; \`/sms route list\` shows them.` }]),
      );
    }
    const change = applyChange(services, key.value, () => {
      services.routes.remove(key.value);
      return existing;
    });
    Object.assign(params, routeAuditParams(existing, { portsipUrl: null, slackChannel: null }));
    params.movedDeliveries = change.moved;
    if (change.unrouted > 0) params.unroutedDeliveries = change.unrouted;
    return ok(change);
  });
}
