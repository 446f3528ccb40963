import type { PhoneNumber } from '../../../core/phone.js';
import { parsePhoneNumber } from '../../../core/phone.js';
import { deleteSenderId, senderIdToDelete } from '../../../core/senderIdDeletion.js';
import { notCountriesNotice, type SenderIdPrefill } from '../../../core/senderIdPrefill.js';
import { ALPHANUMERIC_MAX_LENGTH } from '../../../core/senderIdRules.js';
import type { SenderIdDraft } from '../../../core/senderIds.js';
import { findSenderIds, recordSenderIdRejection, syncSenderIds } from '../../../core/senderIds.js';
import { describeError } from '../../../errors.js';
import { CALLBACK } from '../../ids.js';
import { slackErrorCode } from '../../slackErrorCode.js';
import { errorMessage } from '../../ui/errors.js';
import { senderIdDeletedReplyMessage, senderIdDeleteQuestionMessage } from '../../ui/senderIdDelete.js';
import { encodeMetadata, messageView, senderIdFormView } from '../../ui/senderIdForm.js';
import { senderIdListMessage, senderIdRejectionRecordedMessage, senderIdStatusMessage } from '../../ui/senderIds.js';
import { escapeMrkdwn } from '../../ui/text.js';
import { type Interaction, logFailure } from '../context.js';

const SENDER_ID_APPROVALS_JOB = 'sender-id-approvals';

/**
 * Opens the Sender ID form within the trigger's 3 seconds with a placeholder, then fills it once the account's
 * SMS-enabled numbers are known (Wavix may be slow; the trigger id would expire waiting for it).
 *
 * `refused` is the full-member check (refusedToOutsider), started by the caller and answered meanwhile: waiting for it
 * before views.open let a slow users.info (3.5 s) expire the trigger, and a member was told 'Slack did not open the
 * form in time' (a probe). The placeholder shows nothing of the account; a refused person's form says so instead of
 * being filled, and the refusal itself comes as a message.
 */
export async function openSenderIdForm(
  interaction: Interaction,
  triggerId: string,
  prefill?: SenderIdPrefill,
  refused: Promise<boolean> = Promise.resolve(false),
): Promise<void> {
  const { deps } = interaction;
  // Awaited below whichever way views.open goes; a failure meanwhile is the caller's (slowPart), not an unhandled one.
  refused.catch(() => undefined);
  // Its own client, which rejects rate-limited calls: a member opening the form in a loop got views.open a 429 that
  // paused Bolt's client, which answers everyone, for its Retry-After. Rate-limited, the person is told to try again.
  const client = deps.formSlack;
  const metadata = { channelId: interaction.channelId, type: prefill?.type ?? 'alphanumeric' };
  let opened: Awaited<ReturnType<typeof client.views.open>>;
  try {
    opened = await client.views.open({
      trigger_id: triggerId,
      view: messageView('New Sender ID', ':hourglass_flowing_sand: Loading your Wavix numbers…', {
        callbackId: CALLBACK.senderIdCreate,
        metadata: encodeMetadata(metadata),
      }),
    });
  } catch (error) {
    deps.logger.warn('could not open the Sender ID form', { error: describeError(error) });
    // Told why in words already: no form was for them.
    if (await refused) return;
    await interaction.reply({
      text: 'Slack did not open the form in time; run `/sms senderid create` again.',
      blocks: [],
    });
    return;
  }
  const viewId = opened.view?.id;
  if (await refused) {
    if (viewId) await closeRefusedForm(client, viewId, deps.logger);
    return;
  }
  if (!viewId) return;
  // Numbers read within the minute serve (a member opening the form in a loop read the whole account each time); a
  // read is kept for the form's number search too, whose first keystrokes would otherwise read Wavix all over again.
  const numbers = await deps.smsNumbers.recent();
  const view = numbers.ok
    ? senderIdFormView({ metadata, numbers: numbers.value, ...prefilled(prefill, numbers.value) })
    : messageView('New Sender ID', `:warning: ${escapeMrkdwn(numbers.error.userMessage)}`);
  try {
    await client.views.update({ view_id: viewId, ...(opened.view?.hash ? { hash: opened.view.hash } : {}), view });
  } catch (error) {
    // A hash conflict means the person already changed the form (switched the type): their view wins.
    if (slackErrorCode(error) === 'hash_conflict') {
      deps.logger.info('Sender ID form not updated: the person changed it first', { error: describeError(error) });
      return;
    }
    // Anything else leaves the form on "Loading…" for good: the person is told, and it is logged.
    deps.logger.warn('could not fill the Sender ID form', { error: describeError(error) });
    await interaction.reply({
      text: 'Slack did not accept the Sender ID form; close it and run `/sms senderid create` again.',
      blocks: [],
    });
  }
}

/** A refused person's placeholder form: it says so (the refusal's words come as a message), never their numbers. */
async function closeRefusedForm(client: Interaction['deps']['formSlack'], viewId: string, logger: Interaction['deps']['logger']) {
  try {
    await client.views.update({
      view_id: viewId,
      view: messageView('New Sender ID', 'smsops did not open this form for you: its message in Slack says why.'),
    });
  } catch (error) {
    logger.warn('could not close a refused Sender ID form', { error: describeError(error) });
  }
}

/** The form's values from the command's words, and what could not be used of them, said on top of the form. */
function prefilled(
  prefill: SenderIdPrefill | undefined,
  numbers: readonly PhoneNumber[],
): { values?: Partial<SenderIdDraft>; notice?: string } {
  if (!prefill) return {};
  const notes: string[] = [];
  const countriesNote = notCountriesNotice(prefill.notCountries);
  if (countriesNote) notes.push(countriesNote);
  let value: string | undefined = prefill.value;
  const length = [...prefill.value].length;
  if (prefill.type === 'alphanumeric' && length > ALPHANUMERIC_MAX_LENGTH) {
    // Slack refuses a view whose input holds more than the field allows, and a cut name is not what was meant.
    value = undefined;
    notes.push(
      `"${prefill.value}" is ${length} characters; a Sender ID has at most ${ALPHANUMERIC_MAX_LENGTH}, so it is not filled in. Type a shorter one below.`,
    );
  } else if (prefill.type === 'numeric') {
    const parsed = parsePhoneNumber(prefill.value);
    const number = parsed.ok ? numbers.find((n) => n.e164 === parsed.value.e164) : undefined;
    if (number) value = number.e164;
    else if (numbers.length > 0) {
      notes.push(`${prefill.value} is not one of this account’s SMS-enabled numbers, so no number is chosen.`);
    }
  }
  const values: Partial<SenderIdDraft> = { ...(value !== undefined ? { value } : {}), countries: prefill.countries };
  return notes.length > 0 ? { values, notice: notes.join(' ') } : { values };
}

export async function listSenderIdsCommand(interaction: Interaction, page?: number): Promise<void> {
  await interaction.reply(senderIdListMessage(await syncSenderIds(interaction.deps.services), page));
}

export async function senderIdStatusCommand(interaction: Interaction, query: string): Promise<void> {
  await interaction.reply(senderIdStatusMessage(query, await findSenderIds(interaction.deps.services, query)));
}

export async function rejectSenderIdCommand(
  interaction: Interaction,
  input: { query: string; country: string; reason: string },
): Promise<void> {
  const result = await recordSenderIdRejection(interaction.deps.services, interaction.actor, input);
  if (!result.ok) {
    logFailure(interaction.deps.logger, 'senderid reject', result.error);
    await interaction.reply(errorMessage(result.error, 'record the refusal'));
    return;
  }
  await interaction.reply(senderIdRejectionRecordedMessage(result.value.record, result.value.country, input.reason));
}

/** `/sms senderid delete Acme`: the question, naming what Wavix's permanent delete takes with it. */
export async function deleteSenderIdCommand(interaction: Interaction, query: string): Promise<void> {
  const asked = await senderIdToDelete(interaction.deps.services, interaction.actor, query);
  if (!asked.ok) {
    logFailure(interaction.deps.logger, 'senderid delete', asked.error);
    await interaction.reply(errorMessage(asked.error, 'delete the Sender ID'));
    return;
  }
  await interaction.reply(senderIdDeleteQuestionMessage(asked.value));
}

/** "Delete" on the question: the answer replaces it, then the approval check announces it in the alert channel. */
export async function confirmDeleteSenderIdCommand(interaction: Interaction, wavixId: string): Promise<void> {
  const { deps } = interaction;
  const result = await deleteSenderId(deps.services, interaction.actor, wavixId);
  if (!result.ok) {
    logFailure(deps.logger, 'senderid delete', result.error);
    await interaction.reply(errorMessage(result.error, 'delete the Sender ID'), { replaceOriginal: true });
    return;
  }
  await interaction.reply(senderIdDeletedReplyMessage(result.value), { replaceOriginal: true });
  // Now rather than at its next run (up to 10 min): the channel that saw it requested hears who deleted it. A failed
  // post is the job's to retry, as for any announcement.
  try {
    await deps.watch.jobs.runNow(SENDER_ID_APPROVALS_JOB);
  } catch (error) {
    deps.logger.warn('the Sender ID deletion is announced at the next approval check', { error: describeError(error) });
  }
}
