/**
 * A read that many people may ask for at once (the App Home's Wavix numbers): one read for everyone asking while it
 * runs, and its result (a failure too: asking a failing Wavix again at once tells nobody more) kept for `freshForMs`,
 * so a burst of askers costs one read, not one each.
 */
export function createRecentRead<T>(
  read: () => Promise<T>,
  options: { freshForMs: number; now?: () => number },
): () => Promise<T> {
  const now = options.now ?? Date.now;
  let kept: { value: T; at: number } | undefined;
  let reading: Promise<T> | undefined;
  return () => {
    if (kept && now() - kept.at < options.freshForMs) return Promise.resolve(kept.value);
    reading ??= read()
      .then((value) => {
        kept = { value, at: now() };
        return value;
      })
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };
}
