import { AppError } from '../../errors.js';

export type WavixErrorKind =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'bad_request'
  | 'validation'
  | 'rate_limited'
  | 'server'
  | 'timeout'
  /** smsops ended the call itself (it is stopping, or the job run passed its time limit): says nothing of Wavix. */
  | 'cancelled'
  | 'network'
  | 'invalid_response'
  /** A listing smsops stopped reading: Wavix did not page (the same page again), or it was too long to collect whole. */
  | 'runaway_listing'
  /**
   * A listing longer than the pages smsops reads of one (its page cap): the account simply holds that much, nothing
   * is wrong with Wavix.
   */
  | 'listing_too_long'
  /** An answer larger than smsops reads, or a request larger than it sends. */
  | 'too_large';

/**
 * Connection errors that come before any byte of the request left smsops, so Wavix cannot have acted on it: the name
 * did not resolve (ENOTFOUND, EAI_AGAIN: no socket yet), or connect() failed (ECONNREFUSED; EHOSTUNREACH and
 * ENETUNREACH, the kernel's answer to a SYN it could not route or an ICMP unreachable for it). On an established
 * connection Linux keeps an ICMP unreachable as a soft error and reports it only when the connection times out, after
 * minutes of retransmissions, far past a Wavix attempt's 15 s (which ends it as a timeout); a broken connection in use
 * says ECONNRESET, EPIPE or ETIMEDOUT, which stay "may have been acted on".
 */
export const NEVER_CONNECTED_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * A failed call through the Wavix gateway, as the use cases need to tell failures apart (a refused API key is said
 * once, not per check). The Wavix client throws its WavixError, a subclass that writes the sentence for the user.
 */
export class WavixCallFailure extends AppError {
  readonly kind: WavixErrorKind;
  readonly status: number | undefined;
  /**
   * Wavix's own words about the failure. For a call whose answer may quote what was sent (an SMS: its text, its
   * number), they are here only, never in `message` (logs) nor `userMessage` (stored, shown), so whoever shows them
   * decides who may read them.
   */
  readonly said: string | undefined;
  /** How long Wavix asked to be left alone (its Retry-After), when it said. */
  readonly retryAfterMs: number | undefined;

  constructor(
    init: { kind: WavixErrorKind; status?: number | undefined; said?: string | undefined; retryAfterMs?: number | undefined },
    message: string,
    userMessage: string,
    options?: { cause?: unknown },
  ) {
    super(message, userMessage, options);
    this.name = 'WavixCallFailure';
    this.kind = init.kind;
    this.status = init.status;
    this.said = init.said;
    this.retryAfterMs = init.retryAfterMs;
  }
}
