import { z } from 'zod';
import { WAVIX_DELIVERY_STATUSES } from '../core/model/wavixDeliveryStatus.js';

/**
 * zod schemas for the two SMS webhooks Wavix posts to smsops (InboundMessage, DeliveryReport), kept apart from the
 * REST client's schemas (schemas.ts) because they are read in two ways:
 *
 * - `documented…`: the payload exactly as Wavix's OpenAPI description (contracts/wavix/openapi.yaml) writes it,
 *   strict (unknown keys are issues). Most webhooks pass it, and then it is the only parse they cost. Its issues are
 *   never a refusal, only schema warnings.
 * - `…Intake`: what smsops cannot relay without. Only the identifying fields are required and they accept what can
 *   be turned into a usable value; every other field falls back (`.catch`) instead of failing.
 */

/** Wavix's MessageDeliveryStatus. */
export const DELIVERY_STATUSES = WAVIX_DELIVERY_STATUSES;

const kindOf = (value: unknown): string =>
  value === undefined
    ? 'missing'
    : value === null
      ? 'null'
      : Array.isArray(value)
        ? 'an array'
        : typeof value === 'object'
          ? 'an object'
          : `a ${typeof value}`;

/**
 * A usable identifier: a string with something other than white space in it, or a whole number within JavaScript's
 * safe range (a larger one has already lost digits in JSON.parse, and two ids merged into one would drop an SMS as a
 * duplicate). Kept as sent otherwise: it is Wavix's idempotency key.
 */
export function usableIdentifier(value: unknown): string | null {
  if (typeof value === 'string') return /\S/.test(value) ? value : null;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return null;
}

// Wavix's own form (no country code starts with 0, so `00…` is not one): the common case, on every webhook's path.
const WAVIX_DIGITS = /^[1-9]\d{6,14}$/;
const DIGITS = /^\d{7,15}$/;

/**
 * A phone number smsops can normalise, as Wavix's digits (`14155550100`): a usable identifier that, without spaces,
 * `-`, `.`, `/`, parentheses and a leading `+` or `00`, is 7 to 15 digits (E.164's longest). Deliberately not checked
 * against libphonenumber's number ranges: a range newer than its metadata would cost real SMS, and Wavix only sends
 * numbers it routed.
 */
export function phoneDigits(value: unknown): string | null {
  const text = usableIdentifier(value);
  if (text === null) return null;
  if (WAVIX_DIGITS.test(text)) return text;
  const digits = text.replace(/[\s\-./()]/g, '').replace(/^(\+|00)/, '');
  return DIGITS.test(digits) ? digits : null;
}

// What a refusal says about the value: its kind, never its content (a `to` or an SMS text is personal data).
const describeValue = (value: unknown, unusableString: string) => {
  if (typeof value === 'string') return /\S/.test(value) ? unusableString : 'a blank string';
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return 'a fraction';
    return Number.isSafeInteger(value) ? 'a number' : 'a whole number too large to keep exactly';
  }
  return kindOf(value);
};

const requiredField = (read: (value: unknown) => string | null, expected: string, unusableString = 'a string') =>
  z.unknown().transform((value, ctx) => {
    const usable = read(value);
    if (usable !== null) return usable;
    ctx.addIssue({ code: 'custom', message: `${describeValue(value, unusableString)}, expected ${expected}` });
    return z.NEVER;
  });

const ID_EXPECTED = 'a non-empty string or a whole number below 2^53';
const PHONE_EXPECTED = 'a phone number of 7 to 15 digits (optionally with +, spaces, dashes, dots or parentheses)';
const messageId = requiredField(usableIdentifier, ID_EXPECTED);
// Not required: PortSIP gets the body as it came whatever `from` holds, and a carrier may pass an SMS on with its
// sender withheld (`""`, null, missing). Refused, that SMS never reached PortSIP at all; kept as '' (no sender), it is
// relayed and shown, and only a reply to it is refused (there is nobody to answer).
const sender = z
  .unknown()
  .optional()
  .transform((value) => usableIdentifier(value) ?? '');
const ourNumber = requiredField(phoneDigits, PHONE_EXPECTED, 'a string that is not such a number');

// --- InboundMessage -----------------------------------------------------------------------------------------------

/** InboundMessage as documented, plus `message_type`, which older descriptions and Wavix's own posts carry. */
export const documentedInboundMessageSchema = z.strictObject({
  message_id: z.string().regex(/\S/),
  from: z.string().regex(/\S/),
  to: z.string().regex(/\S/),
  message_body: z.strictObject({ text: z.string(), media: z.array(z.string()).max(5).nullable() }),
  received_at: z.string(),
  message_type: z.enum(['sms', 'mms']).optional(),
});

const textOf = z.union([z.string(), z.number(), z.boolean()]).transform(String).catch('');
/** A JSON text where an object or array was expected (a stringified field) is read as what it holds. */
const unstringified = (value: unknown) => {
  if (typeof value !== 'string' || !/^\s*[[{]/.test(value)) return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
};
const mediaOf = z
  .preprocess(
    unstringified,
    z.union([
      z.array(z.unknown()).transform((items) => items.filter((item): item is string => typeof item === 'string')),
      z.string().transform((url) => [url]),
    ]),
  )
  .nullable()
  .catch(null);

/** What smsops needs of an inbound message: message_id and to; the rest falls back (from '' for none, text '', media none). */
export const inboundMessageIntakeSchema = z.looseObject({
  message_id: messageId,
  from: sender,
  to: ourNumber,
  message_body: z.preprocess(unstringified, z.looseObject({ text: textOf, media: mediaOf })).catch({ text: '', media: null }),
  received_at: z.union([z.string(), z.number().transform(String)]).catch(''),
  message_type: z.unknown().optional(),
});

// --- DeliveryReport -----------------------------------------------------------------------------------------------

/** DeliveryReport (MessagesDeliveryReport) as documented; `segments` is the older name of `segments_count`. */
export const documentedDeliveryReportSchema = z.strictObject({
  message_id: z.string().regex(/\S/),
  message_type: z.enum(['sms', 'mms']),
  from: z.string(),
  to: z.string(),
  tag: z.string().nullable().optional(),
  status: z.enum(DELIVERY_STATUSES),
  // Required by the description, but `segments` in older ones: whether one of them is there is checked apart.
  segments_count: z.int().min(0).optional(),
  segments: z.int().min(0).optional(),
  sent: z.string().nullable(),
  delivered: z.string().nullable().optional(),
  error: z.string().nullable().optional(),
  charge: z.string(),
  carrier_fees: z.string(),
});

const segmentsOf = z
  .union([
    z.int().min(0),
    z
      .string()
      .regex(/^\s*\d{1,6}\s*$/)
      .transform(Number),
  ])
  .optional()
  .catch(undefined);

/** What smsops needs of a delivery report: message_id and status (any non-blank string, kept as sent). */
export const deliveryReportIntakeSchema = z.looseObject({
  message_id: messageId,
  status: requiredField((value) => (typeof value === 'string' && /\S/.test(value) ? value : null), 'a non-empty string'),
  from: z.union([z.string(), z.number().transform(String)]).catch(''),
  to: z.union([z.string(), z.number().transform(String)]).catch(''),
  error: z
    .union([z.string(), z.number().transform(String)])
    .nullable()
    .catch(null),
  segments_count: segmentsOf,
  segments: segmentsOf,
  tag: z.string().nullable().catch(null),
});
