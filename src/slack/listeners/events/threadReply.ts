import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { type DeletedReply, deletedReplyText } from '../../../core/conversations/deletedReply.js';
import { editNotSentText } from '../../../core/conversations/editedReply.js';
import { isTransientStoreError, storeErrorReason } from '../../../core/ports/storeErrors.js';
import { describeError } from '../../../errors.js';
import { warnOncePerMinute } from '../../../logOncePerMinute.js';
import { linksIntoSlack, mentionsPeople, typedTextNamed } from '../../messageText.js';
import { customEmojiNames } from '../../richTextMarkup.js';
import { GROUPED_POST_REPLY_REFUSAL } from '../../ui/groupedPost.js';
import type { SlackDeps } from '../context.js';

/**
 * Message subtypes that are a person writing in the thread. Every other subtype (message_changed, message_deleted,
 * channel_join, bot_message, …) is Slack telling of something else: an edit is never sent again, and an edit or a
 * deletion of a reply is only said to its writer (above the subtype check).
 * `file_share` is a message with files (said in the thread, nothing sent); `thread_broadcast` is a reply also shown
 * in the channel.
 */
const PERSON_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast']);

/**
 * The fields of a message event this listener reads (Bolt's union of subtypes does not share them all), each checked
 * for its type: a `text: []` Slack never sends reached the mention parser and an error line with a bare TypeError.
 * Strict only about these; anything else in the event is left alone.
 */
const messageFieldsSchema = z.object({
  subtype: z.string().optional(),
  channel: z.string().optional(),
  user: z.string().optional(),
  bot_id: z.unknown().optional(),
  bot_profile: z.unknown().optional(),
  text: z.string().optional(),
  /** The rich_text the composer made: the only place an emoji's Unicode is (`text` has its `:shortcode:`). */
  blocks: z.unknown().optional(),
  ts: z.string().optional(),
  thread_ts: z.string().optional(),
  /** Who wrote the thread's parent (Slack sets it on replies). */
  parent_user_id: z.string().optional(),
  files: z.array(z.unknown()).optional(),
  /** A message shared into the thread ("Share message", a forward) is an attachment marked `is_share`. */
  attachments: z.array(z.unknown()).optional(),
});

/** Whether the message carries a Slack message shared into it, whose words are not in its `text`. */
const sharesMessage = (attachments: readonly unknown[] | undefined): boolean =>
  (attachments ?? []).some((a) => typeof a === 'object' && a !== null && (a as { is_share?: unknown }).is_share === true);

/**
 * A person's edit of a message (Slack's `message_changed`, with `edited`: an unfurl or a bot's change has none). Read
 * only to tell the writer of a reply smsops sent that the edit is not: they fixed a typo believing the customer gets it.
 */
const editSchema = z.object({
  subtype: z.literal('message_changed'),
  channel: z.string(),
  message: z.object({
    user: z.string().optional(),
    ts: z.string(),
    thread_ts: z.string().optional(),
    text: z.string().optional(),
    edited: z.unknown().optional(),
    bot_id: z.unknown().optional(),
  }),
  previous_message: z.object({ text: z.string().optional() }).optional(),
});

/**
 * A person's message deleted (Slack's `message_deleted`, with the message as it was). Read only to tell the writer of a
 * reply smsops took what became of it: deleting it in Slack takes back no SMS.
 */
const deletionSchema = z.object({
  subtype: z.literal('message_deleted'),
  channel: z.string(),
  previous_message: z.object({
    user: z.string().optional(),
    ts: z.string(),
    thread_ts: z.string().optional(),
    bot_id: z.unknown().optional(),
  }),
});

/**
 * A writer is told once per reply within this time, and again only when what to tell changed (a handful at most, the
 * reply's status moving one way): each further edit of it (a script editing it 40 times) would be one more call of
 * Bolt's client, whose 429 holds every call of it, other people's forms included, for its Retry-After.
 */
const EDIT_TOLD_FOR_MS = 60 * 60_000;
/** Replies remembered as told, at most: the oldest are forgotten first (a writer may then be told once more). */
const EDIT_TOLD_MAX = 10_000;

/**
 * A message posted in a channel: when it is a person's reply in the thread of a relayed SMS, it is handed to the
 * reply use case. Bolt has acknowledged the event already (HTTP mode acks events before listeners run), so the
 * Wavix call never makes Slack retry. The bot's own posts, other bots and apps, edits and messages outside a thread
 * are dropped here; whether the thread is smsops' is the use case's question. A reply under a grouped post (several
 * SMS coalesced under a storm) is no conversation's: the person is told so, and where to answer instead.
 */
export function threadReplyListener(deps: SlackDeps) {
  const warnDamaged = warnOncePerMinute(
    deps.logger,
    'a message event of a shape Slack never sends was ignored',
    {},
    {
      countField: 'ignoredSinceLastWarning',
    },
  );
  // When each reply's writer was last told, and what: a reply whose fate changed since (Wavix refused the one "going
  // out as first written") is told again, or its writer kept believing the first notice.
  const editTold = new Map<string, { at: number; text: string }>();
  const firstEditNotice = (channel: string, ts: string, text: string): boolean => {
    const key = `${channel} ${ts}`;
    const now = Date.now();
    const told = editTold.get(key);
    if (told !== undefined && told.text === text && now - told.at < EDIT_TOLD_FOR_MS) return false;
    editTold.delete(key);
    editTold.set(key, { at: now, text });
    if (editTold.size > EDIT_TOLD_MAX) editTold.delete(editTold.keys().next().value as string);
    return true;
  };
  return async ({ event, body, context, client }: SlackEventMiddlewareArgs<'message'> & AllMiddlewareArgs): Promise<void> => {
    const conversations = deps.conversations;
    if (!conversations) return;
    const parsed = messageFieldsSchema.safeParse(event);
    if (!parsed.success) {
      warnDamaged('', { fields: [...new Set(parsed.error.issues.map((issue) => issue.path.join('.')))].join(', ') });
      return;
    }
    const message = parsed.data;
    const edit = editSchema.safeParse(event);
    if (edit.success) {
      const { channel, message: edited, previous_message: before } = edit.data;
      const person = edited.edited !== undefined && edited.bot_id === undefined && edited.user !== undefined;
      const inThread = edited.thread_ts !== undefined && edited.thread_ts !== edited.ts;
      if (!person || !inThread || !edited.user || edited.user === context.botUserId || edited.text === before?.text) return;
      const status = conversations.takenReplyStatus?.(channel, edited.ts);
      if (status === undefined) {
        // Perhaps Slack delivers the reply itself later (a retried event): its writer is told then.
        conversations.editedBeforeTaken?.(channel, edited.ts);
        return;
      }
      const text = editNotSentText(status);
      if (!firstEditNotice(channel, edited.ts, text)) return;
      await client.chat.postEphemeral({ channel, thread_ts: edited.thread_ts, user: edited.user, text }).catch((error: unknown) =>
        deps.logger.warn('the writer of an edited reply could not be told it was not sent', {
          channel,
          error: describeError(error),
        }),
      );
      return;
    }
    const deletion = deletionSchema.safeParse(event);
    if (deletion.success) {
      const { channel, previous_message: gone } = deletion.data;
      if (!gone.user || gone.bot_id !== undefined || gone.user === context.botUserId) return;
      if (gone.thread_ts === undefined || gone.thread_ts === gone.ts) return;
      let deleted: DeletedReply | undefined;
      try {
        deleted = conversations.replyDeleted?.(channel, gone.ts);
      } catch (error) {
        deps.logger.warn('a deleted reply could not be looked up', { channel, error: describeError(error) });
        return;
      }
      // A send under way says what became of the reply itself, once it knows whether Wavix had it.
      const text = deleted && !deleted.toldBySend ? deletedReplyText(deleted) : undefined;
      if (text === undefined || !firstEditNotice(channel, gone.ts, text)) return;
      await client.chat.postEphemeral({ channel, thread_ts: gone.thread_ts, user: gone.user, text }).catch((error: unknown) =>
        deps.logger.warn('the writer of a deleted reply could not be told what became of it', {
          channel,
          error: describeError(error),
        }),
      );
      return;
    }
    if (!PERSON_SUBTYPES.has(message.subtype)) return;
    if (message.bot_id !== undefined || message.bot_profile !== undefined) return;
    if (!message.user || message.user === context.botUserId) return;
    if (!message.channel || !message.ts || !message.thread_ts || message.thread_ts === message.ts) return;
    const eventId = (body as { event_id?: unknown }).event_id;
    if (typeof eventId !== 'string' || eventId === '') return;
    const { channel, thread_ts: threadTs, user } = message;
    /** Words for the writer only (ephemeral, in the thread): why their message went nowhere. */
    const tellWriter = (text: string) =>
      client.chat
        .postEphemeral({
          channel,
          thread_ts: threadTs,
          user,
          text,
          blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text }] }],
        })
        .then(
          () => undefined,
          (error: unknown) =>
            deps.logger.warn('a thread reply’s writer could not be told why it went nowhere', {
              channel,
              user,
              error: describeError(error),
            }),
        );
    try {
      const outcome = await conversations.replyFromThread({
        eventId,
        channel: message.channel,
        threadTs: message.thread_ts,
        messageTs: message.ts,
        userId: message.user,
        text: await typedTextNamed(message.text ?? '', deps.services.directory, message.blocks),
        hasFiles: (message.files?.length ?? 0) > 0,
        linksIntoSlack: linksIntoSlack(message.text ?? '', message.blocks),
        sharesMessage: sharesMessage(message.attachments),
        mentionsPeople: mentionsPeople(message.text ?? '', message.blocks),
        customEmoji: customEmojiNames(message.blocks),
        underOwnPost: context.botUserId !== undefined && message.parent_user_id === context.botUserId,
      });
      if (outcome !== 'not_a_relay_thread') {
        deps.logger.info('thread reply handled', { channel: message.channel, user: message.user, outcome });
      } else if (conversations.isGroupedPost?.(message.channel, message.thread_ts)) {
        // A grouped post is no conversation's thread: said to the person, or they would take silence for "sent".
        await tellWriter(GROUPED_POST_REPLY_REFUSAL);
        deps.logger.info('thread reply handled', { channel: message.channel, user: message.user, outcome: 'grouped_post' });
      }
    } catch (error) {
      deps.logger.error('a thread reply failed unexpectedly', { channel: message.channel, error: describeError(error) });
      // Slack got its 200 and never sends the event again: a database that could not be read or written is said.
      if (isTransientStoreError(error)) {
        await tellWriter(`Your reply was not sent: smsops could not record it (${storeErrorReason(error)}); post it again.`);
      }
    }
  };
}
