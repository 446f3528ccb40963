import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Runs of an expensive check (doctor reads Wavix, probes PortSIP and asks Slack) shared by everyone asking, per key:
 * an ask joins the run queued next, which starts once the one under way has ended and `minGapMs` after it started.
 * Every asker gets a run that started after they asked (never an earlier result, which a change made since would
 * contradict), and however many ask, a key costs one run every `minGapMs`.
 */
export type PacedRuns<T> = (key: string, run: () => Promise<T>) => Promise<T>;

export function createPacedRuns<T>(minGapMs: number, now: () => number = Date.now): PacedRuns<T> {
  type KeyState = { startedAt: number; running: Promise<unknown>; next?: Promise<T> };
  const keys = new Map<string, KeyState>();

  const start = (key: string, run: () => Promise<T>): Promise<T> => {
    const started = run();
    const state: KeyState = { startedAt: now(), running: started.catch(() => undefined) };
    keys.set(key, state);
    // Forgotten once its gap is over with nothing queued, so the map holds only keys run lately.
    void state.running
      .then(() => sleep(Math.max(0, state.startedAt + minGapMs - now()), undefined, { ref: false }))
      .then(() => {
        if (keys.get(key) === state && !state.next) keys.delete(key);
      });
    return started;
  };

  return (key, run) => {
    const state = keys.get(key);
    if (!state) return start(key, run);
    if (state.next) return state.next;
    const next = state.running
      .then(() => sleep(Math.max(0, state.startedAt + minGapMs - now()), undefined, { ref: false }))
      .then(() => start(key, run));
    state.next = next;
    return next;
  };
}
