import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

/**
 * Validates values against Wavix's own OpenAPI 3.1 description (the vendored copy in contracts/wavix), so the
 * emulator is checked against Wavix's words, not against our reading of them.
 */
const SPEC_ID = 'https://contracts.smsops.local/wavix/openapi.json';

interface Operation {
  responses: Record<string, { $ref?: string; content?: Record<string, { schema?: unknown }> }>;
}

type Spec = {
  paths: Record<string, Record<string, Operation>>;
  webhooks: Record<string, { post: { requestBody: { content: Record<string, { schema: unknown }> } } }>;
  components: { schemas: Record<string, unknown> };
};

let loaded: { spec: Spec; ajv: Ajv2020 } | undefined;

function load() {
  if (loaded) return loaded;
  const spec = parse(readFileSync(join(import.meta.dirname, '..', '..', 'contracts', 'wavix', 'openapi.yaml'), 'utf8')) as Spec;
  // strict: false because OpenAPI adds keywords (example, discriminator, xml) that are not JSON Schema.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  for (const format of ['int32', 'int64', 'float', 'double', 'byte', 'binary', 'password']) ajv.addFormat(format, true);
  ajv.addSchema({ ...spec, $id: SPEC_ID });
  loaded = { spec, ajv };
  return loaded;
}

const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
const cache = new Map<string, ValidateFunction>();

function compile(ref: string): ValidateFunction {
  const cached = cache.get(ref);
  if (cached) return cached;
  const validate = load().ajv.compile({ $ref: `${SPEC_ID}#/${ref}` });
  cache.set(ref, validate);
  return validate;
}

function errorsOf(validate: ValidateFunction, value: unknown): string[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map(
    (e) => `${e.instancePath || '(root)'} ${e.message ?? ''}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
  );
}

/** Whether Wavix's description documents this status for the operation. */
export function documentsStatus(method: string, pathTemplate: string, status: number): boolean {
  return Boolean(load().spec.paths[pathTemplate]?.[method.toLowerCase()]?.responses[String(status)]);
}

/** Errors of `body` against the response schema of METHOD PATH STATUS (empty when it conforms). */
export function validateResponse(method: string, pathTemplate: string, status: number, body: unknown): string[] {
  const operation = load().spec.paths[pathTemplate]?.[method.toLowerCase()];
  if (!operation) return [`Wavix's description has no ${method} ${pathTemplate}`];
  const response = operation.responses[String(status)];
  if (!response) return [`Wavix's description documents no ${status} for ${method} ${pathTemplate}`];
  const base = response.$ref
    ? response.$ref.replace(/^#\//, '')
    : pointer('paths', pathTemplate, method.toLowerCase(), 'responses', String(status));
  const resolved = response.$ref ? resolveRef(response.$ref) : response;
  if (!resolved.content?.['application/json']?.schema) return [];
  return errorsOf(compile(`${base}/content/application~1json/schema`), body);
}

function resolveRef(ref: string): { content?: Record<string, { schema?: unknown }> } {
  let node: unknown = load().spec;
  for (const part of ref.replace(/^#\//, '').split('/'))
    node = (node as Record<string, unknown>)[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  return node as { content?: Record<string, { schema?: unknown }> };
}

/** Errors of `body` against a named component schema. */
export function validateComponent(name: string, body: unknown): string[] {
  return errorsOf(compile(pointer('components', 'schemas', name)), body);
}

/** Errors of a webhook payload against the `webhooks` section (e.g. InboundMessage, DeliveryReport). */
export function validateWebhook(name: string, body: unknown): string[] {
  if (!load().spec.webhooks[name]) return [`Wavix's description has no webhook ${name}`];
  return errorsOf(compile(pointer('webhooks', name, 'post', 'requestBody', 'content', 'application/json', 'schema')), body);
}

/**
 * A webhook payload built from the `example` of every property of its schema in Wavix's description ($refs followed;
 * a property with no example takes its enum's first value, else null where null is allowed), in the description's
 * property order.
 */
export function webhookExample(name: string): Record<string, unknown> {
  const { spec } = load();
  const resolve = (node: Record<string, unknown>): Record<string, unknown> => {
    let current = node;
    while (typeof current.$ref === 'string') {
      current = resolveRef(current.$ref) as Record<string, unknown>;
    }
    return current;
  };
  const build = (node: Record<string, unknown>): unknown => {
    const schema = resolve(node);
    if ('example' in schema) return schema.example;
    if (Array.isArray(schema.enum)) return schema.enum[0];
    if (Array.isArray(schema.type) && schema.type.includes('null')) return null;
    const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
    if (!properties) throw new Error(`no example in Wavix's description for ${JSON.stringify(node).slice(0, 80)}`);
    return Object.fromEntries(Object.entries(properties).map(([key, property]) => [key, build(property)]));
  };
  const webhook = spec.webhooks[name];
  if (!webhook) throw new Error(`Wavix's description has no webhook ${name}`);
  return build(webhook.post.requestBody.content['application/json']?.schema as Record<string, unknown>) as Record<
    string,
    unknown
  >;
}
