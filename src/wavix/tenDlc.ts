import type { z } from 'zod';
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

/** US 10DLC brands and campaigns (read only): they gate US messaging from long-code numbers. */
export function tenDlcApi(request: WavixRequester) {
  // Both listings page the same way; 100 a page keeps a large account to a few requests.
  const lister =
    <T>(operation: string, path: string, schema: z.ZodType<Page<T>>) =>
    (page: number) =>
      request({ operation, method: 'GET', path, query: { page, per_page: 100 }, schema });
  const listBrands = lister('list 10DLC brands', '/v3/10dlc/brands', brandListSchema);
  const listCampaigns = lister('list 10DLC campaigns', '/v3/10dlc/brands/campaigns', campaignListSchema);
  return {
    brands: (): AsyncGenerator<WavixBrand> => paginate(listBrands),
    brand: (brandId: string): Promise<WavixBrand> =>
      request({
        operation: `get 10DLC brand ${brandId}`,
        method: 'GET',
        path: `/v3/10dlc/brands/${encodeURIComponent(brandId)}`,
        schema: brandSchema,
      }),
    campaigns: (): AsyncGenerator<WavixCampaign> => paginate(listCampaigns),
    campaign: (brandId: string, campaignId: string): Promise<WavixCampaign> =>
      request({
        operation: `get 10DLC campaign ${campaignId}`,
        method: 'GET',
        path: `/v3/10dlc/brands/${encodeURIComponent(brandId)}/campaigns/${encodeURIComponent(campaignId)}`,
        schema: campaignSchema,
      }),
  };
}
