import type { EmulatorClock, ScheduledTask } from './clock.js';

/** Objects are kept in Wavix's own field names and field order, so the routes can serve them as they are. */
export interface WavixNumber {
  id: number;
  number: string;
  activation_fee: string;
  monthly_fee: string;
  per_min: string;
  city: string;
  state: string | null;
  country: string;
  country_short_name: string;
  destination: Array<{
    id: number;
    destination: string;
    priority: number;
    transport: number;
    trunk_id: number | null;
    trunk_label: string | null;
    srtp: boolean;
  }>;
  channels: number;
  require_docs: string[];
  documents: unknown[];
  domestic_cli: boolean;
  free_min: number;
  unlimited: boolean;
  label: string | null;
  status: 'active' | 'inactive';
  seconds: string;
  added: string;
  paid_until: string;
  sms_enabled: boolean;
  sms_relay_url: string | null;
  cnam: boolean | null;
  call_recording_enabled: boolean;
  transcription_enabled: boolean;
  transcription_threshold: number;
  call_status_url: string | null;
}

export interface WavixSenderId {
  id: string;
  sender_id: string;
  type: 'numeric' | 'alphanumeric';
  allowlisted_in: string[];
  usecase: string;
  samples: string[];
}

/** What Wavix keeps about a Sender ID but does not show through its API (review queue, rejections). */
export interface SenderIdReview {
  requested: string[];
  pending: Map<string, ScheduledTask>;
  rejected: Map<string, string>;
}

export interface WavixMessage {
  message_id: string;
  message_type: 'sms' | 'mms';
  from: string;
  to: string;
  direction: 'inbound' | 'outbound';
  mcc: string | null;
  mnc: string | null;
  message_body: { text: string; media: string[] | null };
  tag: string | null;
  status: string;
  segments: number;
  charge: string;
  carrier_fees: string;
  submitted_at: string;
  sent_at: string | null;
  delivered_at: string | null;
  error_message: string | null;
}

/** OpenAPI `OptOutItem`. */
export interface WavixOptOut {
  phone_number: string;
  sender_id: string | null;
  campaign_id: string | null;
  created_at: string;
}

export interface MessageExtras {
  callbackUrl: string | null;
}

export interface Profile {
  id: number;
  email: string;
  first_name: string | null;
  last_name: string | null;
  phone: string | null;
  additional_info: string | null;
  contact_email: string | null;
  timezone: string;
  job_title: string | null;
  default_short_link_endpoint: string | null;
  company_info: { name: string; industry: string; address: string; attn_contact_name: string; vat_number: string | null } | null;
  sms_relay_url: string | null;
  dlr_relay_url: string | null;
  balance: string;
}

export interface WebhookAttempt {
  event: string;
  url: string;
  body: string;
  status: number | null;
  error: string | null;
  at: number;
}

export interface ServedRequest {
  method: string;
  path: string;
  status: number;
  at: number;
  /** The answer's body, in bytes: what reading Wavix cost. */
  bytes: number;
}

export interface EmulatorState {
  clock: EmulatorClock;
  numbers: WavixNumber[];
  senderIds: WavixSenderId[];
  reviews: Map<string, SenderIdReview>;
  messages: WavixMessage[];
  messageExtras: Map<string, MessageExtras>;
  optOuts: WavixOptOut[];
  profile: Profile;
  brands: Array<Record<string, unknown> & { brand_id: string; status: string }>;
  campaigns: Array<Record<string, unknown> & { campaign_id: string; brand_id: string; status: string }>;
  subscriptions: Array<{ subscription_category: string; url: string }>;
  webhookAttempts: WebhookAttempt[];
  served: ServedRequest[];
  /** Destinations (digits) whose messages fail at the carrier, with the error Wavix reports. */
  failingDestinations: Map<string, string>;
}

/**
 * Wavix's timestamps. Its examples mostly omit the zone ("2025-03-21T08:09:02"), but its schemas declare
 * `format: date-time`, which requires one; the emulator follows the schema (UTC, "Z", no milliseconds), and the
 * client parses both forms.
 */
export const wavixTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
