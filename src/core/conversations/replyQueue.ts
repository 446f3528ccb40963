/**
 * Replies of one thread go out one after another, in the order they were written (Slack message ts), and every
 * reply taken on is tracked until it is done, so a stop can wait for sends in flight before the store closes.
 *
 * Slack delivers events concurrently and not always in order, so a thread that was idle waits `gatherMs` before its
 * first reply starts: replies posted together arrive within it and are sorted. A reply that arrives while an earlier
 * one is still being checked or sent queues behind it; among those waiting, the earliest ts goes first.
 */
export interface ReplyQueue {
  run<T>(threadKey: string, messageTs: string, work: () => Promise<T>): Promise<T>;
  /**
   * Work of a reply that holds no thread (a refusal's notice): waited for by `drain` as the replies are, so a stop does
   * not close Slack's client under it.
   */
  track(work: Promise<unknown>): void;
  /** Resolves once every reply taken on has finished, or after `timeoutMs`; true when none is left. */
  drain(timeoutMs: number): Promise<boolean>;
}

interface Waiting {
  messageTs: string;
  start: () => void;
}

/** Slack ts "1700000000.000100": seconds, then a fraction of fixed width; compared as numbers, never as floats. */
export function compareSlackTs(a: string, b: string): number {
  const [aSec = '', aFrac = ''] = a.split('.');
  const [bSec = '', bFrac = ''] = b.split('.');
  if (aSec.length !== bSec.length) return aSec.length - bSec.length;
  if (aSec !== bSec) return aSec < bSec ? -1 : 1;
  const width = Math.max(aFrac.length, bFrac.length);
  const x = aFrac.padEnd(width, '0');
  const y = bFrac.padEnd(width, '0');
  return x === y ? 0 : x < y ? -1 : 1;
}

export function createReplyQueue(options: { gatherMs?: number } = {}): ReplyQueue {
  const gatherMs = options.gatherMs ?? 300;
  const threads = new Map<string, { running: boolean; waiting: Waiting[] }>();
  const inFlight = new Set<Promise<unknown>>();

  const next = (key: string) => {
    const thread = threads.get(key);
    if (!thread) return;
    const first = thread.waiting.shift();
    if (!first) {
      threads.delete(key);
      return;
    }
    thread.running = true;
    first.start();
  };

  const run = <T>(threadKey: string, messageTs: string, work: () => Promise<T>): Promise<T> => {
    let thread = threads.get(threadKey);
    const idle = !thread;
    if (!thread) {
      thread = { running: false, waiting: [] };
      threads.set(threadKey, thread);
    }
    const owner = thread;
    const result = new Promise<T>((resolve, reject) => {
      const start = () => {
        work()
          .then(resolve, reject)
          .finally(() => {
            owner.running = false;
            next(threadKey);
          });
      };
      const at = owner.waiting.findIndex((w) => compareSlackTs(messageTs, w.messageTs) < 0);
      owner.waiting.splice(at === -1 ? owner.waiting.length : at, 0, { messageTs, start });
    });
    if (idle) setTimeout(() => next(threadKey), gatherMs);
    track(result);
    return result;
  };

  const track = (work: Promise<unknown>) => {
    const tracked = work.catch(() => undefined);
    inFlight.add(tracked);
    void tracked.finally(() => inFlight.delete(tracked));
  };

  const drain = async (timeoutMs: number): Promise<boolean> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const settled = (async () => {
      // Work started while waiting (a reply queued behind one in flight) is waited for as well.
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      return true as const;
    })();
    const done = await Promise.race([settled, timedOut]);
    clearTimeout(timer);
    return done;
  };

  return { run, track, drain };
}
