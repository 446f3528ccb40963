import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Logger } from '../../log.js';
import { warnOncePerMinute } from '../../logOncePerMinute.js';
import { ACTION, ALERT_ACTION, CALLBACK, DOCTOR_ACTION, SENDER_ID_ACTION, SENDER_ID_BLOCK } from '../ids.js';

/** The one slash command smsops answers (the manifest's). */
export const SMS_COMMAND = '/sms';

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
  // One key whatever the name: a forged request may carry a new name each time, and each would be a line.
  const otherCommand = warnOncePerMinute(
    logger,
    `Slack sent a slash command smsops does not answer (it answers ${SMS_COMMAND} only): rename it in the Slack app's settings`,
    {},
    { countField: 'commandsSinceLastWarning' },
  );
  return async (args) => {
    const body = args.body as { type?: unknown; command?: unknown };
    const { type, command } = body;
    // A command of another name (renamed in the app's settings, `/sms` being taken, or a second one added) waited
    // Bolt's 3 s for Slack's "dispatch_failed" and an error line per use that named nothing to fix.
    if (typeof command === 'string' && command !== SMS_COMMAND && 'ack' in args && typeof args.ack === 'function') {
      const name = command.slice(0, 40);
      await args.ack({
        response_type: 'ephemeral',
        text: `smsops answers \`${SMS_COMMAND}\` only, and this command is \`${name}\`: ask an admin to name it \`${SMS_COMMAND}\` in the Slack app's settings (Slash Commands).`,
      } as never);
      otherCommand('', { command: name });
      return;
    }
    if (
      typeof type !== 'string' ||
      !('ack' in args) ||
      typeof args.ack !== 'function' ||
      (USED_TYPES.has(type) && isOurs(body))
    ) {
      await args.next();
      return;
    }
    // A block_suggestion is answered with its options: none.
    await (type === 'block_suggestion' ? args.ack({ options: [] } as never) : args.ack());
    const first = !said.has(type) && said.size < REMEMBERED_TYPES;
    if (first) said.add(type);
    logger[first ? 'info' : 'debug']('Slack sent an interaction smsops does not use: acknowledged, nothing done', {
      type: type.slice(0, 40),
    });
  };
}

/**
 * Every action id a listener of smsops answers, as listeners/index.ts registers them (a test compares the two). The
 * Sender ID form's other inputs are not among them: only its type choice dispatches an action.
 */
export const LISTENED_ACTIONS: ReadonlySet<string> = new Set<string>([
  ...Object.values(ACTION),
  ...Object.values(ALERT_ACTION),
  ...Object.values(DOCTOR_ACTION),
  SENDER_ID_ACTION.type,
]);
/** The one suggestion smsops answers: the Sender ID form's number search. */
export const LISTENED_SUGGESTION = { blockId: SENDER_ID_BLOCK.valueNumber, actionId: SENDER_ID_ACTION.value } as const;
export const LISTENED_VIEWS: ReadonlySet<string> = new Set<string>([CALLBACK.senderIdCreate]);

/**
 * Whether a listener of smsops takes it: a button from an older version (an id since renamed), a link button (Slack
 * sends its click too) or a hand-made payload otherwise waited out Bolt's 3 s for a 404 and an error line.
 */
function isOurs(body: {
  type?: unknown;
  actions?: Array<{ action_id?: unknown }>;
  action_id?: unknown;
  block_id?: unknown;
  view?: { callback_id?: unknown };
}): boolean {
  switch (body.type) {
    case 'block_actions':
      return (
        Array.isArray(body.actions) &&
        body.actions.some((a) => typeof a?.action_id === 'string' && LISTENED_ACTIONS.has(a.action_id))
      );
    case 'block_suggestion':
      return body.action_id === LISTENED_SUGGESTION.actionId && body.block_id === LISTENED_SUGGESTION.blockId;
    case 'view_submission':
      return typeof body.view?.callback_id === 'string' && LISTENED_VIEWS.has(body.view.callback_id);
    default:
      return true;
  }
}
