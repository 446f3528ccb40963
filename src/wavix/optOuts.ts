import { z } from 'zod';
import { WavixError } from './errors.js';
import type { WavixRequester } from './http.js';
import { paginate } from './paginate.js';
import { paginationSchema } from './schemas.js';

/**
 * Wavix's opt-out list: `GET /v3/messages/opt-outs` (OpenAPI `OptOutItem`, notes §5.6). Only `phone_number` is relied
 * on; the rest is read when there. smsops never creates opt-outs at Wavix (a STOP is Wavix's to record), so the client
 * has no `POST`: the one it had was called by nothing and named the customer's number in its operation (a debug line,
 * an error's words).
 */
export const optOutItemSchema = z.looseObject({
  phone_number: z.string(),
  // null: the number opted out of every sender.
  sender_id: z.string().nullable().default(null),
  campaign_id: z.string().nullable().default(null),
  created_at: z.string().nullable().default(null),
});
export type WavixOptOut = z.infer<typeof optOutItemSchema>;

// `OptOutsListResponse` requires neither field; an answer without `pagination` is read as the whole list.
export const optOutListSchema = z.looseObject({ items: z.array(optOutItemSchema), pagination: paginationSchema.optional() });

export interface ListOptOutsQuery {
  sender_id?: string;
  campaign_id?: string;
  /** YYYY-MM-DD, inclusive. */
  created_after?: string;
  created_before?: string;
  page?: number;
  /** At most 100 (Wavix's limit for this call). */
  per_page?: number;
}

export function optOutsApi(request: WavixRequester) {
  const list = (query: ListOptOutsQuery = {}) =>
    request({
      operation: 'list opted-out numbers',
      method: 'GET',
      path: '/v3/messages/opt-outs',
      query: { ...query },
      schema: optOutListSchema,
    });
  return {
    list,
    /** Every opt-out matching the filters, page by page. */
    iterate: (query: Omit<ListOptOutsQuery, 'page'> = {}): AsyncGenerator<WavixOptOut> =>
      paginate((page) => list({ per_page: 100, ...query, page }), { operation: 'list opted-out numbers' }),
  };
}

const OPT_OUT_WORDS = /unsubscribed|opted[\s-]*out|opt[\s-]*out/gi;
const comparable = (text: string) => text.toLowerCase().replace(/[\s-]+/g, ' ');

/**
 * Whether Wavix refused a send because the recipient opted out, so smsops may record the opt-out itself.
 *
 * Documented: the send answers 201, or 400/403 with `{success:false, message}` (OpenAPI `ValidationErrorResponse`,
 * `ForbiddenErrorResponse`); messaging error 9 is titled "Unsubscribed recipient". Not documented (assumed): that an
 * opted-out recipient is refused synchronously with a 4xx whose `message` says so in those or similar words, rather
 * than accepted and reported `rejected` later; the emulator answers 400 "Unsubscribed recipient".
 *
 * So only a 4xx counts: a 5xx (or a 2xx with `success:false`) does not say the SMS was not sent, and a customer who
 * never sent STOP must not be recorded as opted out. And Wavix's words may quote the reply ("Message text not allowed:
 * '…Reply STOP to opt out'"): an opt-out word that is also in `sentText` may be that quote, so it is never evidence.
 * A genuine refusal of such a reply is then missed here, is still "Not sent" with Wavix's words, and the opt-out sync
 * records the opt-out from Wavix's list.
 */
export function isOptedOutRefusal(error: unknown, sentText = ''): boolean {
  if (!(error instanceof WavixError) || error.wavixMessage === undefined) return false;
  if (error.status === undefined || error.status < 400 || error.status >= 500) return false;
  const sent = comparable(sentText);
  for (const match of error.wavixMessage.matchAll(OPT_OUT_WORDS)) {
    if (!sent.includes(comparable(match[0]))) return true;
  }
  return false;
}
