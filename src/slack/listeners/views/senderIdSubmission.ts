import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { UnexpectedError } from '../../../core/access.js';
import { InputError } from '../../../core/inputError.js';
import {
  checkMayRequestSenderId,
  checkSenderIdDraft,
  checkSenderIdDuplicates,
  MONTHLY_VOLUMES,
  type RequestedSenderId,
  requestSenderId,
  SENDER_ID_USECASES,
  type SenderIdDraft,
  senderIdRequestAnnounced,
} from '../../../core/senderIds.js';
import { SenderIdOutcomeUnknown } from '../../../core/senderIdUnknownOutcome.js';
import { type AppError, describeError, err, type Result } from '../../../errors.js';
import { SENDER_ID_ACTION, SENDER_ID_BLOCK } from '../../ids.js';
import {
  messageView,
  NUMBERS_LOADING_VALUE,
  type SenderIdFormMetadata,
  senderIdErrorBlock,
  senderIdFormView,
} from '../../ui/senderIdForm.js';
import { senderIdCreatedModalText, senderIdRequestedAnnouncement, senderIdRequestedConfirmation } from '../../ui/senderIds.js';
import { escapeMrkdwn, type SlackMessage } from '../../ui/text.js';
import { logFailure, type SlackDeps } from '../context.js';

const option = z.object({ value: z.string() }).nullish();
const element = z.looseObject({
  value: z.string().nullish(),
  selected_option: option,
  selected_options: z.array(z.object({ value: z.string() })).nullish(),
});
const stateValuesSchema = z.record(z.string(), z.record(z.string(), element));
const metadataSchema = z.object({
  channelId: z.string().nullable(),
  type: z.enum(['alphanumeric', 'numeric']),
});

export function parseFormMetadata(raw: string | undefined): SenderIdFormMetadata {
  try {
    const parsed = metadataSchema.safeParse(JSON.parse(raw ?? ''));
    if (parsed.success) return parsed.data;
  } catch {
    // Not ours or damaged: fall back to defaults rather than failing the person's submission.
  }
  return { channelId: null, type: 'alphanumeric' };
}

type StateValues = z.infer<typeof stateValuesSchema>;

const read = (values: StateValues, block: string, action: string) => values[block]?.[action];

/** The form's values as a draft. The type comes from the metadata, which the form is rebuilt from on every switch. */
export function readSenderIdDraft(rawValues: unknown, metadata: SenderIdFormMetadata): SenderIdDraft {
  const values = stateValuesSchema.catch({}).parse(rawValues);
  const typed = read(values, SENDER_ID_BLOCK.valueText, SENDER_ID_ACTION.value)?.value;
  const chosen = read(values, SENDER_ID_BLOCK.valueNumber, SENDER_ID_ACTION.value)?.selected_option?.value;
  const usecase = z
    .enum(SENDER_ID_USECASES)
    .catch('transactional')
    .parse(read(values, SENDER_ID_BLOCK.usecase, SENDER_ID_ACTION.usecase)?.selected_option?.value);
  const volume = z
    .enum(MONTHLY_VOLUMES)
    .optional()
    .catch(undefined)
    .parse(read(values, SENDER_ID_BLOCK.volume, SENDER_ID_ACTION.volume)?.selected_option?.value);
  const samples = (read(values, SENDER_ID_BLOCK.samples, SENDER_ID_ACTION.samples)?.value ?? '')
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    type: metadata.type,
    value: chosen ?? typed ?? '',
    countries: (read(values, SENDER_ID_BLOCK.countries, SENDER_ID_ACTION.countries)?.selected_options ?? []).map((o) => o.value),
    usecase,
    monthlyVolume: volume,
    samples,
  };
}

/**
 * The form's select menus whose submitted value is none of the options smsops offered, by block. Slack only sends an
 * offered option, so such a value was written by hand (a forged submission): it is refused on its field rather than
 * quietly read as the default (a request for one use case filed as another).
 */
export function forgedChoices(rawValues: unknown): Record<string, string> {
  const values = stateValuesSchema.catch({}).parse(rawValues);
  const errors: Record<string, string> = {};
  const offered = (block: string, action: string, allowed: readonly string[]) => {
    const value = read(values, block, action)?.selected_option?.value;
    if (value !== undefined && !allowed.includes(value))
      errors[block] = 'Not one of the options offered: choose one from the list.';
  };
  offered(SENDER_ID_BLOCK.usecase, SENDER_ID_ACTION.usecase, SENDER_ID_USECASES);
  offered(SENDER_ID_BLOCK.volume, SENDER_ID_ACTION.volume, MONTHLY_VOLUMES);
  return errors;
}

/** The number search's "still loading" placeholder, chosen: offered, but it is no number. */
function loadingPlaceholderChosen(rawValues: unknown): Record<string, string> | undefined {
  const values = stateValuesSchema.catch({}).parse(rawValues);
  const chosen = read(values, SENDER_ID_BLOCK.valueNumber, SENDER_ID_ACTION.value)?.selected_option?.value;
  if (chosen !== NUMBERS_LOADING_VALUE) return undefined;
  return { [SENDER_ID_BLOCK.valueNumber]: 'The numbers were still loading: open the list again and choose a number.' };
}

/**
 * Submit of the Sender ID form. Fast part: the checks that need no Wavix call, shown on the fields; otherwise the
 * modal turns into "Sending…" at once. Slow part: create on Wavix, then confirm to the person and announce in the
 * alert channel. A refusal by Wavix brings the form back with the values and Wavix's reason on top.
 */
export function senderIdSubmissionListener(deps: SlackDeps) {
  return async ({ ack, body, view, client }: SlackViewMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    // Slack always sends the state; a submission without it (damaged) is answered on its fields like an empty form.
    const stateValues: Record<string, unknown> = view.state?.values ?? {};
    const placeholder = loadingPlaceholderChosen(stateValues);
    if (placeholder) {
      await ack({ response_action: 'errors', errors: placeholder });
      return;
    }
    const forged = forgedChoices(stateValues);
    if (Object.keys(forged).length > 0) {
      deps.logger.warn('Sender ID form submitted with a value it never offered: refused', {
        userId: body.user.id,
        blocks: Object.keys(forged),
      });
      await ack({ response_action: 'errors', errors: forged });
      return;
    }
    const metadata = parseFormMetadata(view.private_metadata);
    const draft = readSenderIdDraft(stateValues, metadata);
    const hasNumberSelect = stateValues[SENDER_ID_BLOCK.valueNumber] !== undefined;
    const problem = checkSenderIdDraft(draft) ?? checkSenderIdDuplicates(deps.services, draft);
    if (problem) {
      const errors: Record<string, string> = {};
      for (const p of problem.problems) {
        const block = senderIdErrorBlock(p.field, metadata.type, hasNumberSelect);
        errors[block] = errors[block] ? `${errors[block]} ${p.message}` : p.message;
      }
      await ack({ response_action: 'errors', errors });
      return;
    }
    // Refused (and recorded) before anything is said to be sent: a non-admin read "Sending the request to Wavix…"
    // first. The answer must leave within Slack's 3 s: an admin check that asks Slack (SLACK_ADMIN_USERS unset) and
    // takes longer is awaited after the ack, the modal saying meanwhile that it is being checked.
    const allowed = checkMayRequestSenderId(deps.services, { userId: body.user.id }, draft).catch((error: unknown) =>
      err(new UnexpectedError('check who is an admin', error)),
    );
    const early = await settledWithin(allowed, ADMIN_CHECK_ACK_BUDGET_MS);
    if (early && !early.ok) {
      logFailure(deps.logger, 'senderid create', early.error);
      await ack({ response_action: 'update', view: messageView('New Sender ID', refusalText(early.error)) });
      return;
    }
    await ack({ response_action: 'update', view: messageView('New Sender ID', early ? SENDING : CHECKING) });

    // A stop waits for this a while; one that gives up first says so in the modal: before Wavix answered, that Wavix
    // may have acted; after, Wavix's answer, since only Slack's part (the announcement, the confirmation) was left.
    const progress: SenderIdProgress = {};
    await deps.inFlight.run(
      async () => {
        if (!early) {
          const checked = await allowed;
          const next = checked.ok ? SENDING : refusalText(checked.error);
          if (!checked.ok) logFailure(deps.logger, 'senderid create', checked.error);
          await client.views
            .update({ view_id: view.id, view: messageView('New Sender ID', next) })
            .catch((error: unknown) => deps.logger.warn('could not update the Sender ID form', { error: describeError(error) }));
          if (!checked.ok) return;
        }
        await sendSenderIdRequest(deps, client, { userId: body.user.id, viewId: view.id, metadata, draft }, progress);
      },
      () => {
        const text = cutByStopText(progress);
        return (
          client.views
            .update({ view_id: view.id, view: messageView('New Sender ID', text) })
            // The modal closed meanwhile: where its confirmation would have gone.
            .catch(() => confirmTo(client, metadata, body.user.id, { text, blocks: [] }))
        );
      },
    );
  };
}

const SENDING = ':hourglass_flowing_sand: Sending the request to Wavix…';
const CHECKING = ':hourglass_flowing_sand: Checking that you may request Sender IDs…';
const refusalText = (error: AppError) => `:no_entry_sign: ${escapeMrkdwn(error.userMessage)}`;

/** How long the admin check may take before the submission's ack (Slack waits 3 s for it, the network included). */
const ADMIN_CHECK_ACK_BUDGET_MS = 1_000;

/** The promise's value when it settles within `ms`, else undefined (it goes on, to be awaited later). */
async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ms, undefined);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** What the request got to, for a stop that gives up on it: set once Wavix's answer (or refusal) is known. */
interface SenderIdProgress {
  result?: Result<RequestedSenderId>;
}

const SENDER_ID_CUT_BY_STOP =
  ':warning: smsops is stopping: the request to Wavix may or may not have been made; check with `/sms senderid status` after the restart.';

function cutByStopText(progress: SenderIdProgress): string {
  const { result } = progress;
  if (!result) return SENDER_ID_CUT_BY_STOP;
  if (!result.ok) return `:x: ${escapeMrkdwn(refusalNotice(result.error))}`;
  return `${senderIdCreatedModalText(result.value)}\n\n:warning: smsops stopped before Slack confirmed its announcement in the alert channel, which may be missing.`;
}

const refusalNotice = (error: AppError) =>
  error instanceof InputError ? error.problems.map((p) => p.message).join(' ') : error.userMessage;

/**
 * The slow part: create on Wavix, then confirm to the person and announce in the alert channel, or bring the form
 * back with Wavix's reason on top.
 */
async function sendSenderIdRequest(
  deps: SlackDeps,
  client: AllMiddlewareArgs['client'],
  { userId, viewId, metadata, draft }: { userId: string; viewId: string; metadata: SenderIdFormMetadata; draft: SenderIdDraft },
  progress: SenderIdProgress,
): Promise<void> {
  const result = await requestSenderId(deps.services, { userId }, draft);
  progress.result = result;
  if (!result.ok) {
    logFailure(deps.logger, 'senderid create', result.error);
    if (result.error instanceof SenderIdOutcomeUnknown) {
      // No form to submit again: Wavix may still be making it, and a second submit would make a duplicate.
      await client.views
        .update({ view_id: viewId, view: messageView('New Sender ID', `:warning: ${escapeMrkdwn(result.error.userMessage)}`) })
        .catch((error: unknown) => deps.logger.warn('could not update the Sender ID form', { error: describeError(error) }));
      return;
    }
    const numbers = metadata.type === 'numeric' ? await deps.smsNumbers.read() : undefined;
    const notice = refusalNotice(result.error);
    await client.views
      .update({
        view_id: viewId,
        view: senderIdFormView({ metadata, numbers: numbers?.ok ? numbers.value : [], values: draft, notice }),
      })
      .catch((error: unknown) => deps.logger.warn('could not show the refusal in the form', { error: describeError(error) }));
    return;
  }

  await client.views
    .update({ view_id: viewId, view: messageView('Sender ID requested', senderIdCreatedModalText(result.value)) })
    .catch((error: unknown) => deps.logger.warn('could not update the Sender ID form', { error: describeError(error) }));
  const announcement = senderIdRequestedAnnouncement(result.value);
  await client.chat
    // Slack unfurls media links in an app's post by default: unfurl_links alone let a typed image link through.
    .postMessage({
      channel: deps.alertChannel,
      text: announcement.text,
      blocks: announcement.blocks,
      unfurl_links: false,
      unfurl_media: false,
    })
    .then((posted) => {
      // Slack answers with the channel's id even when the alert channel is configured by name.
      const channel = posted.channel ?? deps.alertChannel;
      senderIdRequestAnnounced(deps.services, result.value, posted.ts ? { channel, ts: posted.ts } : undefined);
    })
    .catch((error: unknown) =>
      // The countries approved at once stay unannounced: the approval job's next run says them.
      deps.logger.warn('could not announce the Sender ID in the alert channel', { error: describeError(error) }),
    );
  await confirmTo(client, metadata, userId, senderIdRequestedConfirmation(result.value)).catch((error: unknown) =>
    deps.logger.warn('could not confirm the Sender ID to its requester', { error: describeError(error) }),
  );
}

/** Ephemeral where the command was typed; a direct message when the form was opened from elsewhere (App Home). */
const confirmTo = (client: AllMiddlewareArgs['client'], metadata: SenderIdFormMetadata, userId: string, message: SlackMessage) =>
  metadata.channelId
    ? client.chat.postEphemeral({ channel: metadata.channelId, user: userId, text: message.text, blocks: message.blocks })
    : client.chat.postMessage({
        channel: userId,
        text: message.text,
        blocks: message.blocks,
        unfurl_links: false,
        unfurl_media: false,
      });
