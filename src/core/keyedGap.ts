/**
 * At most one go per key every `minGapMs` (a person's traffic charts): each call says how long is left before the
 * key's next go, 0 when this call is that go (and it counts from now). Keys whose gap is over are forgotten.
 */
export type KeyedGap = (key: string) => number;

export function createKeyedGap(minGapMs: number, now: () => number = Date.now): KeyedGap {
  // In the order of their last go (a go moves its key to the end), so the oldest are first to forget.
  const lastGo = new Map<string, number>();
  return (key) => {
    const at = now();
    for (const [old, when] of lastGo) {
      if (at - when < minGapMs) break;
      lastGo.delete(old);
    }
    const last = lastGo.get(key);
    if (last !== undefined) return last + minGapMs - at;
    lastGo.set(key, at);
    return 0;
  };
}
