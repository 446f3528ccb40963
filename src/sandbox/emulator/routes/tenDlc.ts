import { z } from 'zod';
import { type EmulatorResponse, isResponse, paginate, wavixError } from '../http.js';
import type { Router } from '../router.js';
import type { EmulatorState } from '../state.js';
import { postWebhook } from '../webhooks.js';
import { parseBody } from './validation.js';

function page(items: readonly unknown[], query: URLSearchParams): EmulatorResponse {
  const result = paginate(items, query);
  return isResponse(result) ? result : { status: 200, body: { items: result.items, pagination: result.pagination } };
}

/**
 * The brand list's documented filters: `dba_name` and `company_name` match "partial values" (case-insensitive here: the
 * description does not say), `entity_type`, `status`, `country` and `ein_taxid` whole values. `show_deleted`, `mock`
 * and `created_before`/`created_after` are not applied: the seed holds no deleted or mock brands, and nothing reads
 * brands by date.
 */
function brandMatches(brand: Record<string, unknown>, query: URLSearchParams): boolean {
  const text = (name: string) => (typeof brand[name] === 'string' ? (brand[name] as string) : '');
  for (const name of ['dba_name', 'company_name']) {
    const asked = query.get(name);
    if (asked && !text(name).toLowerCase().includes(asked.toLowerCase())) return false;
  }
  for (const name of ['entity_type', 'status', 'country', 'ein_taxid']) {
    const asked = query.get(name);
    if (asked && text(name) !== asked) return false;
  }
  return true;
}

const subscription = z.strictObject({ subscription_category: z.enum(['brand', 'campaign', 'number']), url: z.string().url() });

/** Changes a brand's or campaign's status and notifies the subscribers, as Wavix's status-change webhooks do. */
export async function changeTenDlcStatus(
  state: EmulatorState,
  target: { brandId: string; campaignId?: string },
  status: string,
): Promise<EmulatorResponse> {
  if (target.campaignId) {
    const campaign = state.campaigns.find((c) => c.campaign_id === target.campaignId && c.brand_id === target.brandId);
    if (!campaign) return wavixError.notFound();
    campaign.status = status;
    for (const s of state.subscriptions.filter((x) => x.subscription_category === 'campaign')) {
      await postWebhook(state, 'CampaignStatusChanged', s.url, {
        brand_id: campaign.brand_id,
        campaign_id: campaign.campaign_id,
        status,
      });
    }
    return { status: 200, body: campaign };
  }
  const brand = state.brands.find((b) => b.brand_id === target.brandId);
  if (!brand) return wavixError.notFound();
  brand.status = status;
  for (const s of state.subscriptions.filter((x) => x.subscription_category === 'brand')) {
    await postWebhook(state, 'BrandStatusChanged', s.url, { brand_id: brand.brand_id, status });
  }
  return { status: 200, body: brand };
}

/** A number's provisioning on a campaign changed (APPROVED, PENDING, REJECTED): NumberStatusChanged to subscribers. */
export async function changeTenDlcNumberStatus(
  state: EmulatorState,
  target: { brandId: string; campaignId: string; number: string },
  status: string,
): Promise<EmulatorResponse> {
  const campaign = state.campaigns.find((c) => c.campaign_id === target.campaignId && c.brand_id === target.brandId);
  if (!campaign) return wavixError.notFound();
  const payload = { brand_id: target.brandId, campaign_id: target.campaignId, number: target.number, status };
  for (const s of state.subscriptions.filter((x) => x.subscription_category === 'number')) {
    await postWebhook(state, 'NumberStatusChanged', s.url, payload);
  }
  return { status: 200, body: payload };
}

export function registerTenDlcRoutes(router: Router): void {
  router.add('GET', '/v3/10dlc/brands', ({ state, query }) =>
    page(
      state.brands.filter((b) => brandMatches(b, query)),
      query,
    ),
  );
  // Registered before /brands/:brand_id so that "campaigns" is not taken for a brand id.
  router.add('GET', '/v3/10dlc/brands/campaigns', ({ state, query }) =>
    page(
      state.campaigns.filter((c) => !query.get('status') || c.status === query.get('status')),
      query,
    ),
  );
  router.add('GET', '/v3/10dlc/brands/:brand_id', ({ state, params }) => {
    const brand = state.brands.find((b) => b.brand_id === params.brand_id);
    return brand ? { status: 200, body: brand } : wavixError.notFound();
  });
  router.add('GET', '/v3/10dlc/brands/:brand_id/campaigns', ({ state, params, query }) => {
    if (!state.brands.some((b) => b.brand_id === params.brand_id)) return wavixError.notFound();
    return page(
      state.campaigns.filter((c) => c.brand_id === params.brand_id),
      query,
    );
  });
  router.add('GET', '/v3/10dlc/brands/:brand_id/campaigns/:campaign_id', ({ state, params }) => {
    const campaign = state.campaigns.find((c) => c.brand_id === params.brand_id && c.campaign_id === params.campaign_id);
    return campaign ? { status: 200, body: campaign } : wavixError.notFound();
  });
  router.add('POST', '/v3/10dlc/subscriptions', ({ state, body }) => {
    const parsed = parseBody(subscription, body);
    if (!parsed.ok) return parsed.response;
    state.subscriptions = state.subscriptions.filter((s) => s.subscription_category !== parsed.value.subscription_category);
    state.subscriptions.push(parsed.value);
    return { status: 201, body: parsed.value };
  });
  router.add('GET', '/v3/10dlc/subscriptions', ({ state }) => ({ status: 200, body: state.subscriptions }));
}
