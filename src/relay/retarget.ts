import type { UnfinishedDelivery } from '../core/model/delivery.js';
import type { DeliveryTarget } from '../core/model/inboundMessage.js';
import type { DeliveriesRepository } from '../core/ports/deliveries.js';
import { deliveryTargets, type IngestDeps } from './ingest.js';

/** What deciding a destination needs: the same inputs ingest uses, so a move and an arrival agree. */
export type RoutingDeps = Pick<IngestDeps, 'routes' | 'defaultPortsipUrl' | 'inboxChannel'>;

export interface MoveDeps {
  deliveries: DeliveriesRepository;
  routing: RoutingDeps;
}

/** A destination deliveries were moved away from. */
export interface Destination {
  kind: 'portsip' | 'slack';
  destination: string;
}

export interface RetargetResult {
  /** Deliveries now pointed at the route in force, due now with a fresh retry window. */
  moved: number;
  /** Deliveries of the affected numbers that no route (nor PORTSIP_WEBHOOK_URL / SLACK_INBOX_CHANNEL) covers any more: left where they were. */
  unrouted: number;
  /** Where moved deliveries used to go. */
  movedFrom: Destination[];
}

/** The route key of a stored message's `to` (Wavix's digits): what ingest resolves it with. */
const routeKeyOf = (toDigits: string) => `+${toDigits.replace(/^\+/, '')}`;

/** The current destination of one kind for messages to `toDigits`, via ingest's own rule; memoised per number. */
function currentDestinations(routing: RoutingDeps) {
  const cache = new Map<string, DeliveryTarget[]>();
  return (delivery: Pick<UnfinishedDelivery, 'toNumber' | 'destinationKind'>): string | null => {
    const key = routeKeyOf(delivery.toNumber);
    let targets = cache.get(key);
    if (!targets) {
      targets = deliveryTargets(routing, key);
      cache.set(key, targets);
    }
    return targets.find((t) => t.kind === delivery.destinationKind)?.destination ?? null;
  };
}

/**
 * After a route change (`routeKey` is `default` or an E.164 number), points the deliveries still pending, in flight
 * or dead of the affected numbers at the route now in force. For `default` every number is looked at, and the
 * resolution itself leaves alone those whose own route decides. Only a delivery whose destination changes is
 * touched: it is due now, with a fresh retry window (a dead one is pending again).
 *
 * Order: the outbox keeps arrival order per destination and conversation. A number's deliveries all move to the
 * same new destination together (in-flight ones included, so they still block the later ones of their
 * conversation there), and a message arriving later goes to the new destination with a higher id: each
 * conversation stays in arrival order. Must run in the transaction that changed the route, so no message is
 * stored in between under the old route. `onlyFrom`: only the deliveries waiting for that destination (a fallback
 * changed outside smsops, ./portsipUrlChange.ts).
 */
export function retargetDeliveries(deps: MoveDeps, routeKey: string, onlyFrom?: Destination): RetargetResult {
  const destinationOf = currentDestinations(deps.routing);
  const result: RetargetResult = { moved: 0, unrouted: 0, movedFrom: [] };
  const from = new Map<string, Destination>();
  for (const delivery of deps.deliveries.unfinished()) {
    if (routeKey !== 'default' && routeKeyOf(delivery.toNumber) !== routeKey) continue;
    if (onlyFrom && (delivery.destinationKind !== onlyFrom.kind || delivery.destination !== onlyFrom.destination)) continue;
    const next = destinationOf(delivery);
    if (next === null) {
      // The old destination was right once and may be again; dropping the delivery would lose the message.
      result.unrouted += 1;
      continue;
    }
    if (next === delivery.destination) continue;
    if (deps.deliveries.restart(delivery.id, next, { replay: false })) {
      result.moved += 1;
      from.set(`${delivery.destinationKind}:${delivery.destination}`, {
        kind: delivery.destinationKind,
        destination: delivery.destination,
      });
    }
  }
  result.movedFrom = [...from.values()];
  return result;
}

export interface ReplayCount {
  replayed: number;
  /** Of those, sent to another destination than before (the route changed since). */
  moved: number;
  movedFrom: Destination[];
}

/**
 * Sends deliveries again to the route now in force (or, when no route names one any more, where they went before),
 * each with a fresh retry window and marked as an operator's replay.
 */
export function replayToCurrentRoute(
  deps: MoveDeps,
  deliveries: ReadonlyArray<Pick<UnfinishedDelivery, 'id' | 'destinationKind' | 'destination' | 'toNumber'>>,
): ReplayCount {
  const destinationOf = currentDestinations(deps.routing);
  const count: ReplayCount = { replayed: 0, moved: 0, movedFrom: [] };
  const from = new Map<string, Destination>();
  for (const delivery of deliveries) {
    const next = destinationOf(delivery) ?? delivery.destination;
    if (!deps.deliveries.restart(delivery.id, next, { replay: true })) continue;
    count.replayed += 1;
    if (next !== delivery.destination) {
      count.moved += 1;
      from.set(`${delivery.destinationKind}:${delivery.destination}`, {
        kind: delivery.destinationKind,
        destination: delivery.destination,
      });
    }
  }
  count.movedFrom = [...from.values()];
  return count;
}
