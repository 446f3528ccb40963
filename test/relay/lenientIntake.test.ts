import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateWebhook, webhookExample } from '../helpers/openapi.js';
import { readable, runCommand, type SmsopsUnderTest, startSmsopsUnderTest, WEBHOOK_SECRET } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

/**
 * Lenient intake: a Wavix webhook is refused only when smsops could not relay it (no usable message_id or to;
 * for a delivery report message_id and status; not JSON; not an object). Every other difference from Wavix's
 * description is answered 200, stored and relayed byte for byte, and recorded as a schema warning. The payloads are
 * Wavix's own examples (its OpenAPI description) and variants of every optional field; the description, through an
 * independent JSON Schema validator, decides which variants deserve a warning.
 */

let t: SmsopsUnderTest;
let sink: WebhookSink;
const PORTSIP_PATH = '/emc/Wavix - intake/0d3c9a51-7e2b-4c1d-9f00-aa11bb22cc33';

beforeAll(async () => {
  sink = await startWebhookSink();
  t = await startSmsopsUnderTest({ RELAY_RETRY_BASE_MS: '20', SLACK_RELAY_PACE_MS: '0' });
  // A route for the number of Wavix's example (to: 447537151866): only a `to` normalised to it reaches the sink.
  const routed = await runCommand(t, `route set +447537151866 ${sink.url}${PORTSIP_PATH}`);
  expect(readable(routed.body)).not.toMatch(/not|invalid|error/i);
}, 30_000);

afterAll(async () => {
  const seen = t.logs.join('\n');
  for (const secret of t.secrets) expect(seen).not.toContain(secret);
  await t?.stop();
  await sink?.close();
});

async function post(route: 'inbound' | 'dlr', body: string | Buffer) {
  const response = await fetch(`${t.smsops.url}/webhooks/wavix/${route}/${WEBHOOK_SECRET}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const ABSENT = Symbol('absent');
type Payload = Record<string, unknown>;

/** A copy of `base` with the value at `path` replaced (or removed with ABSENT). */
function withValue(base: Payload, path: readonly string[], value: unknown): Payload {
  const copy = structuredClone(base);
  let node: Payload = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Payload;
  const last = path[path.length - 1] as string;
  if (value === ABSENT) delete node[last];
  else node[last] = value;
  return copy;
}

function valueAt(base: Payload, path: readonly string[]): unknown {
  return path.reduce<unknown>((node, key) => (node as Payload)[key], base);
}

/** Absent, null, stringified, and values of other types, for the field at `path`. */
function variantsOf(base: Payload, path: readonly string[]): Array<{ label: string; value: unknown }> {
  const original = valueAt(base, path);
  const candidates: Array<{ label: string; value: unknown }> = [
    { label: 'absent', value: ABSENT },
    { label: 'null', value: null },
    { label: 'stringified', value: typeof original === 'string' ? `${original}` : JSON.stringify(original) },
    { label: 'a number', value: 42 },
    { label: 'a boolean', value: true },
    { label: 'an array', value: [1] },
    { label: 'an object', value: { unexpected: 1 } },
  ];
  return candidates.filter((c) => c.value === ABSENT || JSON.stringify(c.value) !== JSON.stringify(original));
}

interface Variant {
  name: string;
  raw: string;
  messageId: string;
  /** Per Wavix's description (JSON Schema), not per smsops: whether the payload differs from it. */
  differs: boolean;
}

let sequence = 0;
function variants(webhook: 'InboundMessage' | 'DeliveryReport', fields: string[][]): Variant[] {
  const example = webhookExample(webhook);
  const out: Variant[] = [];
  const add = (name: string, payload: Payload) => {
    const messageId = `${webhook}-${++sequence}`;
    const body: Payload = { ...payload, message_id: messageId };
    const conforming = validateWebhook(webhook, body).length === 0;
    // message_type is not in the current InboundMessage description but Wavix's older ones have it: sms/mms is fine.
    const legacyType = webhook === 'InboundMessage' && ['sms', 'mms'].includes(String(body.message_type));
    const withoutLegacy = legacyType ? validateWebhook(webhook, { ...body, message_type: undefined }).length === 0 : false;
    out.push({ name, raw: JSON.stringify(body), messageId, differs: !(conforming || withoutLegacy) });
  };
  add('the example as documented', example);
  for (const path of fields)
    for (const { label, value } of variantsOf(example, path)) add(`${path.join('.')} ${label}`, withValue(example, path, value));
  add('an unknown top-level field', { ...example, added_by_wavix_tomorrow: { x: 1 } });
  return out;
}

const inboundVariants = variants('InboundMessage', [
  ['message_body'],
  ['message_body', 'text'],
  ['message_body', 'media'],
  ['received_at'],
]);
// message_type is not in the example: its own variants (legacy values are fine, anything else is warned).
for (const value of ['sms', 'mms', 'MMS', null, 7, { kind: 'sms' }]) {
  const body = { ...webhookExample('InboundMessage'), message_id: `InboundMessage-${++sequence}`, message_type: value };
  inboundVariants.push({
    name: `message_type ${JSON.stringify(value)}`,
    raw: JSON.stringify(body),
    messageId: body.message_id as string,
    differs: value !== 'sms' && value !== 'mms',
  });
}
const dlrVariants = variants('DeliveryReport', [
  ['message_type'],
  ['from'],
  ['to'],
  ['tag'],
  ['segments_count'],
  ['sent'],
  ['delivered'],
  ['error'],
  ['charge'],
  ['carrier_fees'],
]);

const warningsOf = (messageId: string) =>
  t.db.prepare('SELECT route, problems FROM schema_warnings WHERE wavix_message_id = ?').get(messageId) as
    | { route: string; problems: string }
    | undefined;

describe('inbound messages: lenient where smsops does not need a field', () => {
  it('has variants where the description and smsops disagree and where they do not', () => {
    expect(inboundVariants.filter((v) => v.differs).length).toBeGreaterThan(15);
    expect(inboundVariants.filter((v) => !v.differs).map((v) => v.name)).toEqual(
      expect.arrayContaining(['the example as documented', 'message_type "sms"']),
    );
  });

  it.each(inboundVariants.map((v) => [v.name, v] as const))(
    '%s: 200, stored, relayed byte for byte, warned as it should',
    async (_, v) => {
      const answer = await post('inbound', v.raw);
      expect(answer).toEqual({ status: 200, json: { ok: true, duplicate: false } });
      const stored = t.db
        .prepare('SELECT to_number, raw_body FROM inbound_messages WHERE wavix_message_id = ?')
        .get(v.messageId) as {
        to_number: string;
        raw_body: Buffer;
      };
      expect(stored.to_number).toBe('447537151866');
      expect(stored.raw_body.toString('utf8')).toBe(v.raw);
      const relayed = await waitUntil(() => sink.received.find((r) => r.body.toString('utf8') === v.raw), 10_000, 'PortSIP');
      expect(relayed.path).toBe(PORTSIP_PATH.replaceAll(' ', '%20'));
      expect(relayed.headers['content-type']).toBe('application/json');
      const warned = warningsOf(v.messageId);
      if (v.differs) {
        expect(warned?.route).toBe('inbound');
        expect(JSON.parse(warned?.problems ?? '[]')).not.toEqual([]);
      } else expect(warned).toBeUndefined();
    },
  );

  it('derives what it shows from what is there: no text is empty text, a media list makes an MMS, no date is the arrival', async () => {
    const example = webhookExample('InboundMessage');
    const raw = JSON.stringify({
      ...example,
      message_id: 'derived-1',
      message_type: 'unknown',
      message_body: { text: null, media: ['https://media.example/a.jpg'] },
      received_at: 'yesterday-ish',
    });
    const before = Date.now();
    expect((await post('inbound', raw)).status).toBe(200);
    const row = t.db
      .prepare('SELECT message_type, text, received_at, received_at_text FROM inbound_messages WHERE wavix_message_id = ?')
      .get('derived-1') as { message_type: string; text: string; received_at: number; received_at_text: string };
    expect(row).toMatchObject({ message_type: 'mms', text: '', received_at_text: 'yesterday-ish' });
    expect(Math.abs(row.received_at - before)).toBeLessThan(60_000);
    expect(JSON.parse(warningsOf('derived-1')?.problems ?? '[]')).toEqual([
      'message_body.text null',
      'message_type "unknown" is not documented',
      'received_at is not a date-time',
    ]);
    // A stringified message body is read for what it holds (the bytes relayed are still the ones sent).
    const stringified = inboundVariants.find((v) => v.name === 'message_body stringified');
    expect(t.db.prepare('SELECT text FROM inbound_messages WHERE wavix_message_id = ?').get(stringified?.messageId)).toEqual({
      text: (example.message_body as { text: string }).text,
    });
    const posted = await waitUntil(
      () => t.fakeSlack.calls.find((c) => c.method === 'chat.postMessage' && readable(c.args).includes('media.example/a.jpg')),
      10_000,
      'the Slack post',
    );
    expect(readable(posted.args)).toContain('MMS');
  });

  it('relays a body that is not valid UTF-8 byte for byte, and one with a byte-order mark', async () => {
    const example = webhookExample('InboundMessage');
    const latin1 = Buffer.from(
      JSON.stringify({ ...example, message_id: 'latin-1', message_body: { text: 'café', media: null } }),
      'latin1',
    );
    const bom = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(JSON.stringify({ ...example, message_id: 'bom-1' })),
    ]);
    for (const raw of [latin1, bom]) {
      expect((await post('inbound', raw)).status).toBe(200);
      await waitUntil(() => sink.received.find((r) => r.body.equals(raw)), 10_000, 'PortSIP');
    }
    expect(JSON.parse(warningsOf('latin-1')?.problems ?? '[]')).toEqual(['body is not valid UTF-8']);
    expect(JSON.parse(warningsOf('bom-1')?.problems ?? '[]')).toEqual(['body starts with a byte-order mark']);
  });

  it('accepts message_id, from and to as numbers or formatted, routing by the normalised number', async () => {
    const example = webhookExample('InboundMessage');
    const cases = [
      { message_id: 9001, from: 447400123456, to: 447537151866 },
      { message_id: 'fmt-1', from: '+44 7400 123456', to: '+44 (7537) 151-866' },
      { message_id: 'fmt-2', from: 'Wavix', to: '00447537151866' },
    ];
    for (const fields of cases) {
      const raw = JSON.stringify({ ...example, ...fields });
      expect((await post('inbound', raw)).status).toBe(200);
      await waitUntil(() => sink.received.find((r) => r.body.toString('utf8') === raw), 10_000, 'PortSIP');
    }
    const rows = t.db
      .prepare(
        "SELECT wavix_message_id AS id, from_number AS f, to_number AS t FROM inbound_messages WHERE wavix_message_id IN ('9001', 'fmt-1', 'fmt-2') ORDER BY id",
      )
      .all();
    expect(rows).toEqual([
      { id: '9001', f: '447400123456', t: '447537151866' },
      { id: 'fmt-1', f: '447400123456', t: '447537151866' },
      { id: 'fmt-2', f: 'Wavix', t: '447537151866' },
    ]);
    expect(JSON.parse(warningsOf('9001')?.problems ?? '[]')).toEqual([
      'message_id number, expected string',
      'from number, expected string',
      'to number, expected string',
    ]);
    expect(warningsOf('fmt-1')).toBeUndefined();
  });
});

describe('delivery reports: only message_id and status are required', () => {
  it.each(dlrVariants.map((v) => [v.name, v] as const))('%s: 200, stored as sent, warned as it should', async (_, v) => {
    expect(await post('dlr', v.raw)).toEqual({ status: 200, json: { ok: true, duplicate: false } });
    const stored = t.db.prepare('SELECT status FROM delivery_reports WHERE wavix_message_id = ?').get(v.messageId) as {
      status: string;
    };
    expect(stored.status).toBe('accepted');
    const warned = warningsOf(v.messageId);
    if (v.differs) expect(warned?.route).toBe('dlr');
    else expect(warned).toBeUndefined();
  });

  it('keeps an undocumented status as sent, and reads a stringified segment count', async () => {
    const raw = JSON.stringify({
      ...webhookExample('DeliveryReport'),
      message_id: 'dlr-odd',
      status: 'Queued_At_Carrier',
      segments_count: '3',
      charge: null,
      carrier_fees: null,
    });
    expect((await post('dlr', raw)).status).toBe(200);
    expect(t.db.prepare("SELECT status, segments FROM delivery_reports WHERE wavix_message_id = 'dlr-odd'").get()).toEqual({
      status: 'Queued_At_Carrier',
      segments: 3,
    });
    expect(JSON.parse(warningsOf('dlr-odd')?.problems ?? '[]')).toEqual([
      'status "Queued_At_Carrier" is not documented',
      'segments_count string, expected number',
      'charge null',
      'carrier_fees null',
    ]);
  });
});

describe('refused: what cannot be relayed', () => {
  const inbound = () => ({ ...webhookExample('InboundMessage'), message_id: `refused-${++sequence}` });
  const dlr = () => ({ ...webhookExample('DeliveryReport'), message_id: `refused-${++sequence}` });
  const unusable = [ABSENT, null, '', '   ', true, { id: 1 }, ['x'], 1.5, 2 ** 60];
  const cases: Array<{ name: string; route: 'inbound' | 'dlr'; raw: string; reason: RegExp }> = [
    { name: 'not JSON', route: 'inbound', raw: 'message_id=1&from=2', reason: /^malformed JSON/ },
    // The reason never quotes the body (V8's own message would): it could be an SMS text.
    { name: 'plain text', route: 'inbound', raw: 'Hi, call Bob at 555', reason: /^malformed JSON: the body is not JSON$/ },
    {
      name: 'JSON then text',
      route: 'inbound',
      raw: '{"text":"Bob"} and more',
      reason: /^malformed JSON: unexpected character at position \d+$/,
    },
    { name: 'an empty body', route: 'inbound', raw: '', reason: /^malformed JSON/ },
    { name: 'a truncated body', route: 'dlr', raw: '{"message_id": "x", ', reason: /^malformed JSON/ },
    { name: 'an array', route: 'inbound', raw: JSON.stringify([inbound()]), reason: /is an array, not an object/ },
    { name: 'null', route: 'inbound', raw: 'null', reason: /is JSON null, not an object/ },
    { name: 'a string', route: 'dlr', raw: '"delivered"', reason: /is JSON string, not an object/ },
    { name: 'a number', route: 'inbound', raw: '42', reason: /is JSON number, not an object/ },
  ];
  for (const field of ['message_id', 'to'])
    for (const value of unusable)
      cases.push({
        name: `inbound ${field} ${value === ABSENT ? 'absent' : JSON.stringify(value)}`,
        route: 'inbound',
        raw: JSON.stringify(withValue(inbound(), [field], value)),
        reason: new RegExp(`InboundMessage: ${field}: `),
      });
  for (const to of ['Wavix', '12ab34567', '123456', '1234567890123456'])
    cases.push({
      name: `inbound to ${to}`,
      route: 'inbound',
      raw: JSON.stringify({ ...inbound(), to }),
      reason: /to: a string that is not such a number, expected a phone number/,
    });
  // A small number is not called "too large to keep exactly"; one past 2^53 is.
  cases.push({
    name: 'inbound to 12345 (a short number)',
    route: 'inbound',
    raw: JSON.stringify({ ...inbound(), to: 12345 }),
    reason: /InboundMessage: to: a number, expected a phone number/,
  });
  cases.push({
    name: 'inbound to 2^53 + 2',
    route: 'inbound',
    raw: JSON.stringify({ ...inbound() }).replace(/"to":"[^"]*"/, '"to":9007199254740994'),
    reason: /InboundMessage: to: a whole number too large to keep exactly/,
  });
  cases.push({
    name: 'report status 5',
    route: 'dlr',
    raw: JSON.stringify({ ...dlr(), status: 5 }),
    reason: /DeliveryReport: status: a number, expected/,
  });
  for (const [field, values] of [
    ['message_id', [ABSENT, null, '', true, ['x']]],
    ['status', [ABSENT, null, '', '  ', 7, ['delivered']]],
  ] as const)
    for (const value of values)
      cases.push({
        name: `report ${field} ${value === ABSENT ? 'absent' : JSON.stringify(value)}`,
        route: 'dlr',
        raw: JSON.stringify(withValue(dlr(), [field], value)),
        reason: new RegExp(`DeliveryReport: ${field}: `),
      });

  it.each(cases.map((c) => [c.name, c] as const))('%s: 400 with the reason, recorded, nothing stored', async (_, c) => {
    const before = t.db.prepare('SELECT max(id) AS id FROM rejected_webhooks').get() as { id: number | null };
    const counts = () =>
      t.db.prepare('SELECT (SELECT count(*) FROM inbound_messages) + (SELECT count(*) FROM delivery_reports) AS n').get();
    const stored = counts();
    const answer = await post(c.route, c.raw);
    expect(answer.status).toBe(400);
    expect(answer.json.error).toMatch(c.reason);
    const kept = t.db
      .prepare('SELECT route, reason, body_excerpt FROM rejected_webhooks WHERE id > ?')
      .all(before.id ?? 0) as Array<{
      route: string;
      reason: string;
      body_excerpt: Buffer;
    }>;
    expect(kept).toHaveLength(1);
    expect(kept[0]?.route).toBe(c.route);
    expect(kept[0]?.reason).toBe(answer.json.error);
    expect(kept[0]?.body_excerpt.toString('utf8')).toBe(c.raw);
    expect(counts()).toEqual(stored);
  });
});

describe('a sender withheld or unusable', () => {
  const unusable = [ABSENT, null, '', '   ', true, { id: 1 }, ['x'], 1.5, 2 ** 60];
  it.each(unusable.map((value) => [value === ABSENT ? 'absent' : JSON.stringify(value), value] as const))(
    'from %s: 200, stored with no sender, relayed byte for byte, warned',
    async (_, value) => {
      const messageId = `no-sender-${++sequence}`;
      const raw = JSON.stringify(withValue({ ...webhookExample('InboundMessage'), message_id: messageId }, ['from'], value));
      const relayedBefore = sink.received.length;
      const answer = await post('inbound', raw);
      expect(answer.status).toBe(200);
      expect(t.db.prepare('SELECT from_number FROM inbound_messages WHERE wavix_message_id = ?').get(messageId)).toEqual({
        from_number: '',
      });
      await waitUntil(
        () => sink.received.slice(relayedBefore).some((r) => r.body.toString('utf8') === raw),
        5000,
        () => 'the body relayed to PortSIP',
      );
      const warned = t.db.prepare('SELECT problems FROM schema_warnings WHERE wavix_message_id = ?').get(messageId) as {
        problems: string;
      };
      const expected =
        value === ABSENT
          ? 'from missing'
          : value === null
            ? 'from null'
            : typeof value === 'string'
              ? 'from blank'
              : /^from \w+, expected string$/;
      const problems = JSON.parse(warned.problems) as string[];
      if (typeof expected === 'string') expect(problems).toContain(expected);
      else expect(problems.some((line) => expected.test(line))).toBe(true);
    },
  );
});

describe('the warnings are visible', () => {
  it('counts warned webhooks per route in /metrics and summarises the last 24 h in /sms relay status', async () => {
    const warned = t.db.prepare('SELECT route, count(*) AS n FROM schema_warnings GROUP BY route ORDER BY route').all() as Array<{
      route: string;
      n: number;
    }>;
    const byRoute = Object.fromEntries(warned.map((w) => [w.route, w.n]));
    expect(byRoute.inbound).toBeGreaterThan(15);
    expect(byRoute.dlr).toBeGreaterThan(15);
    const metrics = await (await fetch(`${t.smsops.url}/metrics`)).text();
    expect(metrics).toContain(`smsops_webhook_schema_warnings_total{route="inbound"} ${byRoute.inbound}`);
    expect(metrics).toContain(`smsops_webhook_schema_warnings_total{route="dlr"} ${byRoute.dlr}`);
    const status = readable((await runCommand(t, 'relay status')).body);
    expect(status).toContain(
      `${(byRoute.inbound ?? 0) + (byRoute.dlr ?? 0)} webhooks in the last 24 h had unexpected fields (stored and relayed unchanged)`,
    );
    expect(status).toMatch(/most often: `[^`]+` ×\d+/);
  });

  it('does not repeat the warning for a retried webhook', async () => {
    const raw = JSON.stringify({ ...webhookExample('InboundMessage'), message_id: 'retried-1', message_type: null });
    expect((await post('inbound', raw)).json.duplicate).toBe(false);
    expect((await post('inbound', raw)).json.duplicate).toBe(true);
    expect(t.db.prepare("SELECT count(*) AS n FROM schema_warnings WHERE wavix_message_id = 'retried-1'").get()).toEqual({
      n: 1,
    });
  });
});

describe('the Wavix emulator still speaks the documented dialect', () => {
  it('its inbound messages and delivery reports are stored without a warning', async () => {
    const api = (method: string, path: string, body: unknown) =>
      fetch(`${t.emulator.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${t.emulator.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const profile = await api('PUT', '/v1/profile', {
      sms_relay_url: `${t.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`,
      dlr_relay_url: `${t.smsops.url}/webhooks/wavix/dlr/${WEBHOOK_SECRET}`,
    });
    expect(profile.status).toBe(200);
    const inbound = (await (
      await api('POST', '/_emulator/inbound', { from: '447400123456', to: '14155550100', text: 'From the emulator' })
    ).json()) as { message_id: string; webhook_status: number };
    expect(inbound.webhook_status).toBe(200);
    const sent = (await (
      await api('POST', '/v3/messages', { from: 'Wavix', to: '447400123456', message_body: { text: 'Out', media: null } })
    ).json()) as { message_id: string };
    const report = (await (await api('POST', '/_emulator/dlr', { message_id: sent.message_id, status: 'delivered' })).json()) as {
      status: number;
    };
    expect(report.status).toBe(200);
    expect(t.db.prepare('SELECT count(*) AS n FROM inbound_messages WHERE wavix_message_id = ?').get(inbound.message_id)).toEqual(
      {
        n: 1,
      },
    );
    expect(
      t.db
        .prepare("SELECT status FROM delivery_reports WHERE wavix_message_id = ? AND status = 'delivered'")
        .get(sent.message_id),
    ).toEqual({
      status: 'delivered',
    });
    expect(warningsOf(inbound.message_id)).toBeUndefined();
    expect(warningsOf(sent.message_id)).toBeUndefined();
  });
});
