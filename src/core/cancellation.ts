import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The abort signal of the work in progress (a job run), for the outside calls deep inside it. A run past its time limit
 * is stopped at its next Wavix call this way, without every use case between the job and the client carrying a signal
 * in its signature.
 */
const scope = new AsyncLocalStorage<AbortSignal>();

export function runWithCancellation<T>(signal: AbortSignal, work: () => T): T {
  return scope.run(signal, work);
}

/** The signal of the run this call belongs to, if it belongs to one. */
export function currentCancellation(): AbortSignal | undefined {
  return scope.getStore();
}
