import { createSlackHolds, type SlackHolds } from './slackHolds.js';

/**
 * The Slack leg's pace (SLACK_RELAY_PACE_MS): one call to Slack per interval, whether it posts an SMS or updates a
 * post's delivery state. Posts go first; an update takes a turn when no post is waiting, and at least every
 * `updateEvery`-th turn under a storm, so threads do not show stale states for the whole storm while new SMS still
 * get most turns.
 */
export interface SlackPace {
  /**
   * Resolves true when the caller may make its call; false once the pace is closed (smsops is stopping: make none), or
   * at once when `signal` aborts (the relay gave up on the attempt): the turn is withdrawn, so it costs no one a pace.
   */
  turn(kind: 'post' | 'update', signal?: AbortSignal): Promise<boolean>;
  /**
   * Stopping: every turn waiting and every one asked later resolves false at once. A turn could otherwise hold the
   * stop for the whole pace (SLACK_RELAY_PACE_MS set to minutes stopped smsops in twice that, past Docker's grace).
   */
  close(): void;
  /** Slack's Retry-After, held for the method (and channel) it limits: shared by the posts and the edits. */
  readonly holds: SlackHolds;
}

export function createSlackPace(
  paceMs: number,
  options: {
    /**
     * A monotonic clock in ms (performance.now by default), never the wall clock: the pace is a duration. Read from
     * Date.now, a clock stepped back 150 s (NTP, a VM resumed) held the Slack leg ~147 s though it was corrected after
     * 3 s, and one stepped back two hours held it for good (the timer armed for the whole step was never re-armed).
     */
    monotonicNow?: () => number;
    updateEvery?: number;
  } = {},
): SlackPace {
  const now = options.monotonicNow ?? (() => performance.now());
  const updateEvery = options.updateEvery ?? 4;
  const posts: Array<(go: boolean) => void> = [];
  const updates: Array<(go: boolean) => void> = [];
  let closed = false;
  let last = Number.NEGATIVE_INFINITY;
  let postsInARow = 0;
  let timer: NodeJS.Timeout | undefined;

  const pump = () => {
    timer = undefined;
    if (posts.length === 0 && updates.length === 0) return;
    const wait = last + paceMs - now();
    if (wait > 0) {
      timer = setTimeout(pump, wait);
      return;
    }
    const update = updates.length > 0 && (posts.length === 0 || postsInARow >= updateEvery - 1);
    const next = update ? updates.shift() : posts.shift();
    postsInARow = update ? 0 : postsInARow + 1;
    last = now();
    next?.(true);
    if (posts.length > 0 || updates.length > 0) timer = setTimeout(pump, paceMs);
  };

  return {
    turn: (kind, signal) =>
      new Promise<boolean>((resolve) => {
        if (closed || signal?.aborted) {
          resolve(false);
          return;
        }
        const queue = kind === 'post' ? posts : updates;
        if (!signal) queue.push(resolve);
        else {
          const withdraw = () => {
            const at = queue.indexOf(waiting);
            if (at >= 0) queue.splice(at, 1);
            resolve(false);
          };
          const waiting = (go: boolean) => {
            signal.removeEventListener('abort', withdraw);
            resolve(go);
          };
          signal.addEventListener('abort', withdraw, { once: true });
          queue.push(waiting);
        }
        // Deferred, so a post asked for in the same tick as an update still goes first.
        if (!timer) timer = setTimeout(pump, 0);
      }),
    holds: createSlackHolds(now),
    close: () => {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      for (const waiting of [...posts.splice(0), ...updates.splice(0)]) waiting(false);
    },
  };
}
