import { z } from 'zod';

/**
 * zod schemas for what Wavix sends us, after Wavix's OpenAPI description (contracts/wavix/openapi.yaml).
 * Objects are loose: a field Wavix adds tomorrow is kept, not an error. Required fields are the ones smsops relies
 * on; where Wavix's own field names drifted (notes §5, §6.2) both spellings are accepted.
 */
const nullableString = z.string().nullable();

export const paginationSchema = z.looseObject({
  current_page: z.number().int(),
  per_page: z.number().int(),
  total: z.number().int(),
  total_pages: z.number().int(),
});
export type Pagination = z.infer<typeof paginationSchema>;

export const senderIdSchema = z.looseObject({
  id: z.string(),
  sender_id: z.string(),
  type: z.string(), // numeric | alphanumeric (GET one also documents shortcode)
  allowlisted_in: z.array(z.string()).default([]),
  usecase: z.string().optional(),
  samples: z.array(z.string()).optional(),
});

export const senderIdListSchema = z.looseObject({ items: z.array(senderIdSchema) });

export const numberSchema = z.looseObject({
  id: z.number().int(),
  // Documented as digits ("12565378257"); a "+" or spacing kept would make it "++1…" beside inbound's normalised `to`,
  // so routes, doctor and the drift watch would disagree with the relay about one number.
  number: z.string().transform((number) => number.replace(/[\s+().-]/g, '')),
  city: z.string().nullable().optional(),
  country: z.string().optional(),
  country_short_name: z.string(),
  label: nullableString.optional(),
  status: z.string(),
  sms_enabled: z.boolean(),
  sms_relay_url: nullableString.default(null),
});

export const numberListSchema = z.looseObject({ items: z.array(numberSchema), pagination: paginationSchema });

export const profileSchema = z.looseObject({
  id: z.number().int(),
  email: z.string(),
  // Only transport "sms" is documented (inbound SMS); the DLR transport name is not, so entries stay loose strings.
  default_destinations: z.array(z.looseObject({ transport: z.string(), value: z.string().nullable() })).default([]),
});

export const profileConfigSchema = z.looseObject({
  balance: z.string(),
});

export const messageBodySchema = z.looseObject({
  text: z.string().default(''),
  media: z.array(z.string()).nullable().default(null),
});

export const messageSchema = z.looseObject({
  message_id: z.string(),
  message_type: z.string().optional(),
  from: z.string(),
  to: z.string(),
  direction: z.string().optional(),
  message_body: messageBodySchema,
  tag: nullableString.optional(),
  status: z.string(),
  segments: z.number().int().optional(),
  charge: z.string().optional(),
  submitted_at: nullableString.optional(),
  sent_at: nullableString.optional(),
  delivered_at: nullableString.optional(),
  error_message: nullableString.optional(),
});

/**
 * One line of the message export (`GET /v3/messages/all`). Its documented sample lines hold only the id, type, from,
 * to, direction and status, so only what the traffic watch counts by is required (id, from, to, status); every other
 * field it stores is kept when readable and dropped when not (a `segments` of "1" must not cost the message its
 * place in the failure rate). The text is never read.
 */
export const exportedMessageSchema = z.looseObject({
  message_id: z.string().min(1),
  from: z.string(),
  to: z.string(),
  status: z.string().min(1),
  message_type: z.string().optional().catch(undefined),
  direction: z.string().optional().catch(undefined),
  tag: nullableString.optional().catch(undefined),
  segments: z.number().int().optional().catch(undefined),
  charge: z.string().optional().catch(undefined),
  submitted_at: nullableString.optional().catch(undefined),
  sent_at: nullableString.optional().catch(undefined),
  delivered_at: nullableString.optional().catch(undefined),
  error_message: nullableString.optional().catch(undefined),
});

/**
 * POST /v3/messages' answer (`SendMessagesResponse`): its description requires none of its fields, so only what smsops
 * uses is: the id (a reply is linked to its delivery reports by it). A 201 without `status` was accepted: Wavix's
 * first status.
 */
export const sentMessageSchema = z.looseObject({
  message_id: z.string().min(1),
  status: z
    .string()
    .nullish()
    .transform((status) => status ?? 'accepted'),
  // What Wavix counts (and charges) for the text: its Message example has `segments`, but Wavix documents neither the
  // field as required nor how it counts (GSM-7 extension characters, national tables, smart encoding). Read leniently
  // (a number or a numeric string) and dropped when unreadable: a send Wavix took must never read as failed for it.
  segments: z
    .unknown()
    .transform((value) => {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      // Wavix refuses texts past 670 UCS-2 or 1,630 GSM-7 characters (11 segments): a count far past that is no count.
      return typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= 100 ? n : undefined;
    })
    .optional(),
  // Wavix's reason when its answer already says the SMS failed (`rejected`, `undelivered`): the Message's error_message,
  // the words a delivery report gives as `error`. Read leniently: a send Wavix took must never read as failed for it.
  error_message: z
    .unknown()
    .transform((value) => (typeof value === 'string' && value.trim() !== '' ? value : undefined))
    .optional(),
});

/** The send-SMS guide shows GET /v3/messages/{id} wrapped as {message: {...}}; the description shows it flat. */
export const messageOrWrappedSchema = z.union([
  z.looseObject({ message: messageSchema }).transform((w) => w.message),
  messageSchema,
]);

export const messageListSchema = z.looseObject({ items: z.array(messageSchema), pagination: paginationSchema });

/**
 * A message as a lookup by tag reads it (a reply whose send's outcome is unknown): only what settles the reply is
 * required; its text and numbers are not read, so a change there costs no reply its answer.
 */
export const taggedMessageSchema = z.looseObject({
  message_id: z.string().min(1),
  tag: nullableString.optional(),
  status: z.string(),
  segments: z.number().int().nullable().optional().catch(undefined),
  error_message: nullableString.optional().catch(undefined),
});
// The pagination is read when it is well formed (whether more pages may hold the tag); a change there costs no reply.
export const taggedMessageListSchema = z.looseObject({
  items: z.array(taggedMessageSchema),
  pagination: z.looseObject({ total_pages: z.number().int() }).optional().catch(undefined),
});
export type TaggedMessage = z.infer<typeof taggedMessageSchema>;
/** One message (`GET /v3/messages/{id}`) as a look-up reads it, bare as the OpenAPI has it or wrapped in `message`. */
export const taggedMessageOrWrappedSchema = z.union([
  z.looseObject({ message: taggedMessageSchema }).transform((w) => w.message),
  taggedMessageSchema,
]);

export const brandSchema = z.looseObject({
  brand_id: z.string(),
  status: z.string(),
  dba_name: z.string().nullable().optional(),
  company_name: z.string().nullable().optional(),
  feedback: z.unknown().optional(),
});
export type WavixBrand = z.infer<typeof brandSchema>;

export const campaignSchema = z.looseObject({
  campaign_id: z.string(),
  brand_id: z.string(),
  status: z.string(),
  name: z.string().nullable().optional(),
  usecase: z.string().nullable().optional(),
  phone_numbers: z.array(z.string()).optional(),
  feedback: z.unknown().optional(),
});
export type WavixCampaign = z.infer<typeof campaignSchema>;

export const brandListSchema = z.looseObject({ items: z.array(brandSchema), pagination: paginationSchema });
export const campaignListSchema = z.looseObject({ items: z.array(campaignSchema), pagination: paginationSchema });

/**
 * The answer to a create or delete that returns nothing smsops reads: the description's `{success:true}`, or the 204
 * with no body Wavix's send-SMS guide shows (notes §2.1). Either is a success.
 */
export const successOrNoContentSchema = z.union([
  z.looseObject({ success: z.boolean().optional() }),
  z.literal(''),
  z.null(),
  z.undefined(),
]);

// --- Webhooks Wavix sends (parsed at smsops' own webhook routes) ----------------------------------------------

// InboundMessage and DeliveryReport are read leniently, apart from the REST client: see webhookSchemas.ts.

export const brandStatusChangedWebhookSchema = z.looseObject({ brand_id: z.string(), status: z.string() });
export const campaignStatusChangedWebhookSchema = z.looseObject({
  brand_id: z.string(),
  campaign_id: z.string(),
  status: z.string(),
});
export const numberStatusChangedWebhookSchema = z.looseObject({
  brand_id: z.string(),
  campaign_id: z.string(),
  number: z.string(),
  status: z.string(),
});
