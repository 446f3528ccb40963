import type { SentMessage, WavixMessage } from '../core/ports/wavix.js';
import type { WavixRequester } from './http.js';
import { paginate } from './paginate.js';
import { messageListSchema, messageOrWrappedSchema, sentMessageSchema } from './schemas.js';

export interface SendMessageRequest {
  from: string;
  to: string;
  message_body: { text: string; media: string[] | null };
  callback_url?: string;
  validity?: number;
  tag?: string;
}

export interface ListMessagesQuery {
  type: 'inbound' | 'outbound';
  /** YYYY-MM-DD */
  sent_after?: string;
  sent_before?: string;
  from?: string;
  to?: string;
  status?: string;
  tag?: string;
  message_type?: 'sms' | 'mms';
  page?: number;
  per_page?: number;
}

export function messagesApi(request: WavixRequester) {
  const list = (query: ListMessagesQuery) =>
    request({
      operation: `list ${query.type} messages`,
      method: 'GET',
      path: '/v3/messages',
      query: { ...query },
      schema: messageListSchema,
    });
  return {
    send: (body: SendMessageRequest): Promise<SentMessage> =>
      // The operation's words reach logs and every reader of a refusal: the customer's number stays out of them.
      request({
        operation: 'send an SMS',
        method: 'POST',
        path: '/v3/messages',
        body,
        schema: sentMessageSchema,
        quotesRequest: true,
      }),
    list,
    iterate: (query: Omit<ListMessagesQuery, 'page'>): AsyncGenerator<WavixMessage> =>
      paginate((page) => list({ per_page: 100, ...query, page }), { operation: `list ${query.type} messages` }),
    get: (id: string): Promise<WavixMessage> =>
      request({
        operation: `get message ${id}`,
        method: 'GET',
        path: `/v3/messages/${encodeURIComponent(id)}`,
        schema: messageOrWrappedSchema,
      }),
  };
}
