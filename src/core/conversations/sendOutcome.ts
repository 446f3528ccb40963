import { WavixCallFailure } from '../ports/wavixFailure.js';

/**
 * What a failed send says about the SMS. `refused`: Wavix answered with a 4xx (its own words) or said the customer
 * opted out, so nothing went out. `unknown`: the request may have reached Wavix and been acted on (no answer in time,
 * a 5xx, a connection broken after it was made, an answer smsops could not read, an error of smsops' own): the SMS
 * may have gone out, and a resend could reach the customer twice.
 */
export type SendFailure = 'refused' | 'unknown';

export function sendFailureOf(error: unknown, isOptedOutRefusal: (error: unknown) => boolean): SendFailure {
  if (isOptedOutRefusal(error)) return 'refused';
  if (!(error instanceof WavixCallFailure)) return 'unknown';
  if (error.status !== undefined && error.status >= 400 && error.status < 500) return 'refused';
  // A connection that was never made carried nothing (the client keeps only the error code, as the cause).
  if (error.kind === 'network' && error.cause === 'ECONNREFUSED') return 'refused';
  return 'unknown';
}

/** The status line's words for a send whose outcome is unknown: never an invitation to send again. */
export const UNKNOWN_OUTCOME_REASON =
  'Wavix did not answer in time. Check the delivery (status line updates if Wavix reports it) before sending again.';

/** The status line's words for a reply left `sending` by a process that stopped (a crash, a kill) mid-send. */
export const INTERRUPTED_SEND_REASON =
  'smsops stopped while sending, so it does not know whether Wavix sent it. Check the delivery before sending again.';
