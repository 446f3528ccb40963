import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { listNumbers } from '../../../core/numbers.js';
import { listRoutes } from '../../../core/routes.js';
import { describeError } from '../../../errors.js';
import { relayStatus } from '../../../relay/operations.js';
import { type HomeState, homeView } from '../../ui/home.js';
import type { SlackDeps } from '../context.js';

/** Publishes the Home tab at once from the store, then again with the numbers once Wavix answered. */
export function appHomeOpenedListener(deps: SlackDeps) {
  return async ({ event, client }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs): Promise<void> => {
    if (event.tab !== 'home') return;
    const state = (numbers: HomeState['numbers']): HomeState => ({
      senderIds: deps.services.senderIds.list(),
      routes: listRoutes(deps.services, deps.inboxChannel),
      relay: relayStatus(deps.relay),
      openAlerts: deps.watch.alerts.open(),
      numbers,
      now: deps.watch.now(),
    });
    const publish = (numbers: HomeState['numbers']) =>
      client.views
        .publish({ user_id: event.user, view: homeView(state(numbers)) })
        .catch((error: unknown) => deps.logger.warn('could not publish the App Home', { error: describeError(error) }));
    await publish('loading');
    const numbers = await listNumbers(deps.services);
    await publish(numbers.ok ? numbers.value : { unavailable: numbers.error.userMessage });
  };
}
