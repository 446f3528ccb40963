import { effectiveRoute } from '../core/effectiveRoute.js';
import type { Delivery, DeliveryChannel } from '../core/model/delivery.js';
import type { DeliveryTarget, InboundMessage } from '../core/model/inboundMessage.js';
import { classifyConsentKeyword } from '../core/model/optOutKeywords.js';
import { recordConsentKeyword } from '../core/optOutConsent.js';
import type { AuditRepository } from '../core/ports/audit.js';
import type { ConversationRepliesRepository, ConversationReply } from '../core/ports/conversationReplies.js';
import type { DeliveryReportsRepository } from '../core/ports/deliveryReports.js';
import type { InboundRepository } from '../core/ports/inbound.js';
import type { OptOutsRepository } from '../core/ports/optOuts.js';
import type { ReplyReportChecksRepository } from '../core/ports/replyReportChecks.js';
import type { RoutesRepository } from '../core/ports/routes.js';
import { applyReplyDeliveryReport, takeReplyDeliveryReport } from '../core/replyDelivery.js';
import { err, ok, type Result } from '../errors.js';
import type { RejectedWebhooksRepository } from '../store/repositories/rejectedWebhooks.js';
import type { SchemaWarningsRepository } from '../store/repositories/schemaWarnings.js';
import { type Intake, readDeliveryReport, readInboundMessage, WebhookRejection } from './webhookIntake.js';

export { WebhookRejection };

export interface IngestDeps {
  inbound: InboundRepository;
  deliveryReports: DeliveryReportsRepository;
  rejected: RejectedWebhooksRepository;
  /** Webhooks stored although they differ from Wavix's description. */
  schemaWarnings: SchemaWarningsRepository;
  routes: RoutesRepository;
  /** PORTSIP_WEBHOOK_URL: where messages go when no route names a PortSIP URL. */
  defaultPortsipUrl: string | null;
  /** SLACK_INBOX_CHANNEL: where messages are posted when no route names a channel. */
  inboxChannel: string | null;
  now: () => number;
  /**
   * The relay taking a new delivery as it is stored, when it heads its conversation and the relay has room (see
   * InboundRepository.insertWithDeliveries): the end of its lease, or null to store it pending.
   */
  leaseNewHead?: (kind: DeliveryChannel, isHead: () => boolean, destination: string) => number | null;
  /**
   * Conversations: STOP/START received inbound are recorded as opt-outs, and delivery reports of replies sent from
   * Slack update those replies. Both are extras of a webhook that is stored anyway: each runs in its own savepoint,
   * and a failure is told to `onExtraFailed` and rolled back alone, never costing the message or the report.
   */
  conversations?: {
    optOuts: OptOutsRepository;
    replies: ConversationRepliesRepository;
    /** Where a reply of unknown outcome that a delivery report proves sent is audited so. */
    audit?: Pick<AuditRepository, 'record'>;
    /**
     * Where a report that would change a reply past undoing waits for Wavix's confirmation (core/replyDelivery.ts);
     * without it, every report is applied as it comes (unit tests of the intake alone).
     */
    checks?: Pick<ReplyReportChecksRepository, 'hold'>;
    /** Runs `work` in a savepoint of the webhook's transaction (a nested store transaction). */
    savepoint<T>(work: () => T): T;
    onExtraFailed(what: 'consent' | 'reply_status', error: unknown): void;
  };
}

export interface WebhookRequest {
  route: 'inbound' | 'dlr';
  body: Buffer;
  contentType: string | null;
  /**
   * Taken under a secret of WEBHOOK_SECRET_PREVIOUS_DLR, which may post delivery reports only: an SMS there is refused,
   * not taken as an SMS posted to the wrong URL.
   */
  reportsOnly?: true;
}

function reject<T>(deps: IngestDeps, request: WebhookRequest, rejection: WebhookRejection): Result<T, WebhookRejection> {
  deps.rejected.record({ route: request.route, reason: rejection.reason, contentType: request.contentType, body: request.body });
  return err(rejection);
}

/** The rejected_webhooks reason of a repeated message_id whose body differs from the one stored. */
export const CONFLICTING_REPEAT_REASON = 'message_id already stored with a different body';

/** Where a message to `to` goes: field by field, the number's route, then the `default` route, then the configured defaults. */
export function deliveryTargets(
  deps: Pick<IngestDeps, 'routes' | 'defaultPortsipUrl' | 'inboxChannel'>,
  toE164: string,
): DeliveryTarget[] {
  const { portsip, slack } = effectiveRoute(deps.routes.get(toE164), deps.routes.get('default'), {
    portsipUrl: deps.defaultPortsipUrl,
    inboxChannel: deps.inboxChannel,
  });
  const targets: DeliveryTarget[] = [];
  if (portsip.value) targets.push({ kind: 'portsip', destination: portsip.value });
  if (slack.value) targets.push({ kind: 'slack', destination: slack.value });
  return targets;
}

/**
 * The deliveries stored with a message: its PortSIP one. Its Slack one is given its row when the Slack leg has room
 * for it (SlackQueueRepository, the route in force then deciding the channel): Slack's pace cannot follow a flood, and
 * a row per message cost each webhook five b-tree inserts (a relay 17-23 % faster without them, bench/README.md).
 */
const storedTargets = (deps: Pick<IngestDeps, 'routes' | 'defaultPortsipUrl' | 'inboxChannel'>, toE164: string) =>
  deliveryTargets(deps, toE164).filter((t) => t.kind === 'portsip');

/** The Slack channel a message to `to` (digits as Wavix sent them) is posted in now, or null for none. */
export function slackChannelOf(
  deps: Pick<IngestDeps, 'routes' | 'defaultPortsipUrl' | 'inboxChannel'>,
  to: string,
): string | null {
  return deliveryTargets(deps, `+${to}`).find((t) => t.kind === 'slack')?.destination ?? null;
}

/** What an accepted webhook became; `warnings`: how many differences from Wavix's description were recorded. */
export interface Ingested {
  id: number;
  duplicate: boolean;
  /** A duplicate whose body differs from the one stored: it is kept in rejected_webhooks, the stored one stays. */
  conflict?: true;
  warnings: number;
  /** An inbound message stored for the first time, as stored (handed to the relay workers once committed). */
  stored?: InboundMessage;
  /** Its deliveries the relay took as they were stored (handed to it once committed, never before). */
  leased?: Delivery[];
  /** A reply sent from Slack whose status this delivery report changed (told to Slack once committed). */
  reply?: ConversationReply;
  /** A delivery report that came to the inbound SMS webhook, taken as a delivery report. */
  misrouted?: true;
  /**
   * A delivery report of a reply held until Wavix confirms it (`held`: the check starts once committed), or not held
   * because its reply has too many waiting already (`too_many`).
   */
  replyReport?: 'held' | 'too_many';
}

/** An extra of a webhook in its own savepoint: its failure is reported and rolled back, the webhook is still stored. */
function extra<T>(deps: IngestDeps, what: 'consent' | 'reply_status', work: (c: NonNullable<IngestDeps['conversations']>) => T) {
  const c = deps.conversations;
  if (!c) return undefined;
  try {
    return c.savepoint(() => work(c));
  } catch (error) {
    c.onExtraFailed(what, error);
    return undefined;
  }
}

/** Reads the body; a refusal is recorded in rejected_webhooks and returned (HTTP 400 with the reason). */
function read<T>(deps: IngestDeps, request: WebhookRequest, intake: Intake<T>): Intake<T> {
  return intake.ok ? intake : reject(deps, request, intake.error);
}

/** Records the warnings of a webhook stored for the first time (a retry of it would only repeat them). */
function warn(deps: IngestDeps, request: WebhookRequest, messageId: string, stored: { duplicate: boolean }, warnings: string[]) {
  if (warnings.length === 0 || stored.duplicate) return 0;
  deps.schemaWarnings.record({ route: request.route, wavixMessageId: messageId, problems: warnings });
  return warnings.length;
}

/**
 * Stores an inbound SMS/MMS exactly as Wavix posted it (raw bytes and content type) with its deliveries, in one
 * transaction, before the webhook is acknowledged. A message id seen before is acknowledged and not relayed again
 * (with another body, that body is kept in rejected_webhooks).
 * Only a body without a usable message_id or to is refused (a sender withheld is stored as ''); any other difference from Wavix's description is
 * stored, relayed unchanged and recorded as a schema warning.
 */
export function ingestInboundMessage(deps: IngestDeps, request: WebhookRequest): Result<Ingested, WebhookRejection> {
  const intake = readInboundMessage(request.body);
  // A delivery report Wavix posted to the inbound URL: taken as the report it is, and said (`misrouted`).
  if (!intake.ok && intake.error.code === 'delivery_report') {
    const report = ingestDeliveryReport(deps, { ...request, route: 'dlr' });
    return report.ok ? ok({ ...report.value, misrouted: true }) : report;
  }
  const parsed = read(deps, request, intake);
  if (!parsed.ok) return parsed;
  const { fields: message, warnings } = parsed.value;
  const stored = deps.inbound.insertWithDeliveries(
    {
      wavixMessageId: message.messageId,
      fromNumber: message.from,
      toNumber: message.to,
      messageType: message.messageType,
      text: message.text,
      media: message.media,
      receivedAtText: message.receivedAtText,
      // received_at missing or not a date-time: smsops' own clock is the best account of when it arrived.
      receivedAt: message.receivedAt ?? deps.now(),
      contentType: request.contentType ?? 'application/json',
      rawBody: request.body,
    },
    storedTargets(deps, `+${message.to}`),
    deps.leaseNewHead ? { leaseNewHead: deps.leaseNewHead } : undefined,
  );
  // A message id reused with another body (not a retry, which is the same bytes): the first stays the message smsops
  // relays, and this one is kept where refused webhooks are, so it is not dropped without a trace. Compared only on a
  // repeat, inside the same statement that found it.
  if (stored.conflict) {
    deps.rejected.record({
      route: request.route,
      reason: CONFLICTING_REPEAT_REASON,
      contentType: request.contentType,
      body: request.body,
    });
  }
  // A STOP is relayed like any other SMS (PortSIP gets the bytes Wavix posted); it is also remembered as an opt-out.
  // Most texts are no keyword: they skip the savepoint (two statements per message) the extra would open.
  // A STOP from no sender opts nobody out.
  // Dated when the person sent it (Wavix's received_at), not when Wavix's post reached smsops: a START posted after a
  // later STOP (Wavix retrying it once smsops was back, or out of order) lifted that STOP, and replies from Slack went
  // to a customer whose last word was STOP (a probe). Never later than now: a received_at in the future would date a
  // STOP past every START to come.
  if (!stored.duplicate && message.from !== '' && classifyConsentKeyword(message.text).kind !== 'none') {
    const now = deps.now();
    const at = Math.min(message.receivedAt ?? now, now);
    extra(deps, 'consent', (c) =>
      recordConsentKeyword(c.optOuts, { from: message.from, to: message.to, text: message.text, at }),
    );
  }
  // Written out, not spread with `warnings` added (see storedMessage in ../store/repositories/inbound.ts).
  const ingested: Ingested = {
    id: stored.id,
    duplicate: stored.duplicate,
    warnings: warn(deps, request, message.messageId, stored, warnings),
  };
  if (stored.conflict) ingested.conflict = true;
  if (stored.stored) ingested.stored = stored.stored;
  if (stored.leased) ingested.leased = stored.leased;
  return ok(ingested);
}

/**
 * Stores a delivery report, linked to the outbound message it describes; a repeat of the same report is a no-op.
 * Only message_id and status are required; a status Wavix does not document is kept as sent (and warned).
 */
export function ingestDeliveryReport(deps: IngestDeps, request: WebhookRequest): Result<Ingested, WebhookRejection> {
  const intake = readDeliveryReport(request.body);
  // An SMS Wavix posted to the DLR URL: not kept as refused, since the relay takes it as the SMS it is.
  if (!intake.ok && intake.error.code === 'inbound_message') return intake;
  const parsed = read(deps, request, intake);
  if (!parsed.ok) return parsed;
  const { fields: report, warnings } = parsed.value;
  const stored = deps.deliveryReports.recordReport({
    wavixMessageId: report.messageId,
    fromNumber: report.from,
    toNumber: report.to,
    status: report.status,
    error: report.error,
    segments: report.segments,
  });
  const fields = {
    wavixMessageId: report.messageId,
    status: report.status,
    error: report.error,
    tag: report.tag,
    segments: report.segments,
  };
  const taken = stored.duplicate
    ? undefined
    : extra(deps, 'reply_status', (c) =>
        c.checks
          ? takeReplyDeliveryReport({ replies: c.replies, checks: c.checks, audit: c.audit, now: deps.now }, fields)
          : { reply: applyReplyDeliveryReport(c.replies, fields, c.audit) },
      );
  const reply = taken?.reply;
  const held = taken?.held === 'held' || taken?.held === 'too_many' ? taken.held : undefined;
  return ok({
    id: stored.id,
    duplicate: stored.duplicate,
    warnings: warn(deps, request, report.messageId, stored, warnings),
    ...(reply ? { reply } : {}),
    ...(held ? { replyReport: held } : {}),
  });
}
