import { describe, expect, it } from 'vitest';
import type { PhoneNumber } from '../../src/core/phone.js';
import { createSmsNumbersCache } from '../../src/core/smsNumbersCache.js';
import type { AppError, Result } from '../../src/errors.js';

const number = (e164: string): PhoneNumber => ({ e164, country: 'GB', display: e164 });

/** Wavix reads the test ends when it wants, and how many are running. */
function controlledReads() {
  const pending: Array<(result: Result<PhoneNumber[]>) => void> = [];
  return {
    running: () => pending.length,
    readFromWavix: () => new Promise<Result<PhoneNumber[]>>((resolve) => pending.push(resolve)),
    end: (numbers: PhoneNumber[]) => pending.shift()?.({ ok: true, value: numbers }),
  };
}

describe('the SMS-enabled numbers cache', () => {
  it('after its minute, answers in time with the numbers read before while a slow read runs, then with the new ones', async () => {
    let clock = 0;
    const reads = controlledReads();
    const failures: AppError[] = [];
    const cache = createSmsNumbersCache({
      readFromWavix: reads.readFromWavix,
      onReadFailed: (e) => failures.push(e),
      freshForMs: 60_000,
      now: () => clock,
    });

    const first = cache.read();
    reads.end([number('+447400000001')]);
    await first;
    expect(await cache.within(50)).toEqual({ numbers: [number('+447400000001')] });
    expect(reads.running()).toBe(0);

    clock = 61_000;
    expect(await cache.within(50)).toEqual({ numbers: [number('+447400000001')] });
    // The two searches after the minute joined one read, still running.
    expect(await cache.within(50)).toEqual({ numbers: [number('+447400000001')] });
    expect(reads.running()).toBe(1);

    reads.end([number('+447400000002')]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await cache.within(50)).toEqual({ numbers: [number('+447400000002')] });
    expect(failures).toEqual([]);
  });
});
