import { checkMayChange, performChange } from '../core/access.js';
import { InputError } from '../core/inputError.js';
import type { Delivery, DestinationBacklog, FailingDelivery } from '../core/model/delivery.js';
import type { InboundMessage } from '../core/model/inboundMessage.js';
import { parsePhoneNumber, toWavixDigits } from '../core/phone.js';
import type { ConversationRepliesRepository, ConversationReply } from '../core/ports/conversationReplies.js';
import type { DeliveriesRepository } from '../core/ports/deliveries.js';
import type { InboundRepository } from '../core/ports/inbound.js';
import type { Actor, SetupServices } from '../core/services.js';
import { err, ok, type Result } from '../errors.js';
import type { RejectedWebhookSummary, RejectedWebhooksRepository } from '../store/repositories/rejectedWebhooks.js';
import type { SchemaWarningSummary, SchemaWarningsRepository } from '../store/repositories/schemaWarnings.js';
import type { SlackQueueRepository } from '../store/repositories/slackQueue.js';
import {
  deliveriesFingerprint,
  outdatedReason,
  type ReplayOutdated,
  ReplayOutdatedError,
  replayQuestionExpired,
} from './replayConfirmation.js';
import { type Destination, type ReplayCount, type RoutingDeps, replayToCurrentRoute } from './retarget.js';

/** What the operator commands need from the relay. */
export interface RelayOperationsDeps {
  deliveries: DeliveriesRepository;
  inbound: InboundRepository;
  /** Replies sent from Slack threads: `/sms inbox` shows them with the inbound messages. */
  replies: Pick<ConversationRepliesRepository, 'recentKeys' | 'get'>;
  /** Webhooks stored although they differ from Wavix's description. */
  schemaWarnings: SchemaWarningsRepository;
  /** Webhooks not stored: refused, or a message_id already stored with another body. */
  rejected: Pick<RejectedWebhooksRepository, 'summarySince'>;
  /** Tells the outbox workers that something is due now. */
  wakeRelay: () => void;
  now: () => number;
  /** Messages without their Slack delivery yet (the Slack leg's queue). */
  slackQueue: Pick<SlackQueueRepository, 'isQueued'>;
  /** The routes and defaults: a replay goes to the route in force now. */
  routing: RoutingDeps;
  /** Dead-letter alerts of destinations that deliveries were moved away from (and hold no dead one any more) end. */
  forgetMovedFrom: (from: readonly Destination[]) => void;
}

/** A destination's backlog and, when some of it is failing, the latest failures with their errors. */
export interface DestinationStatus extends DestinationBacklog {
  failing: FailingDelivery[];
}

/** How many failing deliveries `/sms relay status` shows per destination. */
const FAILING_SHOWN = 3;

export interface RelayStatus {
  destinations: DestinationStatus[];
  pending: number;
  dead: number;
  oldestPendingAgeMs: number | null;
}

export function relayStatus(deps: Pick<RelayOperationsDeps, 'deliveries' | 'now'>): RelayStatus {
  const destinations = deps.deliveries.backlog().map((d) => ({
    ...d,
    failing: d.pending + d.dead > 0 ? deps.deliveries.failing(d.destinationKind, d.destination, FAILING_SHOWN) : [],
  }));
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

/** Webhooks of the last 24 h that were not stored (refused, or a stored message_id with another body). */
export function recentRejections(deps: Pick<RelayOperationsDeps, 'rejected' | 'now'>): RejectedWebhookSummary {
  return deps.rejected.summarySince(deps.now() - SCHEMA_WARNING_WINDOW_MS);
}

export type ReplayResult =
  /**
   * Queued again (to the route in force now, with a fresh retry window). `inFlight`: a message's deliveries being sent
   * at that moment, left to finish rather than started twice.
   */
  | ({ kind: 'replayed'; scope: 'dead' | InboundMessage; inFlight: number } & ReplayCount)
  /**
   * The message was delivered already: sending it again is a duplicate for its readers, so it is asked first. `seen`
   * fingerprints its deliveries as asked about and `askedAt` is when: the confirmation must give both back.
   */
  | { kind: 'confirm'; message: InboundMessage; delivered: number; seen: string; askedAt: number };

/** A "Send again" press: the fingerprint of the deliveries it was asked about, and when it was asked. */
export interface ReplayConfirmed {
  seen: string;
  askedAt?: number | undefined;
}

const findMessage = (deps: RelayOperationsDeps, target: string): InboundMessage | undefined =>
  deps.inbound.getByWavixId(target) ?? (/^\d+$/.test(target) ? deps.inbound.get(Number(target)) : undefined);

/**
 * Sends again every dead delivery, or every delivery of one message (by Wavix message id or smsops' number), to the
 * route in force now, each with a fresh retry window. A message already delivered somewhere is replayed only once
 * `confirmed`, and only if its deliveries are still as the question showed them (checked in the replay's own
 * transaction): one question sends at most once, however often or by however many people it is confirmed.
 */
export async function replayDeliveries(
  services: Pick<SetupServices, 'adminUsers' | 'directory' | 'audit'>,
  deps: RelayOperationsDeps,
  actor: Actor,
  target: string,
  options: { confirmed?: ReplayConfirmed } = {},
): Promise<Result<ReplayResult>> {
  const change = { action: 'relay.replay', target };
  // Unconfirmed, a message that still owes a destination (dead or waiting) is sent again there only: resending a dead
  // PortSIP delivery must not ask about, nor duplicate, the Slack post that went out. Only a message delivered
  // everywhere asks, and once confirmed goes to every destination again.
  let onlyUndelivered = false;
  if (target.toLowerCase() !== 'dead' && !options.confirmed) {
    const message = findMessage(deps, target);
    const deliveries = message ? deps.deliveries.forMessage(message.id) : [];
    const delivered = deliveries.filter((d) => d.status === 'delivered').length;
    onlyUndelivered = deliveries.some((d) => d.status !== 'delivered' && d.status !== 'in_flight');
    if (message && delivered > 0 && !onlyUndelivered) {
      const allowed = await checkMayChange(services, actor, change);
      if (!allowed.ok) return allowed;
      return ok({ kind: 'confirm', message, delivered, seen: deliveriesFingerprint(deliveries), askedAt: deps.now() });
    }
  }
  const params: Record<string, unknown> = {};
  return performChange<ReplayResult>(services, actor, { ...change, params }, async () => {
    type Outcome = { count: ReplayCount; inFlight: number } | { outdated: ReplayOutdated };
    const replay = (scope: 'dead' | InboundMessage): Result<ReplayResult> => {
      const outcome = deps.deliveries.inTransaction((): Outcome => {
        const routing = { deliveries: deps.deliveries, routing: deps.routing };
        if (scope === 'dead') return { count: replayToCurrentRoute(routing, deps.deliveries.deadOnes()), inFlight: 0 };
        const rows = deps.deliveries.forMessage(scope.id);
        const confirmed = options.confirmed;
        if (confirmed && replayQuestionExpired(confirmed.askedAt, deps.now())) {
          return { outdated: { kind: 'expired', askedAt: confirmed.askedAt } };
        }
        if (confirmed && deliveriesFingerprint(rows) !== confirmed.seen) {
          return { outdated: outdatedReason(services.audit, scope, rows, confirmed.askedAt) };
        }
        const chosen = rows
          // An attempt in flight is under way already; it is not started twice.
          .filter((d) => d.status !== 'in_flight' && !(onlyUndelivered && d.status === 'delivered'))
          .map((d) => ({ ...d, toNumber: scope.toNumber }));
        return { count: replayToCurrentRoute(routing, chosen), inFlight: rows.filter((d) => d.status === 'in_flight').length };
      });
      if ('outdated' in outcome) {
        params.replayed = 0;
        return err(new ReplayOutdatedError(scope === 'dead' ? scope : scope.wavixMessageId, outcome.outdated));
      }
      const { count, inFlight } = outcome;
      deps.wakeRelay();
      deps.forgetMovedFrom(count.movedFrom);
      params.replayed = count.replayed;
      if (count.moved > 0) params.movedDeliveries = count.moved;
      if (inFlight > 0) params.leftInFlight = inFlight;
      return ok<ReplayResult>({ kind: 'replayed', scope, inFlight, ...count });
    };
    if (target.toLowerCase() === 'dead') return replay('dead');
    const message = findMessage(deps, target);
    if (!message) {
      return err(
        new InputError([
          { field: 'message', message: `No stored message has the id ${target}; \`/sms inbox\` lists recent ones.` },
        ]),
      );
    }
    return replay(message);
  });
}

export type InboxEntry =
  | { direction: 'inbound'; at: number; message: InboundMessage; deliveries: Delivery[] }
  | { direction: 'reply'; at: number; reply: ConversationReply };

/** Where a page of `/sms inbox` sits among the messages listed. */
export interface InboxPage {
  /** From 1: the page shown (the last one when the page asked for is past it). */
  number: number;
  count: number;
  /** Index among all the messages listed of the page's first. */
  first: number;
  /** Messages on this page. */
  size: number;
  /** Messages listed, at most INBOX_PAGED_AT_MOST. */
  total: number;
  /** The page asked for, when there is no such page. */
  asked?: number;
  /** There are more than INBOX_PAGED_AT_MOST: the older ones are not paged. */
  beyond: boolean;
}

/** One page of messages, and whether the number asked about was one of smsops' numbers or a customer's. */
export interface RecentInbox {
  entries: InboxEntry[];
  numberIs: 'smsops' | 'customer' | undefined;
  page: InboxPage;
}

/** Messages on a page of `/sms inbox`: ten, with their texts' excerpts, fit one Slack message. */
export const INBOX_PAGE_SIZE = 10;

/**
 * How far back `/sms inbox` pages: the newest 1,000 messages, 100 pages. A page reads at most this many ids and times
 * from each table's index (which counts them too) and then only its own ten messages, so it costs the same in a store
 * of hundreds of thousands; an exact count of them all would read every row, and an OFFSET as deep skip as many.
 */
export const INBOX_PAGED_AT_MOST = 1_000;

/**
 * A page of the messages of one smsops number's conversations, of the conversations with one customer, or of all;
 * both directions, newest first: inbound SMS with where each was delivered, and the replies sent from their Slack
 * threads. A number with no messages as an smsops number is taken as a customer's.
 */
export function recentInbox(deps: RelayOperationsDeps, number: string | undefined, page = 1): Result<RecentInbox> {
  if (!number) return ok(pageOf(deps, keysOf(deps, undefined, 'smsops'), undefined, page));
  const parsed = parsePhoneNumber(number);
  if (!parsed.ok) {
    // `/sms inbox <Wavix id>` found no message before asking here: both readings are said.
    // An id smsops once held is gone after RETENTION_DAYS or a `/sms forget`: "never arrived" is not the only reading.
    const message = `${parsed.error.userMessage} Nor is it the Wavix id of a message smsops holds (\`/sms inbox\` lists their ids; a message older than the retention period, or one \`/sms forget\` removed, is no longer held).`;
    return err(new InputError([{ field: 'number', message }]));
  }
  const digits = toWavixDigits(parsed.value.e164);
  const ours = keysOf(deps, digits, 'smsops');
  if (ours.keys.length > 0) return ok(pageOf(deps, ours, 'smsops', page));
  const customers = keysOf(deps, digits, 'customer');
  return ok(pageOf(deps, customers, customers.keys.length > 0 ? 'customer' : undefined, page));
}

interface InboxKey {
  direction: 'inbound' | 'reply';
  id: number;
  at: number;
}

/** The newest INBOX_PAGED_AT_MOST messages of both directions, ids and times only, and whether there are more. */
function keysOf(deps: RelayOperationsDeps, number: string | undefined, side: 'smsops' | 'customer') {
  const most = INBOX_PAGED_AT_MOST + 1;
  const inbound = deps.inbound.recentKeys(most, number, side).map((k): InboxKey => ({ direction: 'inbound', ...k }));
  const replies = deps.replies.recentKeys(most, number, side).map((k): InboxKey => ({ direction: 'reply', ...k }));
  // At the same instant the reply is the later one: it answers what came in.
  const rank = (k: InboxKey) => (k.direction === 'reply' ? 0 : 1);
  const keys = [...inbound, ...replies].sort((a, b) => b.at - a.at || rank(a) - rank(b) || b.id - a.id);
  return { keys: keys.slice(0, INBOX_PAGED_AT_MOST), beyond: keys.length > INBOX_PAGED_AT_MOST };
}

function pageOf(
  deps: RelayOperationsDeps,
  listed: { keys: InboxKey[]; beyond: boolean },
  numberIs: RecentInbox['numberIs'],
  asked: number,
): RecentInbox {
  const count = Math.max(1, Math.ceil(listed.keys.length / INBOX_PAGE_SIZE));
  const wanted = Math.max(1, Math.floor(asked));
  const number = Math.min(wanted, count);
  const first = (number - 1) * INBOX_PAGE_SIZE;
  const entries = listed.keys.slice(first, first + INBOX_PAGE_SIZE).flatMap((key): InboxEntry[] => {
    if (key.direction === 'reply') {
      const reply = deps.replies.get(key.id);
      return reply ? [{ direction: 'reply', at: reply.createdAt, reply }] : [];
    }
    const message = deps.inbound.get(key.id);
    return message
      ? [{ direction: 'inbound', at: message.ingestedAt, message, deliveries: deps.deliveries.forMessage(message.id) }]
      : [];
  });
  return {
    entries,
    numberIs,
    page: {
      number,
      count,
      first,
      size: entries.length,
      total: listed.keys.length,
      beyond: listed.beyond,
      ...(wanted > count ? { asked: wanted } : {}),
    },
  };
}
