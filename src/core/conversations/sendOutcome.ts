import { NEVER_CONNECTED_CODES, WavixCallFailure } from '../ports/wavixFailure.js';

/**
 * What a failed send says about the SMS. `refused`: Wavix answered with a 4xx (its own words; an opt-out is one of
 * them), or the address answered with a redirect that asks for the request elsewhere, so nothing went out. `unknown`: the request may have reached Wavix and been acted on (no answer in time, a
 * 5xx, a 2xx saying `success:false`, a connection broken after it was made, an answer smsops could not read, an error
 * of smsops' own): the SMS may have gone out, and a resend could reach the customer twice. Only the status decides:
 * whatever Wavix's words say (they may echo the reply, "Reply STOP to opt out"), a 5xx does not say it was not sent.
 */
export type SendFailure = 'refused' | 'unknown';

/** Moved for good, or "repeat it there": the request itself was not processed where it went. */
const PROCESSED_NOWHERE_REDIRECTS: ReadonlySet<number> = new Set([301, 307, 308]);

export function sendFailureOf(error: unknown): SendFailure {
  if (!(error instanceof WavixCallFailure)) return 'unknown';
  if (error.status !== undefined && error.status >= 400 && error.status < 500) return 'refused';
  // A redirect that asks for the request elsewhere (WAVIX_API_URL with http://, an old host name) was not acted on, and
  // smsops never follows one. Not 302 or 303: a server may answer a POST it processed with them (post/redirect/get).
  if (error.status !== undefined && PROCESSED_NOWHERE_REDIRECTS.has(error.status)) return 'refused';
  // A connection that was never made carried nothing (the client keeps only the error code, as the cause).
  if (error.kind === 'network' && typeof error.cause === 'string' && NEVER_CONNECTED_CODES.has(error.cause)) return 'refused';
  return 'unknown';
}

/** What an unknown outcome's line promises: the reply's look-ups at Wavix by its tag (replyLookup.ts) settle it. */
const LOOKED_UP = 'smsops looks it up at Wavix, and this line updates within about 30 minutes.';

/**
 * The status line's words for a send whose outcome is unknown: what actually went wrong (a 500 is not a timeout),
 * then what to do, never an invitation to send again. The line updates when Wavix reports back to smsops
 * (`reportsComeBack`: the send named smsops' DLR webhook), or when smsops' look-ups at Wavix settle it; the send's
 * tag links either to the reply.
 */
export function unknownOutcomeReason(error: unknown, reportsComeBack: boolean): string {
  const check = reportsComeBack
    ? 'Check the delivery before sending again; this line updates when Wavix reports it, or within about 30 minutes as smsops looks it up at Wavix.'
    : `Check the delivery before sending again; ${LOOKED_UP}`;
  return `${whatWentWrong(error)} ${check}`;
}

function whatWentWrong(error: unknown): string {
  if (!(error instanceof WavixCallFailure)) return 'smsops failed during the send (see its log), after Wavix may have taken it.';
  if (error.kind === 'timeout') return 'Wavix did not answer in time.';
  if (error.status !== undefined && error.status >= 500) {
    return `Wavix answered with an error (HTTP ${error.status}), which does not say whether it sent it.`;
  }
  if (error.kind === 'network') {
    const code = typeof error.cause === 'string' ? ` (${error.cause})` : '';
    return `The connection to Wavix broke${code} before its answer.`;
  }
  if (error.kind === 'invalid_response' || error.kind === 'too_large') return 'Wavix’s answer could not be read.';
  return 'Wavix’s answer did not say whether it sent it.';
}

/** The status line's words for a reply left `sending` by a process that stopped (a crash, a kill) mid-send. */
export const INTERRUPTED_SEND_REASON = `smsops stopped while sending, so it does not know whether Wavix sent it. Check the delivery before sending again; ${LOOKED_UP}`;

/** The status line's words for a reply taken in but not yet sent when smsops stopped: its text is not kept. */
export const STOPPED_BEFORE_SENDING_REASON = 'smsops stopped before sending it; post it again.';

/** The status line's words for a reply a stop would not start sending: it could not have waited for Wavix's answer. */
export const STOPPING_REASON = 'smsops was stopping; post it again.';
