import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Logger } from '../../log.js';

/** The interaction types smsops' manifest asks Slack for (a slash command's body has no type). */
const USED_TYPES: ReadonlySet<string> = new Set(['block_actions', 'view_submission', 'block_suggestion', 'event_callback']);

/** Types remembered as said once at info; past this many (Slack has fewer), each is said at debug only. */
const REMEMBERED_TYPES = 32;

/**
 * Acknowledges what Slack sends that smsops has no listener for (a modal's view_closed, a shortcut someone added to
 * the app's settings), since Bolt would leave it unanswered: a 404 after 3 seconds and two error lines for nothing
 * anyone can fix in smsops. Said once per type at info, then at debug.
 */
export function acknowledgeUnusedInteractions(logger: Logger): Middleware<AnyMiddlewareArgs> {
  const said = new Set<string>();
  return async (args) => {
    const type = (args.body as { type?: unknown }).type;
    if (typeof type !== 'string' || USED_TYPES.has(type) || !('ack' in args) || typeof args.ack !== 'function') {
      await args.next();
      return;
    }
    await args.ack();
    const first = !said.has(type) && said.size < REMEMBERED_TYPES;
    if (first) said.add(type);
    logger[first ? 'info' : 'debug']('Slack sent an interaction smsops does not use: acknowledged, nothing done', {
      type: type.slice(0, 40),
    });
  };
}
