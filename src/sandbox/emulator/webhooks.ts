import { encodeCopiedUrl } from '../../core/urls.js';
import type { EmulatorState } from './state.js';

/**
 * Posts webhooks the way Wavix does: POST, `Content-Type: application/json`, the JSON in Wavix's field order.
 *
 * Wavix does not document retries, timeouts or ordering for its webhooks (notes §6.3). The emulator makes exactly one
 * attempt with a 10 s timeout and records the outcome; tests that need a retry ask for the same webhook again
 * (`/_emulator/inbound` with the same message_id), which is what a Wavix retry looks like to the receiver.
 */
export async function postWebhook(
  state: EmulatorState,
  event: string,
  url: string,
  payload: unknown,
): Promise<{ status: number | null; error: string | null }> {
  const body = JSON.stringify(payload);
  let status: number | null = null;
  let error: string | null = null;
  try {
    // Wavix's URLs are taken as given; a PortSIP URL with spaces is sent percent-encoded, as an HTTP client must.
    const response = await fetch(encodeCopiedUrl(url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Wavix-Emulator' },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    status = response.status;
    await response.arrayBuffer();
  } catch (e) {
    error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
  state.webhookAttempts.push({ event, url, body, status, error, at: state.clock.now() });
  return { status, error };
}

/** Inbound SMS go to the number's own `sms_relay_url` first, then to the account default. */
export function inboundWebhookUrl(state: EmulatorState, to: string): string | null {
  const number = state.numbers.find((n) => n.number === to);
  return number?.sms_relay_url ?? state.profile.sms_relay_url;
}

/** Delivery reports go to the message's `callback_url` first, then to the account's DLR webhook. */
export function dlrWebhookUrl(state: EmulatorState, messageId: string): string | null {
  return state.messageExtras.get(messageId)?.callbackUrl ?? state.profile.dlr_relay_url;
}
