import type { WavixGateway } from '../core/ports/wavix.js';
import { registerSecret } from '../log.js';
import { createWavixRequester, type WavixHttpOptions, type WavixRequester } from './http.js';
import { createWavixLineStreamer, type WavixLineStreamer } from './lineStream.js';
import { messagesApi } from './messages.js';
import { numbersApi } from './numbers.js';
import { optOutsApi } from './optOuts.js';
import { profileApi } from './profile.js';
import { senderIdsApi } from './senderIds.js';
import { tenDlcApi } from './tenDlc.js';

export type WavixClientOptions = WavixHttpOptions;

/**
 * The typed Wavix REST client: one object per resource, each call parsed with zod, errors as WavixError. It is the
 * use cases' Wavix gateway, and more (sending, 10DLC, the balance) for the jobs and the sandbox.
 */
export function createWavixClient(options: WavixClientOptions) {
  registerSecret(options.apiKey);
  const request = createWavixRequester(options);
  const stream = createWavixLineStreamer(options);
  const resources = (requester: WavixRequester, streamer: WavixLineStreamer) => ({
    senderIds: senderIdsApi(requester),
    numbers: numbersApi(requester),
    profile: profileApi(requester),
    messages: messagesApi(requester, streamer),
    optOuts: optOutsApi(requester),
    tenDlc: tenDlcApi(requester),
  });
  const client = {
    ...resources(request, stream),
    /**
     * The same client, its calls ended when `cancellation` aborts (a job run past its time limit, smsops stopping)
     * and, with a `deadline`, not retried past it (doctor's report): made per run, since a late run and the next one
     * may overlap.
     */
    cancelledBy: (cancellation: AbortSignal, options: { deadline?: number } = {}) =>
      resources(
        (req) => request(req, cancellation, options.deadline),
        (req) => stream(req, cancellation),
      ),
  };
  return client satisfies WavixGateway;
}

/** `client` bound to a run's signal when it can be (a stand-in client in a test may not offer it). */
export function cancellableBy<C extends object>(client: C, cancellation: AbortSignal | undefined): C {
  const bind = (client as { cancelledBy?: (signal: AbortSignal) => Partial<C> }).cancelledBy;
  return cancellation && bind ? { ...client, ...bind(cancellation) } : client;
}

export type WavixClient = ReturnType<typeof createWavixClient>;
