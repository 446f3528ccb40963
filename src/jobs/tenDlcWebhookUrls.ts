import type { TenDlcEventCategory } from '../wavix/tenDlc.js';

/** The path (without its secret segment) of the route receiving one category of 10DLC status changes. */
export const tenDlcWebhookPath = (category: TenDlcEventCategory) => `/webhooks/wavix/10dlc/${category}`;

/** Where Wavix must post each category of 10DLC status changes (`POST /v3/10dlc/subscriptions`). The secret is in it. */
export function tenDlcWebhookUrls(publicBaseUrl: string, secret: string): Record<TenDlcEventCategory, string> {
  const base = publicBaseUrl.replace(/\/+$/, '');
  return {
    brand: `${base}${tenDlcWebhookPath('brand')}/${secret}`,
    campaign: `${base}${tenDlcWebhookPath('campaign')}/${secret}`,
    number: `${base}${tenDlcWebhookPath('number')}/${secret}`,
  };
}
