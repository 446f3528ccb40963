/**
 * Runs a task per key at most once every `minGapMs` and never two at once: asked again meanwhile, it runs once more
 * when the gap is over (the last state is what counts, not each ask). A person whose client asks 50 times a second
 * (the App Home reopened in a loop) gets one run now and one at the end of each gap, not 50.
 */
export type KeyedThrottle = (key: string, task: () => Promise<void>) => void;

export function createKeyedThrottle(options: {
  minGapMs: number;
  now?: () => number;
  onError?: (error: unknown) => void;
}): KeyedThrottle {
  const now = options.now ?? Date.now;
  const keys = new Map<string, { running: boolean; lastAt: number; next?: () => Promise<void>; timer?: NodeJS.Timeout }>();

  const start = (key: string, task: () => Promise<void>) => {
    const state = keys.get(key) ?? { running: false, lastAt: 0 };
    keys.set(key, state);
    state.running = true;
    state.lastAt = now();
    void task()
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        state.running = false;
        settle(key);
      });
  };

  /** After a run, or when its gap ends: the task asked for meanwhile, or the key forgotten once its gap is over. */
  const settle = (key: string) => {
    const state = keys.get(key);
    if (!state || state.running || state.timer) return;
    const wait = state.lastAt + options.minGapMs - now();
    if (wait > 0) {
      state.timer = setTimeout(() => {
        state.timer = undefined;
        const next = state.next;
        state.next = undefined;
        if (next) start(key, next);
        else keys.delete(key);
      }, wait);
      state.timer.unref();
      return;
    }
    const next = state.next;
    state.next = undefined;
    if (next) start(key, next);
    else keys.delete(key);
  };

  return (key, task) => {
    const state = keys.get(key);
    if (!state) {
      start(key, task);
      return;
    }
    state.next = task;
  };
}
