/**
 * "Keep firing for", as Prometheus and Grafana call it: an open alert whose condition cleared stays open until it was
 * clear at `runs` judgements in a row, so a figure bouncing around its threshold stays one episode (one post, one
 * acknowledgement, one "Resolved") instead of a new one every other run. Kept in memory: after a restart the count
 * starts again, which keeps an alert open a run longer, never ends one early.
 */
export function createKeepFiring() {
  /** Per rule, per open subject not firing: how many judgements in a row found it clear. */
  const clearRuns = new Map<string, Map<string, number>>();
  return {
    /**
     * Of `open` (the rule's open alerts), those to keep open this run although not in `firing`: clear at fewer than
     * `runs` judgements in a row, this one included.
     */
    keptOpen(rule: string, runs: number, firing: Iterable<string>, open: Iterable<string>): string[] {
      const firingNow = new Set(firing);
      const before = clearRuns.get(rule) ?? new Map<string, number>();
      const counted = new Map<string, number>();
      const kept: string[] = [];
      for (const subject of open) {
        if (firingNow.has(subject)) continue;
        const clear = (before.get(subject) ?? 0) + 1;
        if (clear >= runs) continue;
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
