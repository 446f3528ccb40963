import { countSmsSegments, describeSmsSegments, type SmsSegments } from './model/smsSegments.js';
import { isNationalForm, nationalDigitsOf } from './phone.js';
import type { OptOut, OptOutsRepository } from './ports/optOuts.js';

/**
 * Whether a reply typed in a Slack thread may go out as an SMS, and what it costs, decided before Wavix is called.
 * Wavix refuses texts longer than 1,630 GSM-7 or 670 UCS-2 characters (its messaging error 41); counting in
 * septets and code units (an extension character or an emoji counts 2) is the stricter reading, since Wavix does not
 * say which unit its limit is in.
 */
export const MAX_REPLY_UNITS = { 'GSM-7': 1630, 'UCS-2': 670 } as const;

/**
 * Text a phone shows as nothing: whitespace, format characters (zero-width space U+200B, word joiner U+2060, BOM
 * U+FEFF, direction marks: Unicode's Cf), the blank "filler" letters some keyboards offer for looking empty (U+3164,
 * U+2800…), and the other characters Unicode says to draw as nothing (Default_Ignorable_Code_Point): variation
 * selectors (an emoji's U+FE0F left alone), the combining grapheme joiner U+034F, Khmer's invisible vowels.
 */
const INVISIBLE_ONLY = /^[\s\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]*$/u;

export const looksEmpty = (text: string) => INVISIBLE_ONLY.test(text);

export type ReplyAssessment =
  | { ok: true; segments: SmsSegments; summary: string }
  | { ok: false; reason: 'empty'; summary: string }
  | { ok: false; reason: 'too_long'; segments: SmsSegments; summary: string }
  | { ok: false; reason: 'not_a_number'; segments: SmsSegments; summary: string }
  | { ok: false; reason: 'opted_out'; optOut: OptOut; segments: SmsSegments; summary: string };

/**
 * Why no reply can reach this sender, whatever it says; undefined for a number (a short code included: left to Wavix).
 * Also said where a thread is started for them (a grouped post's Answer), so nobody is told a reply there is texted.
 */
export function whyUnanswerable(sender: string): string | undefined {
  if (isNationalForm(sender)) {
    return 'this SMS came from a number in national form, without its country code, so smsops cannot tell which number a reply would reach (its digits alone may be another country’s number)';
  }
  // Wavix passes on what the sender's network gave as the sender: a name ("GOOGLE", an alphanumeric Sender ID) has no
  // number to answer, and Wavix would only refuse the send. A short code (digits) is left to Wavix.
  if (/^\+?\d{3,15}$/.test(sender)) return undefined;
  return sender.trim() === ''
    ? 'this SMS came with no sender (its network withheld it), so there is no number to answer'
    : 'this SMS came from a name (an alphanumeric Sender ID), not a phone number, and a name cannot receive an SMS';
}

export function assessReply(
  optOuts: Pick<OptOutsRepository, 'blocking'>,
  reply: { from: string; to: string; text: string },
): ReplyAssessment {
  if (looksEmpty(reply.text)) return { ok: false, reason: 'empty', summary: 'The reply is empty; nothing was sent.' };
  const segments = countSmsSegments(reply.text);
  const summary = describeSmsSegments(segments);
  const unanswerable = whyUnanswerable(reply.to);
  if (unanswerable) return { ok: false, reason: 'not_a_number', segments, summary: `Not sent: ${unanswerable}.` };
  // A STOP texted as (323) 555-0100 before national forms were read in their country is kept under 3235550100.
  const older = () => {
    const national = nationalDigitsOf(reply.to);
    return national === undefined ? undefined : optOuts.blocking(national, reply.from);
  };
  const optOut = optOuts.blocking(reply.to, reply.from) ?? older();
  if (optOut) {
    const how = optOut.keyword ? `texted ${optOut.keyword}` : 'is on Wavix’s opt-out list';
    return { ok: false, reason: 'opted_out', optOut, segments, summary: `Not sent: the customer ${how}.` };
  }
  const max = MAX_REPLY_UNITS[segments.encoding];
  if (segments.units > max) {
    return {
      ok: false,
      reason: 'too_long',
      segments,
      summary: `Not sent: ${lengthInUnits(reply.text, segments)} is over Wavix’s limit of ${max} (${summary}).`,
    };
  }
  return { ok: true, segments, summary };
}

/**
 * The reply's length in the units the limit is counted in, with the characters typed when they differ: 816 € are
 * "1632 GSM-7 septets (816 characters; € [ ] { } ~ ^ | \ count 2)", which read "1632 characters" to someone who typed 816.
 */
function lengthInUnits(text: string, segments: SmsSegments): string {
  const characters = [...text].length;
  if (segments.encoding === 'GSM-7') {
    return characters === segments.units
      ? `${segments.units} characters`
      : `${segments.units} GSM-7 septets (${characters} characters; € [ ] { } ~ ^ | \\ count 2)`;
  }
  return characters === segments.units
    ? `${segments.units} UCS-2 units`
    : `${segments.units} UCS-2 units (${characters} characters; an emoji counts 2)`;
}
