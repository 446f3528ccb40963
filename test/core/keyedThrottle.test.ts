import { describe, expect, it } from 'vitest';
import { createKeyedThrottle } from '../../src/core/keyedThrottle.js';

const later = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('keyed throttle', () => {
  it('runs a key once now and once after its gap however often it is asked meanwhile; other keys at once', async () => {
    const throttle = createKeyedThrottle({ minGapMs: 150 });
    const runs: string[] = [];
    const task = (name: string) => async () => {
      runs.push(name);
      await later(10);
    };
    for (let i = 0; i < 50; i++) throttle('alice', task('alice'));
    throttle('bob', task('bob'));
    await later(50);
    expect(runs).toEqual(['alice', 'bob']);
    await later(200);
    // The asks of the gap made one run at its end; nothing more after it.
    expect(runs).toEqual(['alice', 'bob', 'alice']);
    await later(200);
    expect(runs).toEqual(['alice', 'bob', 'alice']);
  });
});
