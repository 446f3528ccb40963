import { performChange } from '../core/access.js';
import { InputError } from '../core/inputError.js';
import { parsePhoneNumber, toWavixDigits } from '../core/phone.js';
import type { Actor, SetupServices } from '../core/services.js';
import { err, ok, type Result } from '../errors.js';
import type { DeliveriesRepository, Delivery, DestinationBacklog } from '../store/repositories/deliveries.js';
import type { InboundMessage, InboundRepository } from '../store/repositories/inbound.js';
import type { SchemaWarningSummary, SchemaWarningsRepository } from '../store/repositories/schemaWarnings.js';

/** What the operator commands need from the relay. */
export interface RelayOperationsDeps {
  deliveries: DeliveriesRepository;
  inbound: InboundRepository;
  /** Webhooks stored although they differ from Wavix's description. */
  schemaWarnings: SchemaWarningsRepository;
  /** Tells the outbox workers that something is due now. */
  wakeRelay: () => void;
  now: () => number;
}

export interface RelayStatus {
  destinations: DestinationBacklog[];
  pending: number;
  dead: number;
  oldestPendingAgeMs: number | null;
}

export function relayStatus(deps: RelayOperationsDeps): RelayStatus {
  const destinations = deps.deliveries.backlog();
  const oldest = destinations
    .map((d) => d.oldestPendingCreatedAt)
    .filter((at): at is number => at !== null)
    .reduce<number | null>((min, at) => (min === null || at < min ? at : min), null);
  return {
    destinations,
    pending: destinations.reduce((sum, d) => sum + d.pending, 0),
    dead: destinations.reduce((sum, d) => sum + d.dead, 0),
    oldestPendingAgeMs: oldest === null ? null : deps.now() - oldest,
  };
}

export const SCHEMA_WARNING_WINDOW_MS = 24 * 3_600_000;

/** Webhooks of the last 24 h that were stored and relayed although they differ from Wavix's description. */
export function recentSchemaWarnings(deps: Pick<RelayOperationsDeps, 'schemaWarnings' | 'now'>): SchemaWarningSummary {
  return deps.schemaWarnings.summarySince(deps.now() - SCHEMA_WARNING_WINDOW_MS);
}

export interface ReplayResult {
  /** `dead`, or the message replayed. */
  scope: 'dead' | InboundMessage;
  requeued: number;
}

/** Sends again every dead delivery, or every delivery of one message (by Wavix message id or smsops' number). */
export async function replayDeliveries(
  services: Pick<SetupServices, 'adminUsers' | 'directory' | 'audit'>,
  deps: RelayOperationsDeps,
  actor: Actor,
  target: string,
): Promise<Result<ReplayResult>> {
  return performChange<ReplayResult>(services, actor, { action: 'relay.replay', target }, async () => {
    if (target.toLowerCase() === 'dead') {
      const requeued = deps.deliveries.requeueDead();
      deps.wakeRelay();
      return ok({ scope: 'dead', requeued });
    }
    const message = deps.inbound.getByWavixId(target) ?? (/^\d+$/.test(target) ? deps.inbound.get(Number(target)) : undefined);
    if (!message) {
      return err(
        new InputError([
          { field: 'message', message: `No stored message has the id ${target}; \`/sms inbox\` lists recent ones.` },
        ]),
      );
    }
    const requeued = deps.deliveries.resendMessage(message.id);
    deps.wakeRelay();
    return ok({ scope: message, requeued });
  });
}

export interface InboxEntry {
  message: InboundMessage;
  deliveries: Delivery[];
}

/** The newest inbound messages, to one number or all, each with where it was delivered. */
export function recentInbox(deps: RelayOperationsDeps, number: string | undefined, limit = 10): Result<InboxEntry[]> {
  let to: string | undefined;
  if (number) {
    const parsed = parsePhoneNumber(number);
    if (!parsed.ok) return err(new InputError([{ field: 'number', message: parsed.error.userMessage }]));
    to = toWavixDigits(parsed.value.e164);
  }
  return ok(deps.inbound.recent(limit, to).map((message) => ({ message, deliveries: deps.deliveries.forMessage(message.id) })));
}
