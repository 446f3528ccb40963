import type { z } from 'zod';
import { AppError, err, ok, type Result } from '../errors.js';
import type { DeliveryReportsRepository } from '../store/repositories/deliveryReports.js';
import type { DeliveryTarget, InboundRepository } from '../store/repositories/inbound.js';
import type { RejectedWebhooksRepository } from '../store/repositories/rejectedWebhooks.js';
import type { RoutesRepository } from '../store/repositories/routes.js';
import { deliveryReportWebhookSchema, inboundMessageWebhookSchema } from '../wavix/schemas.js';

/** A webhook body smsops refuses: the reason goes back to the caller (HTTP 400) and the request is kept for inspection. */
export class WebhookRejection extends AppError {
  readonly reason: string;

  constructor(reason: string) {
    super(`webhook rejected: ${reason}`, reason);
    this.name = 'WebhookRejection';
    this.reason = reason;
  }
}

export interface IngestDeps {
  inbound: InboundRepository;
  deliveryReports: DeliveryReportsRepository;
  rejected: RejectedWebhooksRepository;
  routes: RoutesRepository;
  /** PORTSIP_WEBHOOK_URL: where messages go when no route names a PortSIP URL. */
  defaultPortsipUrl: string | null;
  /** SLACK_INBOX_CHANNEL: where messages are posted when no route names a channel. */
  inboxChannel: string | null;
  now: () => number;
}

export interface WebhookRequest {
  route: 'inbound' | 'dlr';
  body: Buffer;
  contentType: string | null;
}

function parseBody<S extends z.ZodType>(schema: S, request: WebhookRequest): Result<z.infer<S>, WebhookRejection> {
  let json: unknown;
  try {
    json = JSON.parse(request.body.toString('utf8'));
  } catch (error) {
    return err(new WebhookRejection(`malformed JSON: ${error instanceof Error ? error.message : String(error)}`));
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`)
      .join('; ');
    return err(
      new WebhookRejection(`not a Wavix ${request.route === 'inbound' ? 'InboundMessage' : 'DeliveryReport'}: ${problems}`),
    );
  }
  return ok(parsed.data);
}

function reject<T>(deps: IngestDeps, request: WebhookRequest, rejection: WebhookRejection): Result<T, WebhookRejection> {
  deps.rejected.record({ route: request.route, reason: rejection.reason, contentType: request.contentType, body: request.body });
  return err(rejection);
}

/** Where a message to `to` goes: the number's route, then the `default` route, then the configured defaults. */
export function deliveryTargets(
  deps: Pick<IngestDeps, 'routes' | 'defaultPortsipUrl' | 'inboxChannel'>,
  toE164: string,
): DeliveryTarget[] {
  const own = deps.routes.get(toE164);
  const fallback = deps.routes.get('default');
  const portsip = own?.portsipUrl ?? fallback?.portsipUrl ?? deps.defaultPortsipUrl;
  const slack = own?.slackChannel ?? fallback?.slackChannel ?? deps.inboxChannel;
  const targets: DeliveryTarget[] = [];
  if (portsip) targets.push({ kind: 'portsip', destination: portsip });
  if (slack) targets.push({ kind: 'slack', destination: slack });
  return targets;
}

const parseTime = (text: string): number | null => {
  // Wavix's examples omit the zone; its schema says date-time. A time without a zone is taken as UTC.
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
  return Number.isNaN(ms) ? null : ms;
};

/**
 * Stores an inbound SMS/MMS exactly as Wavix posted it (raw bytes and content type) with its deliveries, in one
 * transaction, before the webhook is acknowledged. A message id seen before is acknowledged and not relayed again.
 */
export function ingestInboundMessage(
  deps: IngestDeps,
  request: WebhookRequest,
): Result<{ id: number; duplicate: boolean }, WebhookRejection> {
  const parsed = parseBody(inboundMessageWebhookSchema, request);
  if (!parsed.ok) return reject(deps, request, parsed.error);
  const message = parsed.value;
  const media = message.message_body.media;
  const stored = deps.inbound.insertWithDeliveries(
    {
      wavixMessageId: message.message_id,
      fromNumber: message.from,
      toNumber: message.to,
      messageType: message.message_type === 'mms' || (media && media.length > 0) ? 'mms' : 'sms',
      text: message.message_body.text ?? '',
      media,
      receivedAtText: message.received_at,
      receivedAt: parseTime(message.received_at),
      contentType: request.contentType ?? 'application/json',
      rawBody: request.body,
    },
    deliveryTargets(deps, `+${message.to.replace(/^\+/, '')}`),
  );
  return ok(stored);
}

/** Stores a delivery report, linked to the outbound message it describes; a repeat of the same report is a no-op. */
export function ingestDeliveryReport(
  deps: IngestDeps,
  request: WebhookRequest,
): Result<{ id: number; duplicate: boolean }, WebhookRejection> {
  const parsed = parseBody(deliveryReportWebhookSchema, request);
  if (!parsed.ok) return reject(deps, request, parsed.error);
  const report = parsed.value;
  const stored = deps.deliveryReports.recordReport({
    wavixMessageId: report.message_id,
    fromNumber: report.from,
    toNumber: report.to,
    status: report.status,
    error: report.error ?? null,
    segments: report.segments_count ?? null,
    rawBody: request.body,
  });
  return ok({ id: stored.id, duplicate: stored.duplicate });
}
