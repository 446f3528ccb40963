import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type EmulatorResponse, wavixError } from '../http.js';
import type { Router } from '../router.js';
import { ALPHANUMERIC_FORBIDDEN, alphanumericSenderIdProblem, MANUAL_REVIEW_COUNTRIES } from '../rules.js';
import type { EmulatorState, WavixSenderId } from '../state.js';
import { parseBody } from './validation.js';

const createRequest = z.strictObject({
  sender_id: z.string().min(1),
  type: z.enum(['numeric', 'alphanumeric']),
  countries: z.array(z.string().regex(/^[A-Z]{2}$/)).min(1),
  usecase: z.enum(['transactional', 'promo', 'authentication']),
  monthly_volume: z.enum(['1-1000', '1001-20000', '20001-50000', '50001-100000', 'More than 100000']).optional(),
  samples: z.array(z.string()).optional(),
});

/** Wavix's provisioning refusal (APIMATIC docs: 400 "Sender ID cannot be provisioned…"). */
const cannotProvision = (reason: string): EmulatorResponse =>
  wavixError.badRequest('sender_id', `Sender ID cannot be provisioned. ${reason}`);

/** Approves a country after review: it joins allowlisted_in, the only approval signal Wavix exposes. */
export function allowlist(sender: WavixSenderId, country: string): void {
  if (!sender.allowlisted_in.includes(country)) sender.allowlisted_in.push(country);
}

export function createSenderId(state: EmulatorState, body: unknown, reviewDelayMs: number): EmulatorResponse {
  const parsed = parseBody(createRequest, body);
  if (!parsed.ok) return parsed.response;
  const request = parsed.value;
  const countries = [...new Set(request.countries)];

  if (request.type === 'alphanumeric') {
    const problem = alphanumericSenderIdProblem(request.sender_id);
    if (problem) return cannotProvision(problem);
    const forbidden = countries.filter((c) => ALPHANUMERIC_FORBIDDEN.has(c));
    if (forbidden.length > 0) return cannotProvision(`Alphanumeric Sender IDs are not supported in ${forbidden.join(', ')}`);
  } else {
    const digits = request.sender_id.replace(/^\+/, '');
    const number = state.numbers.find((n) => n.number === digits);
    if (!number) return cannotProvision('A numeric Sender ID must be a phone number on your account');
    if (!number.sms_enabled) return cannotProvision('The phone number is not SMS-enabled');
    if (countries.includes('US')) return cannotProvision('Use the 10DLC API to create Sender IDs in the US');
  }

  const sender: WavixSenderId = {
    id: randomUUID(),
    sender_id: request.type === 'numeric' ? request.sender_id.replace(/^\+/, '') : request.sender_id,
    type: request.type,
    allowlisted_in: [],
    usecase: request.usecase,
    samples: request.samples ?? [],
  };
  const review = { requested: countries, pending: new Map(), rejected: new Map<string, string>() };
  for (const country of countries) {
    if (!MANUAL_REVIEW_COUNTRIES.has(country)) {
      allowlist(sender, country); // self-service countries are allowlisted at once (Wavix send-SMS guide)
      continue;
    }
    const task = state.clock.schedule(reviewDelayMs, `approve ${sender.sender_id} in ${country}`, () => {
      review.pending.delete(country);
      allowlist(sender, country);
    });
    review.pending.set(country, task);
  }
  state.senderIds.push(sender);
  state.reviews.set(sender.id, review);
  return { status: 201, body: sender };
}

export function registerSenderIdRoutes(router: Router): void {
  // Wavix has used both spellings and both versions (notes §1); serve them all with one behaviour.
  for (const base of [
    '/v3/messages/sender-ids',
    '/v3/messages/sender_ids',
    '/v2/messages/sender_ids',
    '/v2/messages/sender-ids',
  ]) {
    router.add('GET', base, ({ state }) => ({ status: 200, body: { items: state.senderIds } }));
    router.add('POST', base, ({ state, body, reviewDelayMs }) => createSenderId(state, body, reviewDelayMs));
    router.add('GET', `${base}/restrictions`, ({ query }) => {
      const country = query.get('country') ?? '';
      const type = query.get('type') ?? '';
      if (!/^[A-Z]{2}$/.test(country)) return wavixError.badRequest('country');
      if (type !== 'numeric' && type !== 'alphanumeric') return wavixError.badRequest('type');
      const refused =
        (type === 'alphanumeric' && ALPHANUMERIC_FORBIDDEN.has(country)) || (type === 'numeric' && country === 'US');
      return { status: 200, body: { self_service: !refused && !MANUAL_REVIEW_COUNTRIES.has(country) } };
    });
    router.add('GET', `${base}/:id`, ({ state, params }) => {
      const sender = state.senderIds.find((s) => s.id === params.id);
      return sender ? { status: 200, body: sender } : wavixError.notFound();
    });
    router.add('DELETE', `${base}/:id`, ({ state, params }) => {
      const index = state.senderIds.findIndex((s) => s.id === params.id);
      if (index < 0) return wavixError.notFound();
      state.senderIds.splice(index, 1);
      for (const task of state.reviews.get(params.id ?? '')?.pending.values() ?? []) state.clock.cancel(task);
      return { status: 200, body: { success: true } };
    });
  }
}
