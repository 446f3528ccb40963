import type { WavixNumber, WavixNumberUpdate } from '../core/ports/wavix.js';
import type { WavixRequester } from './http.js';
import { paginate } from './paginate.js';
import { numberListSchema, numberSchema } from './schemas.js';

export interface ListNumbersQuery {
  search?: string;
  label?: string;
  page?: number;
  per_page?: number;
}

/** The account's numbers (DIDs), as `/v1/numbers` (formerly `/v1/mydids`). */
export function numbersApi(request: WavixRequester) {
  const list = (query: ListNumbersQuery = {}) =>
    request({ operation: 'list numbers', method: 'GET', path: '/v1/numbers', query: { ...query }, schema: numberListSchema });
  return {
    list,
    /** Every number, page by page. */
    iterate: (query: Omit<ListNumbersQuery, 'page'> = {}): AsyncGenerator<WavixNumber> =>
      paginate((page) => list({ per_page: 100, ...query, page }), { operation: 'list numbers', key: (n) => String(n.id) }),
    get: (id: number): Promise<WavixNumber> =>
      request({ operation: `get number ${id}`, method: 'GET', path: `/v1/numbers/${id}`, schema: numberSchema }),
    update: (id: number, update: WavixNumberUpdate): Promise<WavixNumber> =>
      request({
        operation: `update number ${id}`,
        method: 'PATCH',
        path: `/v1/numbers/${id}`,
        body: update,
        schema: numberSchema,
      }),
    /** Activates inbound SMS. Wavix allows it on US and Canadian numbers only (422 otherwise). */
    enableInboundSms: (id: number): Promise<WavixNumber> =>
      request({
        operation: `enable inbound SMS on number ${id}`,
        method: 'PATCH',
        path: `/v1/numbers/${id}`,
        body: { sms_enabled: true },
        schema: numberSchema,
      }),
  };
}
