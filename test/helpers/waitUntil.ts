/** For bounding a wait on something else (a process' exit, say) in Promise.race; never to wait before an assertion. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type Maybe<T> = T | undefined | null | false;

/**
 * The one polling helper of the suite: polls `read` every 25 ms until it gives a value (anything truthy) and returns
 * that value. Past `timeoutMs` it fails naming what was awaited (`what`: a function when the message should carry the
 * state seen last). A `read` that throws ends the wait with its error (a process that exited, say).
 */
export async function waitUntil<T>(
  read: () => Maybe<T> | Promise<Maybe<T>>,
  timeoutMs: number,
  what: string | (() => string),
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms: ${typeof what === 'string' ? what : what()}`);
    await sleep(25);
  }
}
