import { describe, expect, it } from 'vitest';
import { createIngestPacer } from '../../src/relay/ingestPacer.js';

/** The pacer on its own: when webhooks wait for the relay, when they never do, and that none waits past its limit. */

const settled = async (p: Promise<void> | undefined) => {
  if (!p) return 'at once';
  let done = false;
  void p.then(() => {
    done = true;
  });
  await new Promise((resolve) => setTimeout(resolve, 10));
  return done ? 'released' : 'waiting';
};

describe('ingest pacer', () => {
  it('lets every webhook through at once while the relay keeps up', () => {
    const pacer = createIngestPacer({ lagMs: 100, burst: 2 });
    pacer.claimed(5_000, false); // long waited, but the claim took less than it asked: the relay caught up
    pacer.claimed(50, true); // took all it asked, but nothing waited long
    expect(Array.from({ length: 100 }, () => pacer.admit())).toEqual(Array(100).fill(undefined));
    expect(pacer.pacing()).toBe(false);
  });

  it('once the relay falls behind while PortSIP answers, holds webhooks beyond the burst until attempts end', async () => {
    const outcomes: string[] = [];
    const pacer = createIngestPacer({ lagMs: 100, burst: 2, maxWaitMs: 5_000, onHeld: (o) => outcomes.push(o) });
    pacer.claimed(150, true);
    expect(pacer.pacing()).toBe(true);
    expect(pacer.admit()).toBeUndefined();
    expect(pacer.admit()).toBeUndefined();
    const third = pacer.admit();
    const fourth = pacer.admit();
    expect(await settled(third)).toBe('waiting');
    pacer.attemptsEnded(1, 0);
    expect(await settled(third)).toBe('released');
    expect(await settled(fourth)).toBe('waiting');
    pacer.attemptsEnded(1, 0);
    expect(await settled(fourth)).toBe('released');
    expect(outcomes).toEqual(['credited', 'credited']);
    // The relay caught up: pacing ends.
    pacer.claimed(10, false);
    expect(pacer.pacing()).toBe(false);
    expect(pacer.admit()).toBeUndefined();
  });

  it('never paces while PortSIP fails, and stops pacing (releasing every held webhook) once it starts failing', async () => {
    const outcomes: string[] = [];
    const pacer = createIngestPacer({ lagMs: 100, burst: 1, maxWaitMs: 5_000, onHeld: (o) => outcomes.push(o) });
    pacer.claimed(500, true);
    pacer.admit();
    const held = [pacer.admit(), pacer.admit()];
    expect(await settled(held[0])).toBe('waiting');
    pacer.attemptsEnded(0, 5);
    expect(pacer.pacing()).toBe(false);
    expect(await Promise.all(held.map(settled))).toEqual(['released', 'released']);
    // Let go, not credited: no attempt ended for them.
    expect(outcomes).toEqual(['released', 'released']);
    // Still failing: a relay behind is not paced to a PortSIP that does not answer (the store absorbs).
    pacer.claimed(10_000, true);
    expect(pacer.pacing()).toBe(false);
  });

  it('lets a held webhook go after its longest wait even when no attempt ends (a hung PortSIP), and says so', async () => {
    const outcomes: string[] = [];
    const pacer = createIngestPacer({ lagMs: 100, burst: 0, maxWaitMs: 50, onHeld: (o) => outcomes.push(o) });
    pacer.claimed(500, true);
    const held = pacer.admit();
    expect(held).toBeDefined();
    await held;
    expect(outcomes).toEqual(['timed_out']);
    // Nothing ends there: pacing stops rather than hold every webhook that long.
    expect(pacer.pacing()).toBe(false);
    expect(pacer.admit()).toBeUndefined();
  });

  it('lets every held webhook go at stop', async () => {
    const pacer = createIngestPacer({ lagMs: 100, burst: 0, maxWaitMs: 60_000 });
    pacer.claimed(500, true);
    const held = [pacer.admit(), pacer.admit(), pacer.admit()];
    pacer.releaseAll();
    expect(await Promise.all(held.map(settled))).toEqual(['released', 'released', 'released']);
  });
});
