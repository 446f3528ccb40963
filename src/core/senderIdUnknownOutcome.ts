import { AppError } from '../errors.js';
import type { SenderIdRequest } from './model/senderId.js';
import { WavixCallFailure } from './ports/wavixFailure.js';
import { REQUEST_UNLISTED_FOR_MS } from './senderIdRequests.js';

/**
 * A Sender ID create whose outcome is unknown (no answer in time, a 5xx, a broken connection, a stop): Wavix may still
 * be making it, and it has no idempotency key nor, in its API description, any refusal of a second record of the same
 * name, so a resubmit now would make a duplicate. The words say so, and when the question settles, instead of
 * inviting a retry.
 */
export class SenderIdOutcomeUnknown extends AppError {
  constructor(cause: unknown, senderId: string, request: SenderIdRequest) {
    const technical = cause instanceof Error ? cause.message : String(cause);
    const said = `${whatWentWrong(cause)}, so smsops does not know whether Wavix made ${senderId} (${request.countries.join(', ')}): it may still be making it. Do not submit it again: ${settles(senderId, request, 'you')}`;
    super(`senderid create: outcome unknown: ${technical}`, said, { cause });
    this.name = 'SenderIdOutcomeUnknown';
  }
}

/** Why a resubmit is not sent while an earlier request for the same Sender ID may still be being made at Wavix. */
export function stillBeingMadeMessage(senderId: string, request: SenderIdRequest, actorUserId: string): string {
  const whom = request.requestedBy === actorUserId ? 'you' : 'the person who sent it';
  return `An earlier request for ${senderId} (${request.countries.join(', ')}, sent at ${clock(request.requestedAt)}) got no clear answer from Wavix, which may still be making it, so it is not sent again: ${settles(senderId, request, whom)}`;
}

function settles(senderId: string, request: SenderIdRequest, whom: string): string {
  return `once Wavix lists it, it is recorded as requested by ${whom}, with the countries it asked for. Check with \`/sms senderid status ${senderId}\` in a few minutes (its approvals are announced in the alert channel). If Wavix has not listed it by ${clock(request.requestedAt + REQUEST_UNLISTED_FOR_MS)}, it was not made and you can submit it again.`;
}

const clock = (ms: number) => `${new Date(ms).toISOString().slice(11, 16)} UTC`;

function whatWentWrong(error: unknown): string {
  if (!(error instanceof WavixCallFailure)) return 'smsops failed while sending the request (see its log)';
  if (error.kind === 'timeout') return 'Wavix did not answer in time';
  if (error.kind === 'cancelled') return 'smsops stopped waiting for Wavix’s answer';
  if (error.status !== undefined && error.status >= 500) return `Wavix answered with an error (HTTP ${error.status})`;
  if (error.kind === 'network') {
    const code = typeof error.cause === 'string' ? ` (${error.cause})` : '';
    return `The connection to Wavix broke${code} before its answer`;
  }
  if (error.kind === 'invalid_response' || error.kind === 'too_large') return 'Wavix’s answer could not be read';
  return 'Wavix’s answer did not say whether it made it';
}
