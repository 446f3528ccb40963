import type { SlackEventMiddlewareArgs } from '@slack/bolt';
import { webApi } from '@slack/bolt';
import { createKeyedThrottle } from '../../../core/keyedThrottle.js';
import { listNumbers } from '../../../core/numbers.js';
import { createRecentRead } from '../../../core/recentRead.js';
import { listRoutes } from '../../../core/routes.js';
import { describeError } from '../../../errors.js';
import { relayStatus } from '../../../relay/operations.js';
import { type HomeState, homeRefusedView, homeView } from '../../ui/home.js';
import { logFailure, type SlackDeps } from '../context.js';
import { mayUseSmsops } from '../fullMembersOnly.js';

/**
 * The Home tab's numbers are read from Wavix once for everyone opening it within these 10 s: 50 opens a second (a
 * script with a member's session) were 100 Wavix calls a second, a call per 100 numbers each on a large account.
 */
export const HOME_NUMBERS_FRESH_MS = 10_000;
/** A person's Home is published at most once every 5 s: what they see is the state at the last publish anyway. */
export const HOME_PUBLISH_GAP_MS = 5_000;

const rateLimitedFor = (error: unknown): number | undefined =>
  (error as { code?: unknown } | null)?.code === webApi.ErrorCode.RateLimitedError
    ? (error as webApi.WebAPIRateLimitedError).retryAfter
    : undefined;

/**
 * Publishes the Home tab at once from the store, then again with the numbers once Wavix answered. Through its own
 * client (deps.homeSlack), which rejects a rate-limited call: on Bolt's client, one views.publish 429 paused every call
 * of the client that answers people for its Retry-After (another person's modal opened 20 s late, its trigger_id long
 * expired). Until that Retry-After is over, no Home is published (the next open after it is).
 */
export function appHomeOpenedListener(deps: SlackDeps) {
  const numbersRead = createRecentRead(() => listNumbers(deps.services), { freshForMs: HOME_NUMBERS_FRESH_MS });
  const throttle = createKeyedThrottle({
    minGapMs: HOME_PUBLISH_GAP_MS,
    onError: (error) => deps.logger.warn('could not publish the App Home', { error: describeError(error) }),
  });
  let publishPausedUntil = 0;

  const refresh = async (user: string) => {
    const state = (numbers: HomeState['numbers']): HomeState => ({
      senderIds: deps.services.senderIds.list(),
      routes: listRoutes(deps.services, deps.inboxChannel),
      relay: relayStatus(deps.relay),
      openAlerts: deps.watch.alerts.open(),
      numbers,
      now: deps.watch.now(),
    });
    /** False when Slack would not take it (nothing more is published for this open). */
    const publish = async (view: () => ReturnType<typeof homeView>): Promise<boolean> => {
      if (Date.now() < publishPausedUntil) return false;
      try {
        await deps.homeSlack.views.publish({ user_id: user, view: view() });
        return true;
      } catch (error) {
        const retryAfter = rateLimitedFor(error);
        if (retryAfter !== undefined) {
          publishPausedUntil = Math.max(publishPausedUntil, Date.now() + retryAfter * 1000);
          deps.logger.warn('Slack rate-limited the App Home; it is published again at the next open after the wait', {
            retryAfterSeconds: retryAfter,
          });
        } else deps.logger.warn('could not publish the App Home', { error: describeError(error) });
        return false;
      }
    };
    // A guest or an outsider is told why instead (and asks Wavix nothing): the tab is the setup at a glance.
    const allowed = await mayUseSmsops(deps, user, 'home.open', null);
    if (!allowed.ok) {
      logFailure(deps.logger, 'open the App Home', allowed.error);
      await publish(() => homeRefusedView(allowed.error.userMessage));
      return;
    }
    const reading = numbersRead();
    // Numbers read moments ago are shown at once: one publish, not "loading" and then them.
    const ready = await Promise.race([reading, Promise.resolve(undefined)]);
    if (ready === undefined && !(await publish(() => homeView(state('loading'))))) return;
    const numbers = ready ?? (await reading);
    await publish(() => homeView(state(numbers.ok ? numbers.value : { unavailable: numbers.error.userMessage })));
  };

  return async ({ event }: SlackEventMiddlewareArgs<'app_home_opened'>): Promise<void> => {
    if (event.tab !== 'home') return;
    throttle(event.user, () => refresh(event.user));
  };
}
