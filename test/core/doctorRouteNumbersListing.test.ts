import { describe, expect, it } from 'vitest';
import type { DoctorContext } from '../../src/core/doctor/context.js';
import { routeNumbersGroup } from '../../src/core/doctor/routeNumbers.js';
import { ok } from '../../src/errors.js';

/**
 * Doctor's listing of the account's numbers, read page by page while numbers were bought and released (the walk gives
 * up re-reading after two changes, and a release with a purchase keeps the count it watches), can skip one the
 * account holds: its route must not be called "not a number of this Wavix account" with the advice to remove it.
 */
describe('doctor: a routed number the listing skipped', () => {
  it('is looked up by its digits before its route is said to be for a number not on the account', async () => {
    const searched: string[] = [];
    const ctx = {
      deps: {
        services: {
          routes: { list: () => [{ number: '+16135550123' }, { number: '+12025550199' }] },
          wavix: {
            numbers: {
              iterate: async function* (query: { search?: string }) {
                searched.push(query.search ?? '');
                // Held by the account (the listing skipped it as a number before it was released); 202-555-0199 never was.
                if (query.search === '16135550123') yield { id: 7, number: '16135550123' };
              },
            },
          },
        },
      },
      numbers: async () => ok({ numbers: [{ e164: '+12025550143' }] }),
      signal: new AbortController().signal,
    } as unknown as DoctorContext;

    const checks = await routeNumbersGroup.run(ctx);

    expect(checks.map((check) => [check.status, check.number])).toEqual([['failure', '+12025550199']]);
    expect(searched).toEqual(['16135550123', '12025550199']);
  });
});
