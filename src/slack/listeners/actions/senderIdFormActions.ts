import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { describeError } from '../../../errors.js';
import { senderIdFormView } from '../../ui/senderIdForm.js';
import { openSenderIdForm } from '../commands/senderIdCommands.js';
import { replier, type SlackDeps } from '../context.js';
import { refusedToOutsider } from '../fullMembersOnly.js';
import { parseFormMetadata, readSenderIdDraft } from '../views/senderIdSubmission.js';

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/** Switching alphanumeric ↔ numeric rebuilds the form: the value field and the refused countries depend on it. */
export function senderIdTypeSwitchListener(deps: SlackDeps) {
  return async ({ ack, body, action, client }: ActionArgs): Promise<void> => {
    await ack();
    const view = body.view;
    if (!view) return;
    const chosen = z
      .enum(['alphanumeric', 'numeric'])
      .safeParse(action.type === 'radio_buttons' ? action.selected_option?.value : undefined);
    if (!chosen.success) return;
    const metadata = { ...parseFormMetadata(view.private_metadata), type: chosen.data };
    // A view without its state (damaged) switches with the fields empty.
    const values = readSenderIdDraft(view.state?.values, metadata);
    const numbers = chosen.data === 'numeric' ? await deps.smsNumbers.recent() : undefined;
    const notice = numbers && !numbers.ok ? numbers.error.userMessage : undefined;
    await client.views
      .update({
        view_id: view.id,
        hash: view.hash,
        view: senderIdFormView({
          metadata,
          numbers: numbers?.ok ? numbers.value : [],
          // The typed value means nothing for the other type; the rest carries over.
          values: { ...values, value: '' },
          ...(notice ? { notice } : {}),
        }),
      })
      .catch((error: unknown) => deps.logger.info('Sender ID form not switched', { error: describeError(error) }));
  };
}

/** "Request a Sender ID" button (on an empty list): the same form as the command. */
export function openSenderIdFormListener(deps: SlackDeps) {
  return async ({ ack, body, client, respond }: ActionArgs): Promise<void> => {
    await ack();
    const channelId = body.channel?.id ?? null;
    const interaction = {
      deps,
      actor: { userId: body.user.id },
      channelId,
      client,
      reply: replier({ respond, client, channelId, userId: body.user.id, logger: deps.logger }),
    };
    // The form's number search lists the account's numbers: for those `/sms senderid create` is for. Asked while the
    // form opens (the trigger_id lasts 3 s), which is filled only once it passed.
    const refused = refusedToOutsider(interaction, 'senderid.create', 'open the Sender ID form');
    await openSenderIdForm(interaction, body.trigger_id, undefined, refused);
  };
}
