import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { wellFormed } from '../core/text.js';
import type { TenDlcReceipt, TenDlcWebhookPayload } from '../jobs/tenDlcWatch.js';
import { tenDlcWebhookPath } from '../jobs/tenDlcWebhookUrls.js';
import type { RelayIntake } from '../relay/intake.js';
import { jsonErrorWithoutContent } from '../relay/webhookIntake.js';
import type { RejectedWebhooksRepository } from '../store/repositories/rejectedWebhooks.js';
import {
  brandStatusChangedWebhookSchema,
  campaignStatusChangedWebhookSchema,
  numberStatusChangedWebhookSchema,
} from '../wavix/schemas.js';
import type { TenDlcEventCategory } from '../wavix/tenDlc.js';
import { type Route, sendJson } from './server.js';
import { createWebhookBodyBudget, type WebhookBodyBudget } from './webhookBodyBudget.js';
import { admitWebhook, answerNotStored, refusedOutcome } from './webhookRoutes.js';
import type { OnPreviousSecret, WebhookSecrets } from './webhookSecrets.js';

const SCHEMAS: Record<TenDlcEventCategory, { event: string; schema: z.ZodType<TenDlcWebhookPayload> }> = {
  brand: { event: 'BrandStatusChanged', schema: brandStatusChangedWebhookSchema },
  campaign: { event: 'CampaignStatusChanged', schema: campaignStatusChangedWebhookSchema },
  number: { event: 'NumberStatusChanged', schema: numberStatusChangedWebhookSchema },
};

export interface TenDlcWebhookRouteDeps extends WebhookSecrets {
  onPreviousSecret?: OnPreviousSecret | undefined;
  rejected: RejectedWebhooksRepository;
  /** Records the status (stored when it returns); alerting and announcing follow on their own. */
  receive: (kind: TenDlcEventCategory, payload: TenDlcWebhookPayload) => TenDlcReceipt;
  /** Counted in /metrics with the SMS webhooks (`duplicate`: a status already known). */
  onIngested?: RelayIntake['onIngested'];
  onAnswered?: RelayIntake['onAnswered'];
  onStoreError?: RelayIntake['onStoreError'];
  onBusy?: RelayIntake['onBusy'];
  /** The SMS webhooks' (one per process, ./webhookBodyBudget.ts); a budget of its own when not given. */
  bodyBudget?: WebhookBodyBudget | undefined;
}

function parse(
  category: TenDlcEventCategory,
  body: Buffer,
): { ok: true; payload: TenDlcWebhookPayload } | { ok: false; reason: string } {
  let json: unknown;
  const text = body.toString('utf8');
  try {
    // Every string made well-formed as it is read: SQLite would keep a lone surrogate (`"\ud83d"`) as bytes read back
    // as three U+FFFD, shown so in Slack (the SMS route does the same to what it stores, see relay/webhookIntake.ts).
    json = JSON.parse(text, (_key, value: unknown) => (typeof value === 'string' ? wellFormed(value) : value));
  } catch (error) {
    // Not V8's message: it quotes the body, and the reason is answered, kept and shown in `/sms relay status`.
    return { ok: false, reason: `malformed JSON: ${jsonErrorWithoutContent(text, error)}` };
  }
  const { event, schema } = SCHEMAS[category];
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, payload: parsed.data };
  const problems = parsed.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`)
    .join('; ');
  return { ok: false, reason: `not a Wavix ${event}: ${problems}` };
}

/**
 * `POST /webhooks/wavix/10dlc/{brand,campaign,number}/:secret`, the same contract as the inbound SMS webhooks: the
 * secret first (404, as if the path did not exist), then the size (413), then the body (400 with the reason, the
 * request kept in rejected_webhooks), and 200 once the status is stored. The Slack announcement does not hold up
 * Wavix's answer; a failed one is retried by the next poll.
 */
export function tenDlcWebhookRoutes(deps: TenDlcWebhookRouteDeps): Route[] {
  const budget = deps.bodyBudget ?? createWebhookBodyBudget();
  const handler =
    (category: TenDlcEventCategory) => async (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => {
      const route = `10dlc/${category}` as const;
      if (deps.onAnswered) {
        const answered = deps.onAnswered;
        res.once('close', () => answered(route, res.writableFinished ? res.statusCode : 'aborted'));
      }
      try {
        const admitted = await admitWebhook(req, res, {
          secret: deps.secret,
          previousSecrets: deps.previousSecrets,
          given: params.secret,
          route,
          rejected: deps.rejected,
          onPreviousSecret: deps.onPreviousSecret,
          budget,
        });
        if (admitted.kind === 'busy') deps.onBusy?.(route, admitted.bytesInUse);
        if (admitted.kind === 'refused') deps.onIngested?.(route, refusedOutcome(admitted.why));
        if (admitted.kind !== 'admitted') return;
        const { body, contentType } = admitted;
        const parsed = parse(category, body);
        if (!parsed.ok) {
          deps.rejected.record({ route, reason: parsed.reason, contentType, body });
          deps.onIngested?.(route, 'rejected');
          sendJson(res, 400, { error: parsed.reason });
          return;
        }
        const { change } = deps.receive(category, parsed.payload);
        deps.onIngested?.(route, change === null ? 'duplicate' : 'stored');
        sendJson(res, 200, { ok: true, changed: change !== null });
      } catch (error) {
        // As the SMS routes: a locked or full database is a 503 Wavix retries, logged at most once a minute.
        deps.onStoreError?.(route, error);
        answerNotStored(req, res, error);
      }
    };
  return [
    { method: 'POST', path: `${tenDlcWebhookPath('brand')}/:secret`, handler: handler('brand') },
    { method: 'POST', path: `${tenDlcWebhookPath('campaign')}/:secret`, handler: handler('campaign') },
    { method: 'POST', path: `${tenDlcWebhookPath('number')}/:secret`, handler: handler('number') },
  ];
}
