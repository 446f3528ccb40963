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
  | 'network'
  | 'invalid_response'
  /** A listing smsops stopped reading: Wavix did not page (the same page again), or it was too long to read whole. */
  | 'runaway_listing'
  /** An answer larger than smsops reads, or a request larger than it sends. */
  | 'too_large';

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
