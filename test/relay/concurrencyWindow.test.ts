import { describe, expect, it } from 'vitest';
import { createConcurrencyWindow, saysOverload } from '../../src/relay/concurrencyWindow.js';

const delivered = { delivered: true, statusCode: 200 };
const overloaded = { delivered: false, statusCode: 503 };

/** A round of answers: as many as the window allows, each with `outcome`. */
function round(window: ReturnType<typeof createConcurrencyWindow>, outcome: typeof delivered, behind: boolean, at: number) {
  const size = window.size(at);
  for (let i = 0; i < size; i += 1) window.ended(outcome, behind, at);
  return window.size(at);
}

describe('the PortSIP concurrency window', () => {
  it('opens one slot per round of 2xx answers while a backlog waits, up to RELAY_CONCURRENCY', () => {
    const window = createConcurrencyWindow({ floor: 8, ceiling: 32 });
    expect(window.size(0)).toBe(8);
    const sizes = Array.from({ length: 30 }, (_, i) => round(window, delivered, true, i));
    expect(sizes.slice(0, 4)).toEqual([9, 10, 11, 12]);
    expect(sizes.at(-1)).toBe(32);
    expect(Math.max(...sizes)).toBe(32);
  });

  it('stays at the floor while the relay keeps up: no backlog, no more parallel posts', () => {
    const window = createConcurrencyWindow({ floor: 8, ceiling: 32 });
    for (let i = 0; i < 20; i += 1) round(window, delivered, false, i);
    expect(window.size(20)).toBe(8);
  });

  it('halves the window at each overload answer (503, 429, no answer), never below the floor', () => {
    const window = createConcurrencyWindow({ floor: 8, ceiling: 32 });
    for (let i = 0; i < 40; i += 1) round(window, delivered, true, i);
    expect(window.size(40)).toBe(32);
    window.ended(overloaded, true, 40);
    expect(window.size(40)).toBe(16);
    window.ended({ delivered: false, statusCode: 429 }, true, 40);
    expect(window.size(40)).toBe(8);
    window.ended({ delivered: false, statusCode: null }, true, 40);
    expect(window.size(40)).toBe(8);
  });

  it('does not take a refusal of one message (4xx, a refused address) for overload', () => {
    expect(saysOverload({ delivered: false, statusCode: 400 })).toBe(false);
    expect(saysOverload({ delivered: false, statusCode: 404 })).toBe(false);
    expect(saysOverload({ delivered: false, statusCode: null, deterministic: true })).toBe(false);
    expect(saysOverload({ delivered: false, statusCode: 500 })).toBe(true);
    expect(saysOverload({ delivered: false, statusCode: null })).toBe(true);
    const window = createConcurrencyWindow({ floor: 8, ceiling: 32 });
    for (let i = 0; i < 10; i += 1) round(window, delivered, true, i);
    const before = window.size(10);
    window.ended({ delivered: false, statusCode: 400 }, true, 10);
    expect(window.size(10)).toBe(before);
  });

  it('starts the next backlog from the floor once no backlog waited for a while', () => {
    const window = createConcurrencyWindow({ floor: 8, ceiling: 32, quietMs: 10_000 });
    for (let i = 0; i < 40; i += 1) round(window, delivered, true, 1_000);
    expect(window.size(5_000)).toBe(32);
    expect(window.size(11_001)).toBe(8);
  });

  it('never goes past a RELAY_CONCURRENCY set below the floor', () => {
    const window = createConcurrencyWindow({ floor: 8, ceiling: 3 });
    expect(window.size(0)).toBe(3);
    for (let i = 0; i < 10; i += 1) round(window, delivered, true, i);
    expect(window.size(10)).toBe(3);
  });
});
