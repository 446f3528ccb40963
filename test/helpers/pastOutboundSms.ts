import { type WavixMessage, wavixTime } from '../../src/sandbox/emulator/state.js';

/**
 * `count` outbound SMS from +1 415 555 0100, already final at `at`, put straight into the emulator's messages as if
 * sent before the test began: delivered, or undelivered ("Unknown subscriber") where `fails(i)`. Each to its own UK
 * number, ids `<prefix>-<i>`. Direct pushes, not POST /v3/messages, so that 100,000 of them take no time.
 */
export function pushPastOutboundSms(
  messages: WavixMessage[],
  options: { count: number; at: number; prefix: string; fails(i: number): boolean },
): void {
  const time = wavixTime(options.at);
  for (let i = 0; i < options.count; i++) {
    const failed = options.fails(i);
    messages.push({
      message_id: `${options.prefix}-${i}`,
      message_type: 'sms',
      from: '14155550100',
      to: `4474001${String(i).padStart(5, '0')}`,
      direction: 'outbound',
      mcc: null,
      mnc: null,
      message_body: { text: 'Your code is 1234', media: null },
      tag: null,
      status: failed ? 'undelivered' : 'delivered',
      segments: 1,
      charge: '0.0475',
      carrier_fees: '0.0030',
      submitted_at: time,
      sent_at: time,
      delivered_at: time,
      error_message: failed ? 'Unknown subscriber' : null,
    });
  }
}
