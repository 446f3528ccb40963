import type { WavixMessage } from '../../src/sandbox/emulator/state.js';
import type { SmsopsUnderTest } from './smsopsUnderTest.js';

/**
 * Wavix's record of an outbound message, as `GET /v3/messages/{id}` answers it: smsops confirms a reply's delivery
 * report there before the report settles the reply. A message already on the emulator's list is updated in place.
 */
export function wavixRecords(
  s: Pick<SmsopsUnderTest, 'emulator'>,
  record: Pick<WavixMessage, 'message_id' | 'status'> & Partial<Pick<WavixMessage, 'tag' | 'error_message' | 'segments'>>,
): void {
  const { messages } = s.emulator.state();
  const known = messages.find((m) => m.message_id === record.message_id);
  if (known) {
    Object.assign(known, record);
    return;
  }
  messages.push({
    message_type: 'sms',
    from: '+14155550100',
    to: '+447400123456',
    direction: 'outbound',
    mcc: '310',
    mnc: '000',
    message_body: { text: 'a reply', media: null },
    tag: null,
    segments: 1,
    charge: '0.0475',
    carrier_fees: '0.0030',
    submitted_at: new Date().toISOString(),
    sent_at: null,
    delivered_at: null,
    error_message: null,
    ...record,
  });
}
