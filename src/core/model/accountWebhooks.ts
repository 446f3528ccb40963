import type { WavixProfile } from '../ports/wavix.js';

export interface AccountWebhooks {
  /** Default inbound SMS webhook (numbers without their own `sms_relay_url` use it). */
  smsRelayUrl: string | null;
  /** Default delivery report webhook. */
  dlrRelayUrl: string | null;
}

/**
 * The account defaults as `default_destinations` shows them. Transport "sms" is documented; the DLR entry's
 * transport name is not, so "dlr" is assumed (the emulator uses the same assumption; notes §4).
 */
export function accountWebhooksOf(profile: WavixProfile): AccountWebhooks {
  const find = (transport: string) => profile.default_destinations.find((d) => d.transport === transport)?.value ?? null;
  return { smsRelayUrl: find('sms'), dlrRelayUrl: find('dlr') };
}
