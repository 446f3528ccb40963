import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { listRoutes } from '../../../core/routes.js';
import { describeError } from '../../../errors.js';
import { homeView } from '../../ui/home.js';
import type { SlackDeps } from '../context.js';

export function appHomeOpenedListener(deps: SlackDeps) {
  return async ({ event, client }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs): Promise<void> => {
    if (event.tab !== 'home') return;
    const view = homeView({ senderIds: deps.services.senderIds.list(), routes: listRoutes(deps.services) });
    await client.views
      .publish({ user_id: event.user, view })
      .catch((error: unknown) => deps.logger.warn('could not publish the App Home', { error: describeError(error) }));
  };
}
