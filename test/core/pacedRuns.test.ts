import { describe, expect, it } from 'vitest';
import { createPacedRuns } from '../../src/core/pacedRuns.js';

const later = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('paced runs', () => {
  it('gives everyone asking during a run the next one, started after they asked and the gap', async () => {
    const runs = createPacedRuns<number>(200);
    const starts: number[] = [];
    let count = 0;
    const run = async () => {
      starts.push(Date.now());
      count += 1;
      const mine = count;
      await later(50);
      return mine;
    };
    const first = runs('k', run);
    const asked = Date.now();
    const [a, b, c] = await Promise.all([runs('k', run), runs('k', run), runs('k', run), first]);
    expect(await first).toBe(1);
    expect([a, b, c]).toEqual([2, 2, 2]);
    expect(starts).toHaveLength(2);
    expect((starts[1] ?? 0) - (starts[0] ?? 0)).toBeGreaterThanOrEqual(195);
    expect(starts[1]).toBeGreaterThanOrEqual(asked);
    // Another key is its own.
    expect(await runs('other', run)).toBe(3);
  });
});
