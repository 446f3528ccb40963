import { err, ok, type Result } from '../errors.js';
import type { Route } from '../store/repositories/routes.js';
import { performChange } from './access.js';
import { checkDestinationUrl, RefusedDestinationError } from './destinationUrls.js';
import { InputError } from './inputError.js';
import { parsePhoneNumber } from './phone.js';
import type { Actor, SetupServices } from './services.js';

export interface RouteRequest {
  /** `default` or a number as typed. */
  number: string;
  /** PortSIP's inbound SMS webhook, exactly as copied (its path may contain spaces). */
  portsipUrl: string | null;
  /** Slack channel id for the relayed messages; null = the inbox channel. */
  slackChannel: string | null;
}

function routeKey(input: string): Result<string> {
  if (input.trim().toLowerCase() === 'default') return ok('default');
  const parsed = parsePhoneNumber(input);
  return parsed.ok ? ok(parsed.value.e164) : err(new InputError([{ field: 'number', message: parsed.error.userMessage }]));
}

/** Sets where a number's (or, for `default`, every other number's) inbound messages are relayed. */
export async function setRoute(services: SetupServices, actor: Actor, request: RouteRequest): Promise<Result<Route>> {
  const key = routeKey(request.number);
  return performChange(
    services,
    actor,
    { action: 'route.set', target: key.ok ? key.value : request.number, params: { slackChannel: request.slackChannel } },
    async () => {
      if (!key.ok) return key;
      const url = request.portsipUrl?.trim() || null;
      if (url === null && request.slackChannel === null) {
        return err(new InputError([{ field: 'url', message: 'Give PortSIP’s inbound SMS webhook URL (or a channel).' }]));
      }
      if (url !== null) {
        const destination = checkDestinationUrl(url);
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
      return ok(
        services.routes.set({ number: key.value, portsipUrl: url, slackChannel: request.slackChannel, by: actor.userId }),
      );
    },
  );
}

export interface RoutesOverview {
  routes: Route[];
  /** PORTSIP_WEBHOOK_URL: used for numbers without a route when there is no `default` route. */
  fallbackPortsipUrl: string | null;
}

export function listRoutes(services: Pick<SetupServices, 'routes' | 'defaultPortsipUrl'>): RoutesOverview {
  return { routes: services.routes.list(), fallbackPortsipUrl: services.defaultPortsipUrl };
}

export async function removeRoute(services: SetupServices, actor: Actor, number: string): Promise<Result<Route>> {
  const key = routeKey(number);
  return performChange(services, actor, { action: 'route.remove', target: key.ok ? key.value : number }, async () => {
    if (!key.ok) return key;
    const existing = services.routes.get(key.value);
    if (!existing || !services.routes.remove(key.value)) {
      return err(
        new InputError([{ field: 'number', message: `There is no route for ${key.value}; \`/sms route list\` shows them.` }]),
      );
    }
    return ok(existing);
  });
}
