import { connectionFailureInWords } from './connectionFailure.js';
import type { Delivery } from './model/delivery.js';

/** How much of a destination's answer an admin sees: enough to recognise PortSIP's error, too little to read a page. */
export const ANSWER_EXCERPT_CHARS = 80;

const excerpt = (text: string) => {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is removed
  const flat = text.replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim();
  return flat.length <= ANSWER_EXCERPT_CHARS ? flat : `${flat.slice(0, ANSWER_EXCERPT_CHARS - 1)}…`;
};

/**
 * What a failing delivery's destination answered, as a person may read it (unescaped: the UI escapes). A route's URL
 * decides where smsops posts, so the body of the answer is a read-back channel for whoever set it: only admins see
 * an excerpt (HTTP status and ~80 characters); everyone else sees the HTTP status alone, or that there was no
 * answer (a connection error names addresses and ports, which is the same channel). The Slack leg's errors are
 * Slack's own codes and are shown to everyone.
 */
export function destinationAnswer(
  delivery: Pick<Delivery, 'destinationKind' | 'lastStatusCode' | 'lastError'> & { destination?: string },
  showExcerpt: boolean,
): string | null {
  const { lastError } = delivery;
  if (!lastError && delivery.lastStatusCode === null) return null;
  if (delivery.destinationKind === 'slack') return lastError ? excerpt(lastError) : null;
  const typed = lastError ? /^HTTP (\d{3})\b:?\s*/.exec(lastError) : null;
  const status = delivery.lastStatusCode ?? (typed ? Number(typed[1]) : null);
  if (!showExcerpt) {
    if (status !== null && status > 0) return `HTTP ${status}`;
    const words = lastError ? connectionFailureInWords(lastError, delivery.destination) : null;
    return words ? `no HTTP answer: ${words}` : 'no HTTP answer';
  }
  if (!lastError) return `HTTP ${status}`;
  const body = typed ? lastError.slice(typed[0].length) : lastError;
  if (status !== null && status > 0) return body.trim() ? `HTTP ${status}: ${excerpt(body)}` : `HTTP ${status}`;
  // A library's text ("other side closed", OpenSSL's "80FC…:SSL routines:…") said nothing to the doctor's reader: the
  // kind in words with its code, and for an admin the address it was tried at (DNS may name the wrong one).
  const words = connectionFailureInWords(lastError, delivery.destination);
  if (!words) return excerpt(body);
  const address = /\b((?:\d{1,3}\.){3}\d{1,3}:\d+|\[[0-9a-f:.]+\]:\d+)/i.exec(lastError)?.[1];
  return `no HTTP answer: ${words}${address ? `, tried at ${address}` : ''}`;
}
