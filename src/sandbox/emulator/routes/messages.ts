import { randomUUID } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { z } from 'zod';
import { WAVIX_DELIVERY_STATUSES } from '../../../core/model/wavixDeliveryStatus.js';
import { type EmulatorResponse, isResponse, paginate, wavixError } from '../http.js';
import type { Router } from '../router.js';
import { countSegments, MESSAGE_MAX_CHARS } from '../rules.js';
import { type EmulatorState, type WavixMessage, wavixTime } from '../state.js';
import { dlrWebhookUrl, inboundWebhookUrl, postWebhook } from '../webhooks.js';
import { applyStopWord, blockingOptOut } from './optOuts.js';
import { parseBody } from './validation.js';

// `MessageBody` requires both fields (null media for an SMS): a client that leaves `media` out is refused here as the
// description allows Wavix to refuse it, not accepted and found out in production.
const messageBody = z.strictObject({
  text: z.string(),
  media: z.array(z.string()).max(5).nullable(),
});

const sendRequest = z.strictObject({
  from: z.string().min(1),
  to: z.string().min(1),
  message_body: messageBody,
  callback_url: z.string().optional(),
  validity: z.number().int().positive().optional(),
  tag: z.string().optional(),
});

/** Seconds between a send and its interim `sent` report, and between that and the final report. */
export const SENT_AFTER_MS = 1_000;
export const FINAL_AFTER_MS = 4_000;

const digits = (value: string) => value.replace(/\D/g, '');

/**
 * An inbound sender as Wavix posts it: a phone number in Wavix's digits ("+1 (202) 555-0143" is "12025550143"), a
 * Sender ID as sent, since `InboundMessage.from` "can be numeric or alphanumeric" ("Wavix", not "").
 */
function inboundSender(from: string): string {
  const compact = from.replace(/[\s\-./()]/g, '').replace(/^(\+|00)/, '');
  return /^\d+$/.test(compact) ? compact : from;
}

/**
 * Whether a message's `from` is the `from` a list asks for: a phone number in any spelling (+1 415…, 1415…), or a
 * Sender ID as written. Compared by digits alone, every alphanumeric Sender ID ("ACME", "Wavix": no digits) matched
 * every other one.
 */
function sameSender(from: string, asked: string): boolean {
  if (from === asked) return true;
  const isNumber = (value: string) => /^\+?[\d\s\-().]+$/.test(value) && digits(value) !== '';
  return isNumber(from) && isNumber(asked) && digits(from) === digits(asked);
}

function countryOf(number: string): string | undefined {
  return parsePhoneNumberFromString(`+${digits(number)}`)?.country;
}

/**
 * The DeliveryReport webhook, fields in the order of Wavix's documented sample. Its words and its fields' names
 * disagree: `sent` is "the message was accepted" (submitted_at?) and `delivered` "when the final status was received"
 * (set on an undelivered one too?), while Message's `delivered_at` "refers to DLR reception". Undecidable from the
 * description: the emulator sends the sent and delivered times (null until then, and `delivered` null on a failure),
 * and smsops reads neither (only message_id, status, error, segments, tag).
 */
export function deliveryReport(message: WavixMessage) {
  return {
    message_id: message.message_id,
    message_type: message.message_type,
    from: message.from,
    to: message.to,
    tag: message.tag,
    status: message.status,
    segments_count: message.segments,
    sent: message.sent_at,
    delivered: message.delivered_at,
    error: message.error_message,
    charge: message.charge,
    carrier_fees: message.carrier_fees,
  };
}

export async function sendDeliveryReport(state: EmulatorState, message: WavixMessage) {
  const url = dlrWebhookUrl(state, message.message_id);
  if (!url) return { url: null, status: null, error: 'no DLR webhook configured' };
  return { url, ...(await postWebhook(state, 'DeliveryReport', url, deliveryReport(message))) };
}

/** Moves a message to a status as a carrier would, and reports it. */
export async function setMessageStatus(state: EmulatorState, message: WavixMessage, status: string, error: string | null = null) {
  message.status = status;
  const now = wavixTime(state.clock.now());
  if (status === 'sent') message.sent_at ??= now;
  if (status === 'delivered') message.delivered_at = now;
  if (['undelivered', 'rejected', 'expired', 'dlr_expired'].includes(status))
    message.error_message = error ?? 'Rejected by far-end carrier';
  return sendDeliveryReport(state, message);
}

function send(state: EmulatorState, body: unknown): EmulatorResponse {
  const parsed = parseBody(sendRequest, body);
  if (!parsed.ok) return parsed.response;
  const request = parsed.value;
  const to = digits(request.to);
  const country = countryOf(to);
  if (!country) return wavixError.badRequest('to', 'Invalid or non-mobile destination number');
  const media = request.message_body.media && request.message_body.media.length > 0 ? request.message_body.media : null;
  // The description says "MMS is supported for U.S. numbers only"; Wavix's messaging error 12 names US and CA (notes
  // §5.5). The sources disagree, so the wider rule is kept (smsops sends no MMS: `media` is always null).
  if (media && country !== 'US' && country !== 'CA')
    return wavixError.badRequest('to', 'MMS can only be sent to US and CA numbers');

  const fromDigits = digits(request.from);
  const ownNumber = state.numbers.find((n) => n.number === fromDigits && n.sms_enabled);
  const sender = state.senderIds.find((s) => s.sender_id === request.from);
  if (!ownNumber && !sender?.allowlisted_in.includes(country)) {
    return wavixError.badRequest('from', sender ? 'The Sender ID is not provisioned for the country' : 'Sender ID not found');
  }
  // How Wavix refuses an opted-out recipient is not described (error 9 "Unsubscribed recipient" has no HTTP shape):
  // the emulator answers the send's documented 400, in Wavix's words, rather than accepting and rejecting later.
  if (blockingOptOut(state, to, request.from)) return wavixError.badRequest('to', 'Unsubscribed recipient');
  const { segments, encoding } = countSegments(request.message_body.text);
  if (request.message_body.text.length > MESSAGE_MAX_CHARS[encoding])
    return wavixError.badRequest('message_body.text', 'Message is too long');

  const message: WavixMessage = {
    message_id: randomUUID(),
    message_type: media ? 'mms' : 'sms',
    from: ownNumber ? `+${fromDigits}` : request.from,
    to: `+${to}`,
    direction: 'outbound',
    mcc: '310',
    mnc: '000',
    message_body: { text: request.message_body.text, media },
    tag: request.tag ?? null,
    status: 'accepted',
    segments: media ? 1 : segments,
    charge: (0.0475 * (media ? 1 : segments)).toFixed(4),
    carrier_fees: '0.0030',
    submitted_at: wavixTime(state.clock.now()),
    sent_at: null,
    delivered_at: null,
    error_message: null,
  };
  state.messages.push(message);
  state.messageExtras.set(message.message_id, { callbackUrl: request.callback_url ?? null });
  state.clock.schedule(SENT_AFTER_MS, `sent ${message.message_id}`, async () => {
    await setMessageStatus(state, message, 'sent');
    state.clock.schedule(FINAL_AFTER_MS, `final ${message.message_id}`, async () => {
      const failure = state.failingDestinations.get(to);
      await setMessageStatus(state, message, failure ? 'undelivered' : 'delivered', failure ?? null);
    });
  });
  return { status: 201, body: message };
}

/**
 * The messages `GET /v3/messages` and `GET /v3/messages/all` give for a query (same filters), or the 400 a bad one
 * gets. `sentTime` reads `sent_after`/`sent_before` in the endpoint's documented form; `submitted_at` is what is
 * compared, as the emulator has no other time for a message not yet sent.
 */
function matching(
  state: EmulatorState,
  query: URLSearchParams,
  sentTime: (value: string, endOfDay: boolean) => number,
): WavixMessage[] | EmulatorResponse {
  const type = query.get('type');
  if (type !== 'inbound' && type !== 'outbound') return wavixError.badRequest('type');
  // Both filters are typed by enums in the description (`MessageDeliveryStatus`, `sms|mms`); how Wavix answers another
  // value is not described: the emulator refuses it with the operation's 400 rather than answering an empty list, which
  // would hide a client asking for a status Wavix does not have.
  const status = query.get('status');
  if (status !== null && !(WAVIX_DELIVERY_STATUSES as readonly string[]).includes(status)) return wavixError.badRequest('status');
  const messageType = query.get('message_type');
  if (messageType !== null && messageType !== 'sms' && messageType !== 'mms') return wavixError.badRequest('message_type');
  // `tag` is "supported for outbound messages only"; how Wavix answers it with type=inbound is not described (ignored,
  // so every inbound message comes back?). Refused like an undocumented value: an empty list would hide the mistake.
  if (query.get('tag') !== null && type !== 'outbound') return wavixError.badRequest('tag');
  const time = (name: string, endOfDay = false) => {
    const value = query.get(name);
    return value === null ? undefined : sentTime(value, endOfDay);
  };
  const after = time('sent_after');
  const before = time('sent_before', true);
  if (Number.isNaN(after)) return wavixError.badRequest('sent_after');
  if (Number.isNaN(before)) return wavixError.badRequest('sent_before');
  return state.messages.filter((m) => {
    const at = Date.parse(m.submitted_at);
    return (
      m.direction === type &&
      (after === undefined || at >= after) &&
      (before === undefined || at <= before) &&
      (!query.get('from') || sameSender(m.from, query.get('from') ?? '')) &&
      (!query.get('to') || digits(m.to) === digits(query.get('to') ?? '')) &&
      (!query.get('status') || m.status === query.get('status')) &&
      (!query.get('tag') || m.tag === query.get('tag')) &&
      (!query.get('message_type') || m.message_type === query.get('message_type'))
    );
  });
}

const LIST_DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The list's `YYYY-MM-DD`, as documented (only the export takes a time): another form is refused with the usual 400, so
 * a client sending a time here fails in tests, not against a Wavix that may refuse or ignore it (undescribed). A
 * `sent_before` is "on or before this date": the whole day counts, as it does for the opt-out list. UTC, as the export.
 */
function listTime(value: string, endOfDay: boolean): number {
  if (!LIST_DAY.test(value)) return Number.NaN;
  const ms = Date.parse(`${value}T00:00:00Z`);
  if (Number.isNaN(ms)) return Number.NaN;
  return endOfDay ? ms + 86_400_000 - 1 : ms;
}

function list(state: EmulatorState, query: URLSearchParams): EmulatorResponse {
  const items = matching(state, query, listTime);
  if (isResponse(items)) return items;
  const page = paginate(items, query);
  if (isResponse(page)) return page;
  return { status: 200, body: { items: page.items, pagination: page.pagination } };
}

const EXPORT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

/**
 * The export's `YYYY-MM-DDTHH:MM:SS`, as documented: another form is refused (how Wavix refuses it is not described;
 * the emulator answers its usual 400). Wavix does not say which zone it means: the emulator keeps every time in UTC
 * and reads it so. `sent_before` is "on or before" that second.
 */
function exportTime(value: string, endOfDay: boolean): number {
  if (!EXPORT_TIME.test(value)) return Number.NaN;
  const ms = Date.parse(`${value}Z`);
  return endOfDay && !Number.isNaN(ms) ? ms + 999 : ms;
}

/**
 * `GET /v3/messages/all`: every matching message, one JSON object a line (NDJSON, `application/x-ndjson`), unpaged, in
 * the order the emulator holds them (oldest first; Wavix does not document its order). Its Last-Modified and ETag
 * headers are documented with the example '0' and no meaning: the emulator sends the newest message's time and the
 * count.
 */
function exportAll(state: EmulatorState, query: URLSearchParams): EmulatorResponse {
  const items = matching(state, query, exportTime);
  if (isResponse(items)) return items;
  const content = items.map((m) => `${JSON.stringify(m)}\n`).join('');
  const newest = items.reduce((at, m) => Math.max(at, Date.parse(m.submitted_at) || 0), 0);
  return {
    status: 200,
    text: { content, contentType: 'application/x-ndjson' },
    headers: { 'last-modified': new Date(newest).toUTCString(), etag: `"${items.length}-${newest}"` },
  };
}

/** An SMS/MMS arriving at one of the account's numbers: recorded, then posted to the configured webhook. */
export async function receiveInbound(
  state: EmulatorState,
  input: { from: string; to: string; text: string; media: string[] | null; message_id?: string },
) {
  const to = digits(input.to);
  const from = inboundSender(input.from);
  const number = state.numbers.find((n) => n.number === to);
  if (!number) return wavixError.badRequest('to', `${to} is not a number of this account`);
  if (!number.sms_enabled) return wavixError.unprocessable(`${to} is not SMS-enabled, so Wavix would not accept the message`);
  const messageId = input.message_id ?? randomUUID();
  const receivedAt = new Date(state.clock.now()).toISOString();
  const media = input.media && input.media.length > 0 ? input.media : null;
  if (!state.messages.some((m) => m.message_id === messageId)) {
    state.messages.push({
      message_id: messageId,
      message_type: media ? 'mms' : 'sms',
      from,
      to,
      direction: 'inbound',
      mcc: null,
      mnc: null,
      message_body: { text: input.text, media },
      tag: null,
      status: 'delivered',
      segments: media ? 1 : countSegments(input.text).segments,
      charge: '0.0000',
      carrier_fees: '0.0000',
      submitted_at: wavixTime(state.clock.now()),
      sent_at: null,
      delivered_at: wavixTime(state.clock.now()),
      error_message: null,
    });
  }
  applyStopWord(state, from, to, input.text);
  const url = inboundWebhookUrl(state, to);
  if (!url) return { status: 200, body: { message_id: messageId, delivered_to: null, webhook_status: null } };
  // Field order of Wavix's documented sample (notes §6.1).
  const payload = {
    message_id: messageId,
    from,
    to,
    message_body: { text: input.text, media },
    received_at: receivedAt,
  };
  const result = await postWebhook(state, 'InboundMessage', url, payload);
  return {
    status: 200,
    body: { message_id: messageId, delivered_to: url, webhook_status: result.status, webhook_error: result.error },
  };
}

export function registerMessageRoutes(router: Router): void {
  for (const base of ['/v3/messages', '/v2/messages']) {
    router.add('POST', base, ({ state, body }) => send(state, body));
    router.add('GET', base, ({ state, query }) => list(state, query));
    // Before `:id`, which would take "all" for a message id.
    router.add('GET', `${base}/all`, ({ state, query }) => exportAll(state, query));
    router.add('GET', `${base}/:id`, ({ state, params }) => {
      const message = state.messages.find((m) => m.message_id === params.id);
      return message ? { status: 200, body: message } : wavixError.notFound();
    });
  }
}
