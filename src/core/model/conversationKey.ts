/**
 * The key the relay files an inbound SMS's deliveries under: `<customer>→<smsops number>`, both as Wavix wrote them
 * (digits, no +), so one conversation is one Slack thread a day (src/store/repositories/inbound.ts builds it).
 */
export const CONVERSATION_KEY_SEPARATOR = '→';

export interface ConversationParties {
  /** Who texted smsops, and whom a reply goes to. */
  customerNumber: string;
  /** The smsops number that received the conversation, and sends the replies. */
  smsopsNumber: string;
}

export function conversationKeyOf(parties: ConversationParties): string {
  return `${parties.customerNumber}${CONVERSATION_KEY_SEPARATOR}${parties.smsopsNumber}`;
}

/** The two parties of a key, or undefined for a key not built by `conversationKeyOf` (a key from an older release). */
export function parseConversationKey(key: string): ConversationParties | undefined {
  // Split at the last separator: the smsops number is digits, but the customer is whatever Wavix sent as `from`, an
  // alphanumeric sender with a `→` in it included; it is '' for an SMS whose sender was withheld (a reply to either is
  // then refused with the reason, see replyAssessment.ts, rather than ignored).
  const at = key.lastIndexOf(CONVERSATION_KEY_SEPARATOR);
  if (at < 0) return undefined;
  const customerNumber = key.slice(0, at);
  const smsopsNumber = key.slice(at + CONVERSATION_KEY_SEPARATOR.length);
  if (smsopsNumber.trim() === '') return undefined;
  return { customerNumber, smsopsNumber };
}
