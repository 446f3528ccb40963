import { z } from 'zod';
import type { FaultInjector } from '../faults.js';
import { type EmulatorResponse, wavixError } from '../http.js';
import { createOutboundTraffic } from '../outboundTraffic.js';
import type { Router } from '../router.js';
import { seedState } from '../seed.js';
import type { EmulatorState } from '../state.js';
import { receiveInbound, setMessageStatus } from './messages.js';
import { allowlist } from './senderIds.js';
import { changeTenDlcNumberStatus, changeTenDlcStatus } from './tenDlc.js';

/**
 * Admin calls under /_emulator/: not part of Wavix. They let a test or a person move the clock, decide Sender ID
 * reviews, make Wavix post an inbound SMS or a delivery report, and inject faults.
 */
const adminError = (status: number, message: string): EmulatorResponse => ({ status, body: { error: message } });

function parse<T>(schema: z.ZodType<T>, body: unknown): { ok: true; value: T } | { ok: false; response: EmulatorResponse } {
  const parsed = schema.safeParse(body ?? {});
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, response: adminError(400, z.prettifyError(parsed.error)) };
}

const faultRule = z.object({
  method: z.string().optional(),
  path: z.string().optional(),
  status: z.number().int().min(100).max(599).optional(),
  retryAfterSeconds: z.number().nonnegative().optional(),
  latencyMs: z.number().nonnegative().optional(),
  times: z.number().int().positive().nullable().optional(),
  body: z.unknown().optional(),
});

const countries = z.object({ countries: z.array(z.string().regex(/^[A-Z]{2}$/)).min(1), reason: z.string().optional() });

export function registerAdminRoutes(
  router: Router,
  deps: {
    faults: FaultInjector;
    replaceState: (state: EmulatorState) => void;
    seed: 'default' | 'empty';
    seedOptions?: { pbxDids?: number };
  },
): void {
  router.add('POST', '/_emulator/faults', ({ body }) => {
    const parsed = parse(faultRule, body);
    if (!parsed.ok) return parsed.response;
    const { times, ...rule } = parsed.value;
    deps.faults.add({ ...rule, times: times === null ? Number.POSITIVE_INFINITY : times });
    return { status: 201, body: { ok: true } };
  });
  router.add('DELETE', '/_emulator/faults', () => {
    deps.faults.clear();
    return { status: 200, body: { ok: true } };
  });
  router.add('GET', '/_emulator/requests', ({ state }) => ({ status: 200, body: state.served }));
  router.add('GET', '/_emulator/webhooks', ({ state }) => ({ status: 200, body: state.webhookAttempts }));
  router.add('POST', '/_emulator/clock/advance', async ({ state, body }) => {
    const parsed = parse(z.object({ ms: z.number().nonnegative() }), body);
    if (!parsed.ok) return parsed.response;
    await state.clock.advance(parsed.value.ms);
    return { status: 200, body: { now: new Date(state.clock.now()).toISOString() } };
  });

  router.add('POST', '/_emulator/sender-ids/:id/approve', ({ state, params, body }) => {
    const parsed = parse(countries, body);
    if (!parsed.ok) return parsed.response;
    const sender = state.senderIds.find((s) => s.id === params.id);
    const review = state.reviews.get(params.id ?? '');
    if (!sender) return wavixError.notFound();
    for (const country of parsed.value.countries) {
      const task = review?.pending.get(country);
      if (task) state.clock.cancel(task);
      review?.pending.delete(country);
      review?.rejected.delete(country);
      allowlist(sender, country);
    }
    return { status: 200, body: sender };
  });
  // Wavix has no rejected state in its API: a rejected country simply never joins allowlisted_in. The reason is
  // kept here and shown only in /_emulator/state, as Wavix's staff would tell it by e-mail or in the portal.
  router.add('POST', '/_emulator/sender-ids/:id/reject', ({ state, params, body }) => {
    const parsed = parse(countries, body);
    if (!parsed.ok) return parsed.response;
    const sender = state.senderIds.find((s) => s.id === params.id);
    const review = state.reviews.get(params.id ?? '');
    if (!sender || !review) return wavixError.notFound();
    for (const country of parsed.value.countries) {
      const task = review.pending.get(country);
      if (task) state.clock.cancel(task);
      review.pending.delete(country);
      review.rejected.set(country, parsed.value.reason ?? 'Rejected by the carrier');
      sender.allowlisted_in = sender.allowlisted_in.filter((c) => c !== country);
    }
    return { status: 200, body: sender };
  });

  // A number released in the portal (or ported away, or moved to another sub-account: to this account's key they look
  // alike) is simply gone from the listing and from a search by its digits; Wavix posts nothing about it.
  router.add('POST', '/_emulator/numbers/:number/release', ({ state, params }) => {
    const digits = (params.number ?? '').replace(/\D/g, '');
    const index = state.numbers.findIndex((n) => n.number === digits);
    if (index < 0) return wavixError.notFound();
    const [released] = state.numbers.splice(index, 1);
    return { status: 200, body: released };
  });

  router.add('POST', '/_emulator/inbound', async ({ state, body }) => {
    const parsed = parse(
      z.object({
        from: z.string().min(1),
        to: z.string().min(1),
        text: z.string().default(''),
        // At most 5, as Wavix's `MessageBody` allows: the emulator never posts an InboundMessage Wavix could not send
        // (a test wanting a hostile payload posts it to smsops itself).
        media: z.array(z.string()).max(5).nullable().default(null),
        message_id: z.string().optional(),
      }),
      body,
    );
    if (!parsed.ok) return parsed.response;
    return receiveInbound(state, parsed.value);
  });
  router.add('POST', '/_emulator/dlr', async ({ state, body }) => {
    const parsed = parse(
      z.object({
        message_id: z.string(),
        status: z.enum(['accepted', 'pending', 'sent', 'delivered', 'undelivered', 'expired', 'rejected', 'dlr_expired']),
        error: z.string().optional(),
      }),
      body,
    );
    if (!parsed.ok) return parsed.response;
    const message = state.messages.find((m) => m.message_id === parsed.value.message_id && m.direction === 'outbound');
    if (!message) return wavixError.notFound();
    const result = await setMessageStatus(state, message, parsed.value.status, parsed.value.error ?? null);
    return { status: 200, body: result };
  });
  // Outbound messages as the account's own systems would send them, each reported to the DLR webhook; some fail.
  router.add('POST', '/_emulator/outbound-traffic', ({ state, body }) => {
    const parsed = parse(
      z.object({
        count: z.number().int().min(1).max(1000),
        failureRate: z.number().min(0).max(1).default(0),
        from: z.string().optional(),
      }),
      body,
    );
    if (!parsed.ok) return parsed.response;
    const created = createOutboundTraffic(state, parsed.value);
    if (!created.ok) return adminError(422, created.error);
    return { status: 201, body: { from: created.from, message_ids: created.messageIds, failing: created.failed } };
  });
  router.add('POST', '/_emulator/failing-destinations', ({ state, body }) => {
    const parsed = parse(z.object({ number: z.string(), error: z.string().default('Rejected by far-end carrier') }), body);
    if (!parsed.ok) return parsed.response;
    state.failingDestinations.set(parsed.value.number.replace(/\D/g, ''), parsed.value.error);
    return { status: 201, body: { ok: true } };
  });
  router.add('POST', '/_emulator/10dlc/brands/:brand_id/status', ({ state, params, body }) => {
    const parsed = parse(z.object({ status: z.string() }), body);
    if (!parsed.ok) return parsed.response;
    return changeTenDlcStatus(state, { brandId: params.brand_id ?? '' }, parsed.value.status);
  });
  router.add('POST', '/_emulator/10dlc/brands/:brand_id/campaigns/:campaign_id/status', ({ state, params, body }) => {
    const parsed = parse(z.object({ status: z.string() }), body);
    if (!parsed.ok) return parsed.response;
    return changeTenDlcStatus(
      state,
      { brandId: params.brand_id ?? '', campaignId: params.campaign_id ?? '' },
      parsed.value.status,
    );
  });

  router.add(
    'POST',
    '/_emulator/10dlc/brands/:brand_id/campaigns/:campaign_id/numbers/:number/status',
    ({ state, params, body }) => {
      const parsed = parse(z.object({ status: z.enum(['APPROVED', 'PENDING', 'REJECTED']) }), body);
      if (!parsed.ok) return parsed.response;
      const target = { brandId: params.brand_id ?? '', campaignId: params.campaign_id ?? '', number: params.number ?? '' };
      return changeTenDlcNumberStatus(state, target, parsed.value.status);
    },
  );

  router.add('GET', '/_emulator/state', ({ state }) => ({
    status: 200,
    body: {
      now: new Date(state.clock.now()).toISOString(),
      numbers: state.numbers,
      senderIds: state.senderIds.map((s) => {
        const review = state.reviews.get(s.id);
        return {
          ...s,
          requested: review?.requested ?? [],
          pendingReview: [...(review?.pending.keys() ?? [])],
          rejected: Object.fromEntries(review?.rejected ?? []),
        };
      }),
      profile: state.profile,
      messages: state.messages,
      brands: state.brands,
      campaigns: state.campaigns,
      subscriptions: state.subscriptions,
      scheduled: state.clock.pending().map((t) => ({ at: new Date(t.at).toISOString(), label: t.label })),
    },
  }));
  router.add('POST', '/_emulator/reset', ({ state }) => {
    deps.faults.clear();
    state.clock.clear();
    deps.replaceState(seedState(deps.seed, state.clock, deps.seedOptions));
    return { status: 200, body: { ok: true } };
  });
}
