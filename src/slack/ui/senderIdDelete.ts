import type { SenderIdRecord } from '../../core/model/senderId.js';
import type { SenderIdDeleted } from '../../core/senderIdDeletion.js';
import { ACTION } from '../ids.js';
import { countryName } from './senderIdForm.js';
import { senderIdLabel } from './senderIds.js';
import { button, code, context, escapeMrkdwn, type SlackMessage, section } from './text.js';

const inStatus = (record: SenderIdRecord, status: string) =>
  record.countries.filter((c) => c.status === status).map((c) => `${escapeMrkdwn(countryName(c.country))} (${c.country})`);

/** What the button carries back: the Wavix id (not secret) of the one Sender ID the question named. */
export interface SenderIdDeleteConfirmation {
  wavixId: string;
}

/** `/sms senderid delete Acme`: what Wavix's permanent delete takes with it, and the buttons. */
export function senderIdDeleteQuestionMessage(record: SenderIdRecord): SlackMessage {
  const label = senderIdLabel(record);
  const approved = inStatus(record, 'approved');
  const pending = inStatus(record, 'pending');
  const lines = [`:warning: Delete Sender ID *${label}* (${record.type}) on Wavix? Wavix deletes it for good.`];
  lines.push(
    approved.length > 0
      ? `It can no longer send in ${approved.join(', ')}.`
      : 'It is approved in no country, so no sending stops.',
  );
  if (pending.length > 0) lines.push(`The requests for ${pending.join(', ')} are withdrawn: no carrier decision will come.`);
  const confirmation: SenderIdDeleteConfirmation = { wavixId: record.wavixId };
  return {
    text: `Delete Sender ID ${record.value} on Wavix?`,
    blocks: [
      section(lines.join('\n')),
      context(`Wavix id ${escapeMrkdwn(record.wavixId)} · the alert channel is told who deleted it`),
      {
        type: 'actions',
        elements: [
          button({
            text: 'Delete',
            actionId: ACTION.confirmSenderIdDelete,
            value: JSON.stringify(confirmation),
            style: 'danger',
          }),
          button({ text: 'Cancel', actionId: ACTION.cancelSenderIdDelete, value: 'cancel' }),
        ],
      },
    ],
  };
}

/** The answer to "Delete": done, or found gone already on Wavix. */
export function senderIdDeletedReplyMessage(deleted: SenderIdDeleted): SlackMessage {
  const label = senderIdLabel(deleted.record);
  const said = deleted.alreadyGone
    ? `:wastebasket: Sender ID *${label}* was no longer on Wavix (deleted in its portal, or by a colleague a moment before); smsops now shows it deleted.`
    : `:wastebasket: Sender ID *${label}* is deleted on Wavix. The alert channel hears of it in its request's thread.`;
  return {
    text: deleted.alreadyGone
      ? `Sender ID ${deleted.record.value} was no longer on Wavix.`
      : `Sender ID ${deleted.record.value} is deleted.`,
    blocks: [section(said), context(`Wavix id ${escapeMrkdwn(deleted.record.wavixId)} · ${code('/sms senderid list')}`)],
  };
}

export const senderIdDeleteCancelledMessage: SlackMessage = {
  text: 'Cancelled; the Sender ID was not deleted.',
  blocks: [],
};
