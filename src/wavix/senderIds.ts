import type { CreateSenderIdRequest, WavixSenderId } from '../core/ports/wavix.js';
import type { WavixRequester } from './http.js';
import { senderIdListSchema, senderIdSchema, successOrNoContentSchema } from './schemas.js';

/** Sender IDs. Approval shows only as countries in `allowlisted_in`; Wavix has no status field (notes §2.4). */
export function senderIdsApi(request: WavixRequester) {
  return {
    create: (body: CreateSenderIdRequest): Promise<WavixSenderId> =>
      request({
        operation: `create Sender ID ${body.sender_id}`,
        method: 'POST',
        path: '/v3/messages/sender-ids',
        body,
        schema: senderIdSchema,
      }),
    /** Wavix returns every Sender ID in one answer (no pagination on this call). */
    list: async (): Promise<WavixSenderId[]> =>
      (
        await request({
          operation: 'list Sender IDs',
          method: 'GET',
          path: '/v3/messages/sender-ids',
          schema: senderIdListSchema,
        })
      ).items,
    get: (id: string): Promise<WavixSenderId> =>
      request({
        operation: `get Sender ID ${id}`,
        method: 'GET',
        path: `/v3/messages/sender-ids/${encodeURIComponent(id)}`,
        schema: senderIdSchema,
      }),
    delete: async (id: string): Promise<void> => {
      await request({
        operation: `delete Sender ID ${id}`,
        method: 'DELETE',
        path: `/v3/messages/sender-ids/${encodeURIComponent(id)}`,
        schema: successOrNoContentSchema,
      });
    },
  };
}
