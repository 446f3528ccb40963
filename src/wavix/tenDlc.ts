import type { WavixRequester } from './http.js';
import { paginate } from './paginate.js';
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
  const listBrands = (page = 1) =>
    request({
      operation: 'list 10DLC brands',
      method: 'GET',
      path: '/v3/10dlc/brands',
      query: { page, per_page: 100 },
      schema: brandListSchema,
    });
  const listCampaigns = (page = 1) =>
    request({
      operation: 'list 10DLC campaigns',
      method: 'GET',
      path: '/v3/10dlc/brands/campaigns',
      query: { page, per_page: 100 },
      schema: campaignListSchema,
    });
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
