import { z } from 'zod';
import { isHttpUrl } from '../../../core/urls.js';
import type { Router } from '../router.js';
import type { EmulatorState } from '../state.js';
import { parseBody } from './validation.js';

const optionalUrl = z
  .string()
  .refine((value) => value === '' || isHttpUrl(value))
  .nullable()
  .optional();

const updateRequest = z.strictObject({
  additional_info: z.string().optional(),
  contacts: z.string().optional(),
  default_short_link_endpoint: z.string().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  phone: z.string().optional(),
  sms_relay_url: optionalUrl,
  dlr_relay_url: optionalUrl,
  time_zone: z.string().optional(),
  job_title: z.string().optional(),
  company_info: z.record(z.string(), z.unknown()).optional(),
});

/**
 * The profile as Wavix returns it. The inbound SMS default appears in `default_destinations` with transport "sms"
 * (documented). Which transport name carries the DLR default is not documented (notes §4); "dlr" is assumed.
 */
export function profileBody(state: EmulatorState) {
  const p = state.profile;
  const defaults = [
    ...(p.sms_relay_url ? [{ transport: 'sms', value: p.sms_relay_url }] : []),
    ...(p.dlr_relay_url ? [{ transport: 'dlr', value: p.dlr_relay_url }] : []),
  ];
  return {
    id: p.id,
    email: p.email,
    first_name: p.first_name,
    last_name: p.last_name,
    phone: p.phone,
    additional_info: p.additional_info,
    contact_email: p.contact_email,
    timezone: p.timezone,
    job_title: p.job_title,
    default_short_link_endpoint: p.default_short_link_endpoint,
    default_destinations: defaults,
    company_info: p.company_info,
  };
}

export function registerProfileRoutes(router: Router): void {
  router.add('GET', '/v1/profile', ({ state }) => ({ status: 200, body: profileBody(state) }));
  const update = ({ state, body }: { state: EmulatorState; body: unknown }) => {
    const parsed = parseBody(updateRequest, body);
    if (!parsed.ok) return { ...parsed.response, status: 422 }; // PUT /v1/profile documents 422 for validation
    const u = parsed.value;
    const p = state.profile;
    if (u.sms_relay_url !== undefined) p.sms_relay_url = u.sms_relay_url || null;
    if (u.dlr_relay_url !== undefined) p.dlr_relay_url = u.dlr_relay_url || null;
    if (u.first_name !== undefined) p.first_name = u.first_name;
    if (u.last_name !== undefined) p.last_name = u.last_name;
    if (u.phone !== undefined) p.phone = u.phone;
    if (u.additional_info !== undefined) p.additional_info = u.additional_info;
    if (u.time_zone !== undefined) p.timezone = u.time_zone;
    if (u.job_title !== undefined) p.job_title = u.job_title;
    if (u.contacts !== undefined) p.contact_email = u.contacts;
    return { status: 200, body: profileBody(state) };
  };
  router.add('PUT', '/v1/profile', update);
  router.add('PATCH', '/v1/profile', update);
  router.add('GET', '/v1/profile/config', ({ state }) => ({
    status: 200,
    body: {
      balance: state.profile.balance,
      global_limits: { max_call_duration: 3600, max_sip_channels: 8, max_call_rate: '99.0' },
    },
  }));
}
