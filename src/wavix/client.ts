import type { WavixGateway } from '../core/ports/wavix.js';
import { registerSecret } from '../log.js';
import { createWavixRequester, type WavixHttpOptions } from './http.js';
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
  const client = {
    senderIds: senderIdsApi(request),
    numbers: numbersApi(request),
    profile: profileApi(request),
    messages: messagesApi(request),
    optOuts: optOutsApi(request),
    tenDlc: tenDlcApi(request),
  };
  return client satisfies WavixGateway;
}

export type WavixClient = ReturnType<typeof createWavixClient>;
