import type { webApi } from '@slack/bolt';
import { z } from 'zod';
import { AppError, describeError, err, ok, type Result } from '../errors.js';
import type { ChannelRef } from './listeners/commands/parseCommand.js';

/** A `#name` that names no channel smsops can see, or a lookup Slack refused: said in words, with what to do instead. */
export class ChannelLookupError extends AppError {
  constructor(message: string, userMessage: string, options?: { cause?: unknown }) {
    super(message, userMessage, options);
    this.name = 'ChannelLookupError';
  }
}

// Only what the lookup uses; Slack sends much more.
const pageSchema = z.object({
  channels: z
    .array(z.object({ id: z.string(), name: z.string().optional(), name_normalized: z.string().optional() }))
    .default([]),
  response_metadata: z.object({ next_cursor: z.string().optional() }).optional(),
});

/** conversations.list is Tier 2 (about 20 calls a minute): 20 pages of 1,000 channels is as far as a command looks. */
const MAX_PAGES = 20;

const PICK_INSTEAD =
  'Pick the channel from Slack’s list as you type `#` (that sends its ID), or give its ID (C…, from the channel’s details).';

/**
 * The channel ID for a channel as typed. A plain `#name` (pasted, or typed where Slack did not turn it into a link)
 * is looked up with conversations.list, page by page (channels:read, groups:read: public channels and the private
 * ones the bot is in); a name not found is refused, never kept as text.
 */
export async function resolveChannel(client: webApi.WebClient, ref: ChannelRef): Promise<Result<string>> {
  if ('id' in ref) return ok(ref.id);
  const wanted = ref.name.toLowerCase();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    let parsed: z.infer<typeof pageSchema>;
    try {
      parsed = pageSchema.parse(
        await client.conversations.list({
          types: 'public_channel,private_channel',
          exclude_archived: true,
          limit: 1000,
          ...(cursor ? { cursor } : {}),
        }),
      );
    } catch (error) {
      return err(
        new ChannelLookupError(
          `conversations.list failed: ${describeError(error)}`,
          `Slack did not list the channels, so #${ref.name} could not be looked up. ${PICK_INSTEAD}`,
          { cause: error },
        ),
      );
    }
    const found = parsed.channels.find((c) => c.name?.toLowerCase() === wanted || c.name_normalized?.toLowerCase() === wanted);
    if (found) return ok(found.id);
    cursor = parsed.response_metadata?.next_cursor || undefined;
    if (!cursor) {
      return err(
        new ChannelLookupError(
          `no channel named ${ref.name}`,
          `smsops sees no channel named #${ref.name} (it sees public channels and the private ones it was invited to). ${PICK_INSTEAD}`,
        ),
      );
    }
  }
  return err(
    new ChannelLookupError(
      `channel ${ref.name} not among the first ${MAX_PAGES} pages`,
      `#${ref.name} is not among the first ${MAX_PAGES * 1000} channels smsops can list. ${PICK_INSTEAD}`,
    ),
  );
}
