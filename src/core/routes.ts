import { err, ok, type Result } from '../errors.js';
import { performChange, performChangeAfter } from './access.js';
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
 * (null: none), `kept` the fields of it the command did not give and the route keeps, `routes` every route as the
 * change left them: all read in the change's own transaction, so its answer describes what it did, not what another
 * admin's change made of it a moment later.
 */
export interface RouteChange extends RouteChangeEffect<RelayRoute> {
  before?: RelayRoute | null;
  kept?: Array<'portsipUrl' | 'slackChannel'>;
  routes?: RelayRoute[];
}

export { portsipUrlProblem };

/** Thrown inside a route change's transaction to leave it unwritten: the refusal was decided from the route read there. */
class RouteChangeRefused extends Error {
  constructor(readonly refusal: Result<never>) {
    super('route change refused');
  }
}

interface Written {
  value: RelayRoute;
  before: RelayRoute | null;
  kept: NonNullable<RouteChange['kept']>;
  routes: RelayRoute[];
}

/**
 * Reads the route, decides the change from it and writes it in one synchronous transaction, with its effect on queued
 * deliveries (when the relay is wired in): another admin's change made while this one waited on Slack cannot fall
 * between what it read and what it wrote, so the last change wins whole, its URL and channel with its moved deliveries.
 */
function applyChange(
  services: SetupServices,
  routeKey: string,
  write: (before: RelayRoute | null) => Result<{ value: RelayRoute; kept?: Written['kept'] }>,
): Result<RouteChange & Written> {
  const run = (): Written => {
    const before = services.routes.get(routeKey) ?? null;
    const written = write(before);
    if (!written.ok) throw new RouteChangeRefused(written);
    return { value: written.value.value, before, kept: written.value.kept ?? [], routes: services.routes.list() };
  };
  try {
    const change = services.routeChanges ? services.routeChanges.apply(routeKey, run) : { value: run(), moved: 0, unrouted: 0 };
    return ok({ ...change.value, moved: change.moved, unrouted: change.unrouted });
  } catch (error) {
    if (error instanceof RouteChangeRefused) return error.refusal;
    throw error;
  }
}

/** Why smsops refuses to relay to this URL, in words; null when it may. */
function urlRefusal(services: SetupServices, url: string): Result<never> | null {
  const problem = portsipUrlProblem(url);
  if (problem) return err(new InputError([{ field: 'url', message: `That PortSIP URL cannot be right: ${problem}` }]));
  const destination = checkRouteDestination(url, services.ownAddress);
  if (destination.ok) return null;
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

const NOTHING_TO_ROUTE = new InputError([
  {
    field: 'url',
    message: 'Give PortSIP’s inbound SMS webhook URL (or a channel); `/sms route remove` makes a number follow `default`.',
  },
]);

/**
 * Sets where a number's (or, for `default`, every other number's) inbound messages are relayed. Deliveries still
 * pending or dead for the numbers it affects are moved to the new route and sent now; the audit entry says how many.
 */
export async function setRoute(services: SetupServices, actor: Actor, request: RouteRequest): Promise<Result<RouteChange>> {
  const key = routeKey(request.number);
  // Filled in by the change itself: the audit entry is written after it ran.
  const params: Record<string, unknown> = {};
  // Leading spaces are how it was pasted; trailing ones are refused, never trimmed away silently. undefined: not given.
  const givenUrl = request.portsipUrl === undefined ? undefined : request.portsipUrl?.trimStart() || null;
  return performChangeAfter(
    services,
    actor,
    { action: 'route.set', target: key.ok ? key.value : request.number, params },
    // What takes time (Slack's channel lookup) comes first: the route is read only once nothing is awaited any more.
    async (): Promise<Result<{ key: string; channel: string | null | undefined }>> => {
      if (!key.ok) return key;
      const refused = givenUrl ? urlRefusal(services, givenUrl) : null;
      if (refused) return refused;
      if (typeof request.slackChannel !== 'function') return ok({ key: key.value, channel: request.slackChannel });
      const found = await request.slackChannel();
      return found.ok ? ok({ key: key.value, channel: found.value }) : found;
    },
    async ({ key, channel }, written) => {
      // Nothing is awaited from here to the write: the entry is listed after any change written during the lookup.
      written();
      const change = applyChange(services, key, (before) => {
        // A field the command does not give stays as the route has it: fixing a URL must not drop the number's channel.
        const kept: Written['kept'] = [];
        const url = givenUrl === undefined ? (before?.portsipUrl ?? null) : givenUrl;
        if (givenUrl === undefined && url !== null) kept.push('portsipUrl');
        const slackChannel = channel === undefined ? (before?.slackChannel ?? null) : channel;
        if (channel === undefined && slackChannel !== null) kept.push('slackChannel');
        if (url === null && slackChannel === null) return err(NOTHING_TO_ROUTE);
        // A kept URL is checked as a given one: one stored before a check existed is not carried into a new change.
        const refused = givenUrl === undefined && url !== null ? urlRefusal(services, url) : null;
        if (refused) return refused;
        return ok({ value: services.routes.set({ number: key, portsipUrl: url, slackChannel, by: actor.userId }), kept });
      });
      if (!change.ok) return change;
      Object.assign(params, routeAuditParams(change.value.before, change.value.value));
      params.movedDeliveries = change.value.moved;
      if (change.value.unrouted > 0) params.unroutedDeliveries = change.value.unrouted;
      return change;
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

/** The routes as a change left them, for its answer: read in its own transaction, not after another change that followed. */
export function overviewAfter(
  services: Pick<SetupServices, 'routes' | 'defaultPortsipUrl'>,
  change: RouteChange,
  inboxChannel?: string | null,
): RoutesOverview {
  return { routes: change.routes ?? services.routes.list(), fallbackPortsipUrl: services.defaultPortsipUrl, inboxChannel };
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
    const change = applyChange(services, key.value, (existing) => {
      if (!existing) {
        return err(
          new InputError([{ field: 'number', message: `There is no route for ${key.value}; \`/sms route list\` shows them.` }]),
        );
      }
      services.routes.remove(key.value);
      return ok({ value: existing });
    });
    if (!change.ok) return change;
    Object.assign(params, routeAuditParams(change.value.before, { portsipUrl: null, slackChannel: null }));
    params.movedDeliveries = change.value.moved;
    if (change.value.unrouted > 0) params.unroutedDeliveries = change.value.unrouted;
    services.setupChanged?.();
    return change;
  });
}
