import { plural } from '../wording.js';

/**
 * Kinds of number-level findings. On a PBX with hundreds of DIDs each kind is said once, as a count ("212 numbers are
 * voice-only (no SMS): …"), and only the few that need someone are listed one by one.
 */
export type FindingKind =
  | 'sms-inbound-active'
  | 'sms-send-only'
  | 'voice-only'
  | 'inbound-inactive'
  | 'sms-not-enabled'
  | 'webhook-ok'
  | 'webhook-elsewhere'
  | 'webhook-previous-secret'
  | 'webhook-via-broken-default'
  | 'webhook-missing'
  | 'portsip-rule-ok'
  | 'portsip-rule-missing'
  | 'route-number-missing';

const SUMMARY: Record<FindingKind, { one: string; many: string; note?: string }> = {
  'sms-inbound-active': { one: 'number sends and receives SMS', many: 'numbers send and receive SMS' },
  'sms-send-only': {
    one: 'number sends SMS',
    many: 'numbers send SMS',
    note: 'outside the US and Canada Wavix activates inbound SMS on request only',
  },
  'voice-only': {
    one: 'number is voice-only (no SMS)',
    many: 'numbers are voice-only (no SMS)',
    note: 'expected for voice DIDs; a number smsops routes SMS for would be flagged',
  },
  'inbound-inactive': {
    one: 'SMS number has inbound SMS off',
    many: 'SMS numbers have inbound SMS off',
    note: 'SMS sent to them never arrive',
  },
  'sms-not-enabled': {
    one: 'routed number has no SMS',
    many: 'routed numbers have no SMS',
    note: 'ask Wavix support to enable it',
  },
  'webhook-ok': { one: 'SMS number’s webhook points at smsops', many: 'SMS numbers’ webhooks point at smsops' },
  'webhook-elsewhere': {
    one: 'SMS number has its own webhook pointing elsewhere',
    many: 'SMS numbers have their own webhook pointing elsewhere',
    note: 'their inbound SMS bypass smsops',
  },
  'webhook-previous-secret': {
    one: 'SMS number’s webhook is smsops’ URL with its previous webhook secret',
    many: 'SMS numbers’ webhooks are smsops’ URL with its previous webhook secret',
    note: 'their SMS reach smsops only while WEBHOOK_SECRET_PREVIOUS holds that secret',
  },
  'webhook-via-broken-default': {
    one: 'SMS number relies on an account default that is not smsops',
    many: 'SMS numbers rely on an account default that is not smsops',
  },
  'webhook-missing': {
    one: 'SMS number has no inbound webhook',
    many: 'SMS numbers have no inbound webhook',
    note: 'Wavix has nowhere to deliver their SMS',
  },
  'portsip-rule-ok': { one: 'number has a PortSIP inbound rule', many: 'numbers have a PortSIP inbound rule' },
  'portsip-rule-missing': {
    one: 'number has no PortSIP inbound rule',
    many: 'numbers have no PortSIP inbound rule',
    note: 'PortSIP cannot deliver their SMS to anyone',
  },
  'route-number-missing': {
    one: 'route is for a number not on the Wavix account',
    many: 'routes are for numbers not on the Wavix account',
    note: 'no SMS for them will come: remove or re-point them',
  },
};

/** "212 numbers are voice-only (no SMS): expected for voice DIDs; …" */
export function findingSummary(kind: FindingKind, count: number): string {
  const { one, many, note } = SUMMARY[kind];
  const what = plural(count, one, many);
  return note ? `${what}: ${note}.` : `${what}.`;
}
