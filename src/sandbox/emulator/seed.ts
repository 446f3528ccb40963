import type { EmulatorClock } from './clock.js';
import type { EmulatorState, WavixNumber } from './state.js';

const number = (
  fields: Partial<WavixNumber> & Pick<WavixNumber, 'id' | 'number' | 'city' | 'country' | 'country_short_name'>,
) => ({
  id: fields.id,
  number: fields.number,
  activation_fee: '0.99',
  monthly_fee: '0.99',
  per_min: '0.01',
  city: fields.city,
  state: fields.state ?? null,
  country: fields.country,
  country_short_name: fields.country_short_name,
  destination: [
    {
      id: fields.id * 10,
      destination: `${fields.number}@pbx.example.com`,
      priority: 1,
      transport: 1,
      trunk_id: null,
      trunk_label: null,
      srtp: false,
    },
  ],
  channels: 2,
  require_docs: [],
  documents: [],
  domestic_cli: false,
  free_min: 0,
  unlimited: false,
  label: fields.label ?? null,
  status: 'active' as const,
  seconds: '0',
  added: '2026-01-15T10:00:00Z',
  paid_until: '2026-12-15',
  sms_enabled: fields.sms_enabled ?? false,
  sms_relay_url: fields.sms_relay_url ?? null,
  cnam: null,
  call_recording_enabled: false,
  transcription_enabled: false,
  transcription_threshold: 0,
  call_status_url: null,
});

/** US area codes for a PBX's DIDs: each gives the 100 numbers 555-0100…0199 reserved for fiction. */
const PBX_AREAS = [
  { code: '212', city: 'NEW YORK, NY', state: 'NY' },
  { code: '312', city: 'CHICAGO, IL', state: 'IL' },
  { code: '617', city: 'BOSTON, MA', state: 'MA' },
  { code: '718', city: 'BROOKLYN, NY', state: 'NY' },
  { code: '305', city: 'MIAMI, FL', state: 'FL' },
];
export const MAX_PBX_DIDS = PBX_AREAS.length * 100;

/**
 * `count` more US DIDs as a PBX holds them: voice-only (no SMS), routed to the PBX, most without a label, shaped like
 * every other number of `GET /v1/numbers` (which pages them, 25 by default, as Wavix does).
 */
export function pbxDids(count: number, firstId = 1000): WavixNumber[] {
  if (!Number.isInteger(count) || count < 0 || count > MAX_PBX_DIDS) {
    throw new Error(`pbxDids: count must be an integer from 0 to ${MAX_PBX_DIDS}`);
  }
  return Array.from({ length: count }, (_, i) => {
    const area = PBX_AREAS[Math.floor(i / 100)] ?? PBX_AREAS[0];
    if (!area) throw new Error('pbxDids: no area codes');
    return number({
      id: firstId + i,
      number: `1${area.code}555${String(100 + (i % 100)).padStart(4, '0')}`,
      city: area.city,
      state: area.state,
      country: 'United States',
      country_short_name: 'US',
      label: i % 10 === 0 ? `Ext ${200 + i}` : null,
    });
  });
}

/**
 * A small but varied account: US and Canadian numbers (inbound SMS possible), UK, German and Dutch ones (not), an
 * alphanumeric Sender ID already allowlisted in GB, and a 10DLC brand with a campaign under review.
 */
export function seedState(kind: 'default' | 'empty', clock: EmulatorClock, options: { pbxDids?: number } = {}): EmulatorState {
  const state: EmulatorState = {
    clock,
    numbers: [],
    senderIds: [],
    reviews: new Map(),
    messages: [],
    messageExtras: new Map(),
    optOuts: [],
    profile: {
      id: 1001,
      email: 'ops@example.com',
      first_name: 'Ops',
      last_name: 'Team',
      phone: '14155550199',
      additional_info: null,
      contact_email: 'ops@example.com',
      timezone: 'UTC',
      job_title: null,
      default_short_link_endpoint: null,
      company_info: null,
      sms_relay_url: null,
      dlr_relay_url: null,
      balance: '309.06',
    },
    brands: [],
    campaigns: [],
    subscriptions: [],
    webhookAttempts: [],
    served: [],
    failingDestinations: new Map(),
  };
  if (kind === 'empty') return state;

  state.numbers.push(
    number({
      id: 101,
      number: '14155550100',
      city: 'SAN FRANCISCO, CA',
      state: 'CA',
      country: 'United States',
      country_short_name: 'US',
      sms_enabled: true,
      label: 'Support line',
    }),
    number({
      id: 102,
      number: '12025550143',
      city: 'WASHINGTON, DC',
      state: 'DC',
      country: 'United States',
      country_short_name: 'US',
    }),
    number({
      id: 103,
      number: '16135550123',
      city: 'OTTAWA, ON',
      state: 'ON',
      country: 'Canada',
      country_short_name: 'CA',
      sms_enabled: true,
    }),
    number({ id: 104, number: '442079460000', city: 'LONDON', country: 'United Kingdom', country_short_name: 'GB' }),
    // A UK mobile number that Wavix's staff SMS-enabled for sending: usable as a numeric Sender ID, no inbound via API.
    number({
      id: 105,
      number: '447400123456',
      city: 'MOBILE',
      country: 'United Kingdom',
      country_short_name: 'GB',
      sms_enabled: true,
    }),
    number({ id: 106, number: '4930901820', city: 'BERLIN', country: 'Germany', country_short_name: 'DE' }),
    number({ id: 107, number: '31201234567', city: 'AMSTERDAM', country: 'Netherlands', country_short_name: 'NL' }),
  );
  state.numbers.push(...pbxDids(options.pbxDids ?? 0));
  state.senderIds.push({
    id: '5108c63f-2b4e-4b5f-9a1d-0c3e7f2a9b11',
    sender_id: 'Wavix',
    type: 'alphanumeric',
    allowlisted_in: ['GB'],
    usecase: 'transactional',
    samples: ['Your order has shipped'],
  });
  state.brands.push({
    brand_id: 'BM20QP9',
    city: 'Miami',
    company_name: 'Example Holdings LLC',
    country: 'US',
    created_at: '2026-01-10T08:10:49',
    dba_name: 'Example',
    ein_taxid: '999999999',
    ein_taxid_country: 'US',
    email: 'support@example.com',
    entity_type: 'PRIVATE_PROFIT',
    feedback: null,
    first_name: 'John',
    last_name: 'Doe',
    mock: false,
    phone_number: '12123450099',
    state_or_province: 'FL',
    status: 'VERIFIED',
    stock_exchange: null,
    stock_symbol: null,
    street_address: '10 Street Name',
    updated_at: '2026-01-10T08:29:09',
    vertical: 'TECHNOLOGY',
    website: 'https://example.com',
    zip: '33101',
  });
  state.campaigns.push({
    affiliate_marketing: false,
    age_gated: false,
    auto_renewal: true,
    brand_id: 'BM20QP9',
    campaign_id: 'CKLCK95',
    created_at: '2026-01-14T11:57:41',
    description: 'Customer care conversations with existing customers',
    direct_lending: false,
    embedded_link_sample: null,
    embedded_links: false,
    embedded_phones: false,
    feedback: null,
    help: true,
    help_keywords: 'help',
    help_message: 'For help, reply HELP or call us. Reply STOP to opt out.',
    last_bill_date: '2026-01-14T11:57:42',
    mock: false,
    monthly_fee: '10.0',
    name: 'Customer care',
    next_bill_date: '2026-12-14T00:00:00',
    optin: true,
    optin_keywords: 'start',
    optin_message: 'You are now opted in. Reply HELP for help, STOP to stop.',
    optin_workflow: 'Customers opt in when they text our support line.',
    optout: true,
    optout_keywords: 'stop,quit,unsubscribe',
    optout_message: 'You are now opted out and will receive no further messages',
    privacy_policy: 'https://example.com/privacy',
    sample1: 'Hi, this is Example support about your ticket 1234.',
    sample2: 'Your technician arrives tomorrow between 9 and 11.',
    sample3: null,
    sample4: null,
    sample5: null,
    status: 'REVIEW',
    terms_conditions: 'https://example.com/terms',
    updated_at: '2026-01-14T11:57:47',
    usecase: 'CUSTOMER_CARE',
    phone_numbers: ['14155550100'],
  });
  return state;
}

/**
 * Adds `count` US numbers (+1 202 555 xxxx and on, every other one SMS-enabled, every tenth labelled) to an account,
 * so a list that an account with hundreds of numbers shows can be tried and tested.
 */
export function addManyNumbers(state: EmulatorState, count: number): void {
  const firstId = Math.max(1000, ...state.numbers.map((n) => n.id + 1));
  for (let i = 0; i < count; i++) {
    const id = firstId + i;
    state.numbers.push(
      number({
        id,
        number: String(12025560000 + i),
        city: 'WASHINGTON, DC',
        state: 'DC',
        country: 'United States',
        country_short_name: 'US',
        sms_enabled: i % 2 === 0,
        ...(i % 10 === 0 ? { label: `Desk ${i}` } : {}),
      }),
    );
  }
}
