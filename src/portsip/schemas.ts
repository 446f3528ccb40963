import { z } from 'zod';

/**
 * zod schemas for what PortSIP's REST API (v22) answers, after its OpenAPI file (`openapi (5).json` in PortSIP's
 * knowledge base) and its authentication page (/work/shared/portsip.md §3). Objects are loose: a field PortSIP adds
 * is kept, not an error. Only the fields smsops relies on are required; PortSIP says blank fields come as null, so
 * the others accept null or absence. Each schema turns PortSIP's snake_case into the camelCase smsops uses.
 */

/** PortSIP calls its ids opaque strings; a number is accepted too and kept as text, so an id is never mangled. */
const id = z.union([z.string().min(1), z.number()]).transform(String);
const optionalText = z
  .string()
  .nullish()
  .transform((value) => value ?? null);

/**
 * A DID list as PortSIP writes it. The spec types `did_numbers` as a string: for a trunk, a semicolon-separated list
 * of numbers and hyphenated ranges (`16468097065-16468097066;16468097069`); for an inbound rule, "a single DID/DDI
 * number or a hyphen-separated range". Assumed beyond the spec [?]: a list may also be separated by commas or
 * spaces, and a newer build may send a JSON array; both are accepted. Entries are kept as written (a range stays
 * `A-B`); matching a number against them is the caller's job.
 */
export const didListSchema = z
  .union([z.string(), z.array(z.union([z.string(), z.number()]))])
  .nullish()
  .transform((value): string[] => {
    if (value === null || value === undefined) return [];
    const parts = Array.isArray(value) ? value.map(String) : [value];
    return parts.flatMap((part) => part.split(/[;,\s]+/)).filter((entry) => entry.length > 0);
  });

export const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  // The OAuth form documents expires_in (1800 s) and a refresh_token; the older POST /api/login documents neither
  // for its answer [?], its GET twin returns expires_in and expires_at. All optional, so both forms parse.
  refresh_token: z.string().min(1).nullish(),
  expires_in: z.number().positive().nullish(),
  expires_at: z.string().nullish(),
  token_type: z.string().nullish(),
});
export type PortsipTokenResponse = z.infer<typeof tokenResponseSchema>;

/** PortSIP's documented error body: `{"errors":[{"code":"UNAUTHORIZED","message":"…"}]}`. */
export const errorBodySchema = z.looseObject({
  errors: z.array(z.looseObject({ code: z.string().nullish(), message: z.string().nullish() })).min(1),
});

/** `{count, items}`: every PortSIP list. `count` is the total across pages; treated as optional in case it is left out. */
export function listSchema<T extends z.ZodType>(item: T) {
  return z.looseObject({ count: z.number().int().nonnegative().nullish(), items: z.array(item) });
}

export const smsConfigurationSchema = z
  .looseObject({
    id,
    name: z.string(),
    enabled: z.boolean().nullish(),
    sender_id: optionalText,
    provider_id: id.nullish(),
    provider_name: optionalText,
    provider_brand: optionalText,
    webhook: optionalText,
  })
  .transform((c) => ({
    id: c.id,
    name: c.name,
    // The spec's default is true.
    enabled: c.enabled ?? true,
    senderId: c.sender_id,
    providerId: c.provider_id ?? null,
    providerName: c.provider_name,
    providerBrand: c.provider_brand,
    /** The inbound SMS URL exactly as PortSIP gives it (its path may contain spaces). Its last segment is a secret. */
    webhook: c.webhook,
  }));

export const inboundRuleSchema = z
  .looseObject({
    id,
    name: z.string(),
    enabled: z.boolean().nullish(),
    did_numbers: didListSchema,
    provider_id: id.nullish(),
  })
  .transform((r) => ({
    id: r.id,
    name: r.name,
    enabled: r.enabled ?? true,
    didNumbers: r.did_numbers,
    providerId: r.provider_id ?? null,
  }));

export const providerSchema = z
  .looseObject({
    id,
    name: z.string(),
    enabled: z.boolean().nullish(),
    brand: optionalText,
    did_numbers: didListSchema,
  })
  .transform((p) => ({
    id: p.id,
    name: p.name,
    enabled: p.enabled ?? true,
    brand: p.brand,
    didNumbers: p.did_numbers,
  }));
