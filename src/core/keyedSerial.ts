/**
 * Runs tasks one after another per key, in the order they were given, and those of different keys side by side. A
 * task that fails (rejects) does not stop the ones queued behind it.
 */
export type KeyedSerial = <T>(key: string, task: () => Promise<T>) => Promise<T>;

export function createKeyedSerial(): KeyedSerial {
  const tails = new Map<string, Promise<unknown>>();
  return (key, task) => {
    const run = (tails.get(key) ?? Promise.resolve()).then(task);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    tails.set(key, tail);
    // Forgotten once nothing waits behind it, so the map holds only keys with a task under way.
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };
}
