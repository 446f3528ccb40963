import { z } from 'zod';
import { type EmulatorResponse, isResponse, paginate, wavixError } from '../http.js';
import type { Router } from '../router.js';
import { type EmulatorState, type WavixOptOut, wavixTime } from '../state.js';

/**
 * Wavix's opt-out list, `GET|POST /v3/messages/opt-outs` (OpenAPI `OptOutItem`, `OptOutCreateRequest`), and the
 * opt-outs a carrier makes when a person texts a stop word to one of the account's numbers.
 *
 * What the description leaves open, and what the emulator chose:
 * - POST answers 201 `{success:true}`; creating an opt-out already in force is not described: answered 201 again
 *   without a second record (an opt-out is a state, not an event).
 * - POST lists 404 without saying when: answered when `sender_id` is neither a Sender ID nor a number of the account.
 * - The list's order is not described: oldest first, as its example shows.
 * - Which stop words apply to inbound SMS: Wavix's messaging error 9 names STOP, QUIT and UNSUBSCRIBE, its FAQ adds
 *   CANCEL and END, and START, YES, UNSTOP as opt-in words (notes §5.5). Matched on the whole message, trimmed, any
 *   case; whether Wavix tolerates punctuation around the word ("Stop.") is not documented, so here it does not.
 * - Whether a stop word opts out of the receiving number only or of the whole account is not documented: here the
 *   receiving number only (`sender_id` = that number), as US carriers do; an opt-in lifts that opt-out only.
 * - Opt-outs of a 10DLC campaign (`campaign_id`) are listed but do not block sends here: the emulator does not model
 *   which numbers a campaign sends from.
 */
export const STOP_WORDS = new Set(['STOP', 'QUIT', 'UNSUBSCRIBE', 'CANCEL', 'END']);
export const START_WORDS = new Set(['START', 'YES', 'UNSTOP']);

const digits = (value: string) => value.replace(/\D/g, '');
/** A numeric sender compares by digits ("+1415…" is "1415…"); an alphanumeric one as written. */
const sameSender = (a: string, b: string) => a === b || (/^\+?\d+$/.test(a) && /^\+?\d+$/.test(b) && digits(a) === digits(b));

function inForce(state: EmulatorState, phoneNumber: string, senderId: string | null): WavixOptOut | undefined {
  return state.optOuts.find(
    (o) =>
      o.phone_number === phoneNumber &&
      o.campaign_id === null &&
      (senderId === null ? o.sender_id === null : o.sender_id !== null && sameSender(o.sender_id, senderId)),
  );
}

/** The opt-out that stops a message from `from` to `to`: one for that sender, or one for every sender. */
export function blockingOptOut(state: EmulatorState, to: string, from: string): WavixOptOut | undefined {
  return inForce(state, digits(to), from) ?? inForce(state, digits(to), null);
}

function addOptOut(state: EmulatorState, phoneNumber: string, senderId: string | null): WavixOptOut {
  const existing = inForce(state, phoneNumber, senderId);
  if (existing) return existing;
  const optOut = { phone_number: phoneNumber, sender_id: senderId, campaign_id: null, created_at: wavixTime(state.clock.now()) };
  state.optOuts.push(optOut);
  return optOut;
}

/**
 * A stop word from `from` to one of the account's numbers opts `from` out of that number; a start word undoes it. A
 * Sender ID ("MyBank-2FA") opts nothing out: nothing can be sent to it, and an opt-out's `phone_number` is a number.
 */
export function applyStopWord(state: EmulatorState, from: string, to: string, text: string): 'opted_out' | 'opted_in' | null {
  if (!/^\+?\d+$/.test(from)) return null;
  const word = text.trim().toUpperCase();
  const phoneNumber = digits(from);
  const number = digits(to);
  if (STOP_WORDS.has(word)) {
    addOptOut(state, phoneNumber, number);
    return 'opted_out';
  }
  if (START_WORDS.has(word)) {
    const list = state.optOuts;
    const existing = inForce(state, phoneNumber, number);
    if (existing) list.splice(list.indexOf(existing), 1);
    return 'opted_in';
  }
  return null;
}

const optOutFields = z.strictObject({ number: z.string().min(1), sender_id: z.string().min(1).optional() });
/** The described wrapper; Wavix's Ruby SDK sends the fields flat; its send-SMS guide names the number `phone_number`. */
const createRequest = z.union([
  z.strictObject({ opt_out: optOutFields }).transform((b) => b.opt_out),
  optOutFields,
  z.strictObject({ phone_number: z.string().min(1), sender_id: z.string().min(1).optional() }).transform((b) => ({
    number: b.phone_number,
    sender_id: b.sender_id,
  })),
]);

function create(state: EmulatorState, body: unknown): EmulatorResponse {
  const parsed = createRequest.safeParse(body ?? {});
  if (!parsed.success) {
    const wrapped = typeof body === 'object' && body !== null && 'opt_out' in body;
    return wavixError.badRequest(wrapped ? 'opt_out.number' : 'opt_out');
  }
  const phoneNumber = digits(parsed.data.number);
  if (phoneNumber.length < 7 || phoneNumber.length > 15) return wavixError.badRequest('opt_out.number');
  const senderId = parsed.data.sender_id ?? null;
  if (
    senderId !== null &&
    !state.senderIds.some((s) => s.sender_id === senderId) &&
    !state.numbers.some((n) => n.number === digits(senderId) && /^\+?\d+$/.test(senderId))
  ) {
    return wavixError.notFound();
  }
  addOptOut(state, phoneNumber, senderId);
  return { status: 201, body: { success: true } };
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function list(state: EmulatorState, query: URLSearchParams): EmulatorResponse {
  const day = (name: string): number | undefined | 'bad' => {
    const value = query.get(name);
    if (value === null) return undefined;
    const ms = Date.parse(`${value}T00:00:00Z`);
    return DATE.test(value) && !Number.isNaN(ms) ? ms : 'bad';
  };
  const after = day('created_after');
  const before = day('created_before');
  if (after === 'bad') return wavixError.badRequest('created_after');
  if (before === 'bad') return wavixError.badRequest('created_before');
  // Described as at most 100 for this call (the emulator's shared pagination allows more elsewhere).
  if (query.has('per_page') && Number(query.get('per_page')) > 100) return wavixError.badRequest('per_page');
  const senderId = query.get('sender_id');
  const campaignId = query.get('campaign_id');
  const items = state.optOuts.filter((o) => {
    const at = Date.parse(o.created_at);
    return (
      (!senderId || (o.sender_id !== null && sameSender(o.sender_id, senderId))) &&
      (!campaignId || o.campaign_id === campaignId) &&
      (after === undefined || at >= after) &&
      // "on or before this date": the whole day counts.
      (before === undefined || at < before + 86_400_000)
    );
  });
  const page = paginate(items, query);
  if (isResponse(page)) return page;
  return { status: 200, body: { items: page.items, pagination: page.pagination } };
}

export function registerOptOutRoutes(router: Router): void {
  // Both spellings and both versions (notes §1 "path spelling drift", §5.6).
  for (const path of ['/v3/messages/opt-outs', '/v3/messages/opt_outs', '/v2/messages/opt-outs', '/v2/messages/opt_outs']) {
    router.add('GET', path, ({ state, query }) => list(state, query));
    router.add('POST', path, ({ state, body }) => create(state, body));
  }
}
