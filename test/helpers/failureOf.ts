/**
 * The error a call failed with, when it is of the expected class; fails the test when the call succeeds or throws
 * something else (a bug, not the refusal under test).
 */
export async function failureOf<E extends Error>(
  promise: Promise<unknown>,
  kind: abstract new (...args: never[]) => E,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof kind) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}
