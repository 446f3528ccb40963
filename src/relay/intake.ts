import type { Result } from '../errors.js';
import type { Histogram } from '../metrics.js';
import type { RejectedWebhooksRepository } from '../store/repositories/rejectedWebhooks.js';
import type { TenDlcEventCategory } from '../wavix/tenDlc.js';
import type { WebhookRejection, WebhookRequest } from './ingest.js';

/** A Wavix webhook route as /metrics labels it: the SMS ones, and the 10DLC status ones (http/tenDlcWebhookRoutes.ts). */
export type WebhookRoute = WebhookRequest['route'] | `10dlc/${TenDlcEventCategory}`;

/**
 * What the Wavix webhook routes (http/webhookRoutes.ts, the driving adapter) call: store a request or refuse it, and
 * report how each one went.
 */
export interface RelayIntake {
  /** Where refused requests are kept (an oversized body is refused by the routes before ingest, and kept here too). */
  rejected: RejectedWebhooksRepository;
  /** Stores the request (or refuses it); the promise settles once the store committed. */
  ingest: Record<
    WebhookRequest['route'],
    (request: WebhookRequest) => Promise<Result<{ id: number; duplicate: boolean; conflict?: true }, WebhookRejection>>
  >;
  /** `conflict`: a message_id already stored with another body (the first kept; this one in rejected_webhooks). */
  onIngested?: (route: WebhookRoute, outcome: 'stored' | 'duplicate' | 'conflict' | 'rejected' | 'wrong_secret') => void;
  /** Every answer given, by HTTP status (5xx included), once the response is finished or the client went away. */
  onAnswered?: (route: WebhookRoute, status: number | 'aborted') => void;
  /**
   * The client closed the connection before its body ended: nothing stored and nobody left to answer (counted by
   * `onAnswered` as 'aborted'); Wavix sends a webhook it got no answer to again.
   */
  onBodyCut?: (route: WebhookRequest['route'], bytes: { receivedBytes: number; declaredBytes: number | null }) => void;
  /**
   * A webhook refused for what it is (400 for its body, 413, 415): `messageId` when one could be read. Never the body.
   */
  onRefused?: (
    route: WebhookRequest['route'],
    refusal: { code: WebhookRejection['code'] | 'too_large' | 'undecodable'; reason: string | null; messageId: string | null },
  ) => void;
  /**
   * Answered 503 before its body was read: the webhook bodies being read already hold the memory budget
   * (src/http/webhookBodyBudget.ts). Nothing stored; Wavix sends it again.
   */
  onBusy?: (route: WebhookRoute, bytesInUse: number) => void;
  /** A store failure that is not the request's fault (logged without the body: SMS text is personal data). */
  onStoreError?: (route: WebhookRoute, error: unknown) => void;
  latency?: Histogram;
}
