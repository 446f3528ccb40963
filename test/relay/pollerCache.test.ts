import { describe, expect, it } from 'vitest';
import { createPollerCache, mayReuse, POLLER_REUSE } from '../../src/relay/pollerCache.js';

describe('the reuse policy of polled readings', () => {
  const costly = { endedAt: 1000, tookMs: 100, cpuMs: 100 };

  it('never reuses a reading that was cheap, so a small backlog is always live', () => {
    expect(mayReuse({ endedAt: 1000, tookMs: 4, cpuMs: 4 }, 1001)).toBe(false);
    expect(mayReuse(undefined, 1001)).toBe(false);
  });

  it('reuses a costly reading while it is younger than ten times what it took', () => {
    expect(POLLER_REUSE.factor).toBe(10);
    expect(mayReuse(costly, 1000)).toBe(true);
    expect(mayReuse(costly, 1999)).toBe(true);
    expect(mayReuse(costly, 2000)).toBe(false);
  });

  it('calls a read cheap when its CPU time or its wall time is: a read that waited for a busy CPU is not reused', () => {
    expect(mayReuse({ endedAt: 1000, tookMs: 80, cpuMs: 1 }, 1010)).toBe(false);
    // The process' CPU time counts other threads too: a short read is cheap whatever they did meanwhile.
    expect(mayReuse({ endedAt: 1000, tookMs: 1, cpuMs: 20 }, 1005)).toBe(false);
  });

  it('does not reuse a reading from the future (a clock that went back)', () => {
    expect(mayReuse(costly, 999)).toBe(false);
  });
});

/** A fake monotonic clock and CPU meter: each read takes `readMs` of both. */
function fakeClock() {
  const clock = { at: 0, cpu: 0, readMs: 1 };
  return {
    clock,
    pollerClock: { now: () => clock.at, cpuMs: () => clock.cpu },
    advance: (ms: number) => {
      clock.at += ms;
    },
    readOf: (value: () => number) => () => {
      clock.at += clock.readMs;
      clock.cpu += clock.readMs;
      return value();
    },
  };
}

describe('a poller cache', () => {
  it('reads on every poll while reads are cheap', () => {
    const f = fakeClock();
    let backlog = 0;
    const poll = createPollerCache(
      f.readOf(() => backlog),
      f.pollerClock,
    );
    expect(poll()).toEqual({ value: 0, ageMs: 0 });
    backlog = 3;
    expect(poll()).toEqual({ value: 3, ageMs: 0 });
  });

  it('gives a costly reading again, with its age, until ten times its cost has passed', () => {
    const f = fakeClock();
    let backlog = 100_000;
    let reads = 0;
    const poll = createPollerCache(
      f.readOf(() => {
        reads += 1;
        return backlog;
      }),
      f.pollerClock,
    );
    f.clock.readMs = 50;
    expect(poll()).toEqual({ value: 100_000, ageMs: 0 });
    backlog = 99_000;
    f.advance(300);
    expect(poll()).toEqual({ value: 100_000, ageMs: 300 });
    f.advance(200);
    expect(poll()).toEqual({ value: 99_000, ageMs: 0 });
    expect(reads).toBe(2);

    // Once the backlog is small again, its reads are cheap and every poll is live.
    f.clock.readMs = 1;
    backlog = 10;
    f.advance(500);
    expect(poll()).toEqual({ value: 10, ageMs: 0 });
    backlog = 9;
    expect(poll()).toEqual({ value: 9, ageMs: 0 });
  });

  it("gives a failed read's error to its poll, and reads again on the next", () => {
    const f = fakeClock();
    f.clock.readMs = 50;
    let failing = false;
    const poll = createPollerCache(
      f.readOf(() => {
        if (failing) throw new Error('database is locked');
        return 7;
      }),
      f.pollerClock,
    );
    expect(poll().value).toBe(7);
    f.advance(600);
    failing = true;
    expect(() => poll()).toThrow('database is locked');
    failing = false;
    expect(poll()).toEqual({ value: 7, ageMs: 0 });
  });
});
