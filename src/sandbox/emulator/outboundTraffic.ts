import { randomUUID } from 'node:crypto';
import { FINAL_AFTER_MS, SENT_AFTER_MS, setMessageStatus } from './routes/messages.js';
import { type EmulatorState, type WavixMessage, wavixTime } from './state.js';

/**
 * Outbound traffic as if the account's own systems (a PBX, a CRM) had sent it through Wavix: messages on the
 * account with the usual `sent` then final delivery reports to the DLR webhook, some of them undelivered. Lets the
 * sandbox show `/sms traffic`, the failure-rate alert and the digest without anyone sending for real.
 *
 * Errors are from Wavix's messaging error list (notes §6.4), in words, since how the numbered codes show in `error`
 * is not documented.
 */
export const REALISTIC_FAILURES = [
  'Rejected by far-end carrier',
  'Destination no longer active',
  'Messaging not supported by carrier or handset',
  'Destination blocked',
] as const;

export interface OutboundTrafficRequest {
  count: number;
  /** 0 to 1: the share that ends undelivered (rounded to whole messages). */
  failureRate: number;
  /** One of the account's SMS-enabled numbers (digits or +digits); default the first. */
  from?: string;
}

const digits = (value: string) => value.replace(/\D/g, '');

/** Which of `count` messages fail: `failed` of them, spread evenly so any slice of the run shows failures. */
export const failingIndexes = (count: number, failed: number): Set<number> =>
  new Set(Array.from({ length: failed }, (_, k) => Math.floor(((k + 0.5) * count) / failed)));

export function createOutboundTraffic(
  state: EmulatorState,
  request: OutboundTrafficRequest,
): { ok: true; messageIds: string[]; failed: number; from: string } | { ok: false; error: string } {
  const numbers = state.numbers.filter((n) => n.sms_enabled);
  const from = request.from === undefined ? numbers[0] : numbers.find((n) => n.number === digits(request.from ?? ''));
  if (!from)
    return {
      ok: false,
      error: request.from
        ? `${request.from} is not an SMS-enabled number of this account`
        : 'the account has no SMS-enabled number',
    };
  const failed = Math.round(request.count * request.failureRate);
  const failing = failingIndexes(request.count, failed);
  const messageIds: string[] = [];
  let failures = 0;
  for (let i = 0; i < request.count; i++) {
    // US numbers in the 202 area, distinct per message; the text is not what this is about.
    const to = `1202555${String(1000 + (i % 9000)).padStart(4, '0')}`;
    const message: WavixMessage = {
      message_id: randomUUID(),
      message_type: 'sms',
      from: `+${from.number}`,
      to: `+${to}`,
      direction: 'outbound',
      mcc: '310',
      mnc: '000',
      message_body: { text: `Sandbox traffic ${i + 1} of ${request.count}`, media: null },
      tag: 'sandbox-traffic',
      status: 'accepted',
      segments: 1,
      charge: '0.0475',
      carrier_fees: '0.0030',
      submitted_at: wavixTime(state.clock.now()),
      sent_at: null,
      delivered_at: null,
      error_message: null,
    };
    state.messages.push(message);
    state.messageExtras.set(message.message_id, { callbackUrl: null });
    // Each failure takes the next reason in turn, so a run shows them all.
    const failure = failing.has(i) ? REALISTIC_FAILURES[failures++ % REALISTIC_FAILURES.length] : undefined;
    state.clock.schedule(SENT_AFTER_MS, `sent ${message.message_id}`, async () => {
      await setMessageStatus(state, message, 'sent');
      state.clock.schedule(FINAL_AFTER_MS, `final ${message.message_id}`, async () => {
        await setMessageStatus(state, message, failure ? 'undelivered' : 'delivered', failure ?? null);
      });
    });
    messageIds.push(message.message_id);
  }
  return { ok: true, messageIds, failed, from: `+${from.number}` };
}
