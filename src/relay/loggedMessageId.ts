/**
 * The longest Wavix message_id a log line carries. Stored and relayed whole (the relay passes Wavix's body as it is),
 * but a log line is cut: a 200,000-character id made each "relay attempts fail" warning 200 KB, and the in-flight line
 * at start (50 ids) 10 MB. Wavix's own ids are UUIDs (36 characters).
 */
export const LOGGED_MESSAGE_ID_MAX_CHARS = 100;

/** A message_id as a log line shows it: whole up to the limit, else its start and `…` (still found by grepping). */
export function loggedMessageId(id: string): string;
export function loggedMessageId(id: string | null): string | null;
export function loggedMessageId(id: string | null): string | null {
  if (id === null || id.length <= LOGGED_MESSAGE_ID_MAX_CHARS) return id;
  // Not between the halves of a surrogate pair: a lone one is no character.
  const end = /[\uD800-\uDBFF]/.test(id.charAt(LOGGED_MESSAGE_ID_MAX_CHARS - 1))
    ? LOGGED_MESSAGE_ID_MAX_CHARS - 1
    : LOGGED_MESSAGE_ID_MAX_CHARS;
  return `${id.slice(0, end)}…`;
}
