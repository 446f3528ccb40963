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
  const parts = key.split(CONVERSATION_KEY_SEPARATOR);
  if (parts.length !== 2) return undefined;
  const [customerNumber, smsopsNumber] = parts as [string, string];
  if (customerNumber.trim() === '' || smsopsNumber.trim() === '') return undefined;
  return { customerNumber, smsopsNumber };
}
