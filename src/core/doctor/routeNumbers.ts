import { findAccountNumber } from '../numbers.js';
import { formatPhoneForPeople } from '../phone.js';
import { type CheckGroup, routeLabel, wavixUnreadable } from './context.js';
import type { DoctorCheck } from './types.js';

// ── 2b. Routes of numbers no longer (or never) on the Wavix account ─────────────────────────────────────────────

/**
 * A route for a number the account does not hold (a typo, a number released or ported away since the route was
 * saved): Wavix has no such number to receive an SMS on, so the route waits for SMS that never come. A routed number
 * that is on the account but without SMS or inbound SMS is said by its number's own finding (“Numbers”), once.
 * It reads the numbers doctor already lists (one listing, under the Wavix limit); a routed number missing from it is
 * looked up once by its digits (at most CONFIRMED_AT_MOST) before it is called not on the account: a listing read
 * while numbers were bought and released (a walk given up after its re-reads, or one release and one purchase that
 * kept the count) can skip one the account holds, and the advice was to remove its route.
 */
/** Missing routed numbers looked up one by one; past this many, the listing alone is believed (Wavix's rate limit). */
export const CONFIRMED_AT_MOST = 5;

export const routeNumbersGroup: CheckGroup = {
  id: 'route-numbers',
  title: 'Routes’ numbers',
  readsWavix: true,
  run: async ({ deps, numbers }) => {
    const base = { id: 'route-numbers', title: 'Routes’ numbers' };
    const routed = deps.services.routes.list().filter((route) => route.number !== 'default');
    if (routed.length === 0) return [{ ...base, status: 'skipped', reason: 'No route of a number of its own.' }];
    const overview = await numbers();
    // A listing cut short (SlowListing) cannot tell a missing number from one not read yet: skipped, saying so.
    if (!overview.ok) return [wavixUnreadable(base, overview.error)];
    const onAccount = new Set(overview.value.numbers.map((n) => n.e164));
    const notListed = routed.filter((route) => !onAccount.has(route.number));
    const missing = [];
    for (const [i, route] of notListed.entries()) {
      const found = i < CONFIRMED_AT_MOST ? await findAccountNumber(deps.services, route.number) : undefined;
      // Found by its digits: the listing skipped it. Not found, an error, or no look-up left: the listing's word stands.
      if (found?.ok !== true) missing.push(route);
    }
    if (missing.length === 0) {
      const count = routed.length === 1 ? 'The route’s number is' : `All ${routed.length} routes’ numbers are`;
      return [{ ...base, status: 'ok', reason: `${count} on the Wavix account.` }];
    }
    return missing.map(
      (route): DoctorCheck => ({
        id: `route-number:${route.number}`,
        title: `Route ${formatPhoneForPeople(route.number)}`,
        status: 'failure',
        number: route.number,
        finding: 'route-number-missing',
        reason: `${formatPhoneForPeople(route.number)} is not a number of this Wavix account (never was, or released or ported away since the ${routeLabel(route.number)} was saved): no SMS for it will come. \`/sms route remove ${route.number}\` removes the route; \`/sms route set <number> …\` routes a number the account holds (\`/sms number list\` shows them).`,
      }),
    );
  },
};
