import type { WavixProfile } from '../core/ports/wavix.js';
import type { WavixRequester } from './http.js';
import { profileConfigSchema, profileSchema } from './schemas.js';

export function profileApi(request: WavixRequester) {
  return {
    get: (): Promise<WavixProfile> =>
      request({ operation: 'read the account profile', method: 'GET', path: '/v1/profile', schema: profileSchema }),
    /** Sets the account's default webhooks; a field left undefined is not changed, null clears it. */
    setDefaultWebhooks: (webhooks: { sms_relay_url?: string | null; dlr_relay_url?: string | null }): Promise<WavixProfile> =>
      request({
        operation: 'set the account default webhooks',
        method: 'PUT',
        path: '/v1/profile',
        // Wavix's update schema types these as strings and documents no way to clear one; an empty string is our
        // best guess at "no URL", not verified against the live API (the emulator treats it so).
        body: Object.fromEntries(Object.entries(webhooks).map(([k, v]) => [k, v ?? ''])),
        schema: profileSchema,
      }),
    /** The account balance in USD, as Wavix gives it (a decimal string). */
    balance: async (): Promise<string> =>
      (
        await request({
          operation: 'read the account balance',
          method: 'GET',
          path: '/v1/profile/config',
          schema: profileConfigSchema,
        })
      ).balance,
  };
}
