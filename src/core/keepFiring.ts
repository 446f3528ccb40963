/**
 * How long an open alert whose condition cleared stays open: clear at `runs` judgements in a row and, when `forMs` is
 * set, clear for at least that long since the first of them.
 */
export interface KeepOpen {
  runs: number;
  forMs?: number;
}

/**
 * "Keep firing for", as Prometheus and Grafana call it: an open alert whose condition cleared stays open until it was
 * clear long enough (see KeepOpen), so a figure bouncing around its threshold, or a destination flapping, stays one
 * episode (one post, one acknowledgement, one "Resolved") instead of a new one every other run. Kept in memory: after
 * a restart the count starts again, which keeps an alert open longer, never ends one early. It never hides a fault:
 * the alert stays open, and a subject that fires again while kept is the same episode, edited in place.
 */
export function createKeepFiring() {
  /** Per rule, per open subject not firing: how many judgements in a row found it clear, and since when. */
  const clearRuns = new Map<string, Map<string, { runs: number; since: number }>>();
  return {
    /**
     * Of `open` (the rule's open alerts), those to keep open this run although not in `firing`: not yet clear long
     * enough, this judgement (at `now`) included.
     */
    keptOpen(rule: string, keep: KeepOpen, firing: Iterable<string>, open: Iterable<string>, now: number): string[] {
      const firingNow = new Set(firing);
      const before = clearRuns.get(rule) ?? new Map<string, { runs: number; since: number }>();
      const counted = new Map<string, { runs: number; since: number }>();
      const kept: string[] = [];
      for (const subject of open) {
        if (firingNow.has(subject)) continue;
        const earlier = before.get(subject);
        const clear = { runs: (earlier?.runs ?? 0) + 1, since: earlier?.since ?? now };
        if (clear.runs >= keep.runs && now - clear.since >= (keep.forMs ?? 0)) continue;
        counted.set(subject, clear);
        kept.push(subject);
      }
      // Firing again, resolved, or gone: a later clearing counts from the start.
      clearRuns.set(rule, counted);
      return kept;
    },
  };
}

export type KeepFiring = ReturnType<typeof createKeepFiring>;
