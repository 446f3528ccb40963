import { z } from 'zod';
import type { WavixRequester } from './http.js';
import { type Page, paginate } from './paginate.js';
import {
  brandListSchema,
  brandSchema,
  campaignListSchema,
  campaignSchema,
  type WavixBrand,
  type WavixCampaign,
} from './schemas.js';

export const TEN_DLC_EVENT_CATEGORIES = ['brand', 'campaign', 'number'] as const;
export type TenDlcEventCategory = (typeof TEN_DLC_EVENT_CATEGORIES)[number];

/** Where Wavix posts one category of 10DLC status-change events (one URL per category). */
const subscriptionSchema = z.looseObject({ subscription_category: z.string(), url: z.string() });
export type TenDlcSubscription = z.infer<typeof subscriptionSchema>;
// The OAS answers the listing with a bare array; a wrapped `{items}` (Wavix's usual list shape) is accepted too.
const subscriptionListSchema = z.union([
  z.array(subscriptionSchema),
  z.looseObject({ items: z.array(subscriptionSchema) }).transform((list) => list.items),
]);

/**
 * US 10DLC brands and campaigns (read only; they gate US messaging from long-code numbers), and the event
 * subscriptions through which Wavix reports their status changes. The subscription URL holds smsops' webhook secret:
 * it goes in the request body only, which the requester never logs.
 */
export function tenDlcApi(request: WavixRequester) {
  // Both listings page the same way; 100 a page keeps a large account to a few requests.
  const lister =
    <T>(operation: string, path: string, schema: z.ZodType<Page<T>>) =>
    (page: number) =>
      request({ operation, method: 'GET', path, query: { page, per_page: 100 }, schema });
  const listBrands = lister('list 10DLC brands', '/v3/10dlc/brands', brandListSchema);
  const listCampaigns = lister('list 10DLC campaigns', '/v3/10dlc/brands/campaigns', campaignListSchema);
  return {
    brands: (): AsyncGenerator<WavixBrand> => paginate(listBrands, { operation: 'list 10DLC brands' }),
    brand: (brandId: string): Promise<WavixBrand> =>
      request({
        operation: `get 10DLC brand ${brandId}`,
        method: 'GET',
        path: `/v3/10dlc/brands/${encodeURIComponent(brandId)}`,
        schema: brandSchema,
      }),
    campaigns: (): AsyncGenerator<WavixCampaign> => paginate(listCampaigns, { operation: 'list 10DLC campaigns' }),
    campaign: (brandId: string, campaignId: string): Promise<WavixCampaign> =>
      request({
        operation: `get 10DLC campaign ${campaignId}`,
        method: 'GET',
        path: `/v3/10dlc/brands/${encodeURIComponent(brandId)}/campaigns/${encodeURIComponent(campaignId)}`,
        schema: campaignSchema,
      }),
    subscriptions: {
      list: (): Promise<TenDlcSubscription[]> =>
        request({
          operation: 'list 10DLC event subscriptions',
          method: 'GET',
          path: '/v3/10dlc/subscriptions',
          schema: subscriptionListSchema,
        }),
      create: (category: TenDlcEventCategory, url: string): Promise<TenDlcSubscription> =>
        request({
          operation: `subscribe to 10DLC ${category} events`,
          method: 'POST',
          path: '/v3/10dlc/subscriptions',
          body: { subscription_category: category, url },
          schema: subscriptionSchema,
        }),
    },
  };
}
