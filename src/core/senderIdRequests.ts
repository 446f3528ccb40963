import type { SenderIdRequest } from './model/senderId.js';
import type { WavixSenderId } from './ports/wavix.js';

/**
 * How long a kept request waits for Wavix to list it before it is taken as never made: far past a create's 30 s
 * budget, so one still under way is never dropped, and short enough that a Sender ID made in the portal later is not
 * taken for it.
 */
export const REQUEST_UNLISTED_FOR_MS = 10 * 60_000;

const digitsOrText = (value: string) => value.replace(/^\+/, '');

/** Whether a kept request is for this Sender ID: the value as Wavix keeps it (case counts) and the type. */
export function requestIsFor(request: SenderIdRequest, sender: { value: string; type: string }): boolean {
  return request.type === sender.type && digitsOrText(request.value) === digitsOrText(sender.value);
}

/**
 * The oldest kept request that a Wavix record smsops has not stored answers, taken out of `open`: the same Sender ID,
 * allowlisted in none but the countries it asked for (a record allowlisted elsewhere was made another way).
 */
export function takeRequestFor(open: SenderIdRequest[], sender: WavixSenderId): SenderIdRequest | undefined {
  const index = open.findIndex(
    (request) =>
      requestIsFor(request, { value: sender.sender_id, type: sender.type }) &&
      sender.allowlisted_in.every((country) => request.countries.includes(country.toUpperCase())),
  );
  return index === -1 ? undefined : open.splice(index, 1)[0];
}
