import { z } from 'zod';
import { isHttpUrl } from '../../../core/urls.js';
import { type EmulatorResponse, isResponse, paginate, wavixError } from '../http.js';
import type { Router } from '../router.js';
import { INBOUND_SMS_COUNTRIES } from '../rules.js';
import type { EmulatorState, WavixNumber } from '../state.js';
import { parseBody } from './validation.js';

const url = z.string().refine(isHttpUrl);

const destination = z.strictObject({
  destination: z.string(),
  priority: z.number().int(),
  transport: z.union([z.literal(1), z.literal(4), z.literal(5)]),
  trunk_id: z.number().int().nullable().optional(),
});

// The current description types sms_relay_url as a string; older versions documented null as "remove the number's
// own routing" (notes §3.3), which PortSIP setups rely on, so null is accepted too.
const updateRequest = z.strictObject({
  sms_enabled: z.boolean().optional(),
  destinations: z.array(destination).optional(),
  sms_relay_url: url.nullable().optional(),
  call_recording_enabled: z.boolean().optional(),
  transcription_enabled: z.boolean().optional(),
  transcription_threshold: z.number().int().optional(),
  call_status_url: url.nullable().optional(),
});
type UpdateRequest = z.infer<typeof updateRequest>;

const DOC_TYPES = [
  { id: 1, name: 'proof_of_address', title: 'Proof of address' },
  { id: 2, name: 'proof_of_identity', title: 'Proof of identity' },
  { id: 3, name: 'business_registration', title: 'Business registration' },
];

/** Applies an update with Wavix's rules: inbound SMS only on US/CA numbers; an SMS URL only on SMS-enabled numbers. */
export function updateNumber(number: WavixNumber, update: UpdateRequest): EmulatorResponse | null {
  if (update.sms_enabled === true && !INBOUND_SMS_COUNTRIES.has(number.country_short_name) && !number.sms_enabled) {
    return wavixError.unprocessable('Inbound SMS can only be activated on US and CA phone numbers');
  }
  const smsEnabled = update.sms_enabled ?? number.sms_enabled;
  if (update.sms_relay_url && !smsEnabled) {
    return wavixError.unprocessable('SMS relay URL can be set only for SMS-enabled numbers');
  }
  if (update.sms_enabled !== undefined) number.sms_enabled = update.sms_enabled;
  if (update.sms_relay_url !== undefined) number.sms_relay_url = update.sms_relay_url;
  if (update.call_recording_enabled !== undefined) number.call_recording_enabled = update.call_recording_enabled;
  if (update.transcription_enabled !== undefined) number.transcription_enabled = update.transcription_enabled;
  if (update.transcription_threshold !== undefined) number.transcription_threshold = update.transcription_threshold;
  if (update.call_status_url !== undefined) number.call_status_url = update.call_status_url;
  if (update.destinations) {
    number.destination = update.destinations.map((d, i) => ({
      id: number.id * 10 + i,
      destination: d.destination,
      priority: d.priority,
      transport: d.transport,
      trunk_id: d.trunk_id ?? null,
      trunk_label: null,
      srtp: false,
    }));
  }
  return null;
}

function listNumbers(state: EmulatorState, query: URLSearchParams): EmulatorResponse {
  let items = state.numbers;
  const search = query.get('search');
  if (search) items = items.filter((n) => n.number.includes(search.replace(/\D/g, '')));
  const label = query.get('label');
  if (label) items = items.filter((n) => n.label === label);
  if (query.has('label_present')) {
    const present = query.get('label_present') === 'true';
    items = items.filter((n) => (n.label !== null) === present);
  }
  const page = paginate(items, query);
  if (isResponse(page)) return page;
  return { status: 200, body: { items: page.items, doc_types: DOC_TYPES, pagination: page.pagination } };
}

const findNumber = (state: EmulatorState, id: string | undefined) => state.numbers.find((n) => String(n.id) === id);

function patchOne(state: EmulatorState, id: string | undefined, body: unknown): EmulatorResponse {
  const number = findNumber(state, id);
  if (!number) return wavixError.notFound();
  const parsed = parseBody(updateRequest, body);
  if (!parsed.ok) return parsed.response;
  return updateNumber(number, parsed.value) ?? { status: 200, body: number };
}

export function registerNumberRoutes(router: Router): void {
  // Legacy call still used by Wavix's SDKs; the id comes in the body or, as the Ruby SDK sends it, the query.
  // Registered first: PUT /v1/mydids/:id would otherwise take "update-sms-enabled" for a number id.
  router.add('PUT', '/v1/mydids/update-sms-enabled', ({ state, body, query }) => {
    const parsed = parseBody(z.object({ id: z.coerce.number().int().optional(), sms_enabled: z.boolean() }), body);
    if (!parsed.ok) return parsed.response;
    const id = parsed.value.id ?? Number(query.get('id'));
    const number = findNumber(state, String(id));
    if (!number) return wavixError.notFound();
    return updateNumber(number, { sms_enabled: parsed.value.sms_enabled }) ?? { status: 200, body: { success: true } };
  });
  for (const base of ['/v1/numbers', '/v1/mydids']) {
    router.add('GET', base, ({ state, query }) => listNumbers(state, query));
    router.add('GET', `${base}/:id`, ({ state, params }) => {
      const number = findNumber(state, params.id);
      return number ? { status: 200, body: number } : wavixError.notFound();
    });
  }
  router.add('PATCH', '/v1/numbers/:id', ({ state, params, body }) => patchOne(state, params.id, body));
  router.add('PUT', '/v1/mydids/:id', ({ state, params, body }) => patchOne(state, params.id, body));

  router.add('PATCH', '/v1/numbers', ({ state, body }) => {
    const parsed = parseBody(updateRequest.extend({ ids: z.array(z.number().int()).min(1) }), body);
    if (!parsed.ok) return parsed.response;
    const { ids, ...update } = parsed.value;
    const numbers = ids.map((id) => findNumber(state, String(id)));
    if (numbers.some((n) => !n)) return wavixError.notFound();
    for (const number of numbers as WavixNumber[]) {
      const refusal = updateNumber(number, update);
      if (refusal) return refusal;
    }
    return { status: 200, body: { items: numbers } };
  });
}
