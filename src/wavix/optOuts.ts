import { z } from 'zod';
import { WavixError } from './errors.js';
import type { WavixRequester } from './http.js';
import { paginate } from './paginate.js';
import { paginationSchema, successOrNoContentSchema } from './schemas.js';

/**
 * Wavix's opt-out list: `GET|POST /v3/messages/opt-outs` (OpenAPI `OptOutItem`, `OptOutCreateRequest`, notes §5.6).
 * Only `phone_number` is relied on; the rest is read when there.
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
    /** Opts `number` out of messages from `senderId`, or from every sender when it is omitted. */
    create: async (number: string, senderId?: string): Promise<void> => {
      await request({
        operation: `opt ${number} out${senderId ? ` of messages from ${senderId}` : ' of all messages'}`,
        method: 'POST',
        path: '/v3/messages/opt-outs',
        body: { opt_out: { number, ...(senderId ? { sender_id: senderId } : {}) } },
        schema: successOrNoContentSchema,
      });
    },
  };
}

/**
 * Whether Wavix refused a send because the recipient opted out. Its messaging error 9 is titled "Unsubscribed
 * recipient", but how that refusal reaches an API caller (HTTP status, body, or a `rejected` delivery report
 * instead) is not documented, so this reads the words, and a caller must still expect a later `rejected` report.
 */
export function isOptedOutRefusal(error: unknown): boolean {
  if (!(error instanceof WavixError) || error.wavixMessage === undefined) return false;
  return /unsubscribed|opted[\s-]?out|opt[\s-]?out/i.test(error.wavixMessage);
}
