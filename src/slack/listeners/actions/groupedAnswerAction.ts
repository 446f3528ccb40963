import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { groupedAnswerWords } from '../../ui/groupedPost.js';
import type { SlackDeps } from '../context.js';
import { buttonValue } from './buttonValue.js';
import { interactionOf } from './setupActions.js';

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

const MESSAGE_ID = /^[1-9]\d{0,15}$/;

/** "Answer" beside one customer's SMS in a grouped post: starts (or points to) that customer's thread of the day. */
export function groupedAnswerListener(deps: SlackDeps) {
  return async (args: ActionArgs): Promise<void> => {
    await args.ack();
    const interaction = interactionOf(deps, args);
    const say = (text: string) => interaction.reply({ text, blocks: [] });
    const value = buttonValue(args.action);
    const channel = args.body.channel?.id;
    const postTs = args.body.message?.ts;
    const start = deps.conversations?.startThread;
    if (!start || !value || !MESSAGE_ID.test(value) || !channel || typeof postTs !== 'string') {
      await say(groupedAnswerWords.unknown);
      return;
    }
    const answer = await start({ channel, postTs, messageId: Number(value), userId: args.body.user.id });
    deps.logger.info('grouped post answer pressed', { channel, user: args.body.user.id, outcome: answer.kind });
    if (answer.kind === 'started') await say(groupedAnswerWords.started(answer.customer));
    else if (answer.kind === 'exists') await say(groupedAnswerWords.exists(answer.customer));
    else if (answer.kind === 'rateLimited') await say(groupedAnswerWords.rateLimited(answer.seconds));
    else if (answer.kind === 'failed') await say(groupedAnswerWords.failed(answer.why));
    else await say(groupedAnswerWords.unknown);
  };
}
