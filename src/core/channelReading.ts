import { isSmsopsAdmin } from './access.js';
import type { Actor, SetupServices } from './services.js';

/** Why something of a conversation is not shown: the reader is not in its channel, or Slack could not say. */
export type TextHidden = { channel: string; reason: 'not-member' } | { channel: string; reason: 'check-failed'; why: string };

/** What one reader may see of conversations: everything (an admin), else each channel's, if they are in it. */
export interface ChannelReader {
  admin: boolean;
  /** Null when this reader may see what was posted in `channel`; null `channel` (posted nowhere) is for admins only. */
  hiddenIn(channel: string | null): Promise<TextHidden | null>;
}

/**
 * The rule for SMS text, senders and whom a reply went to (`/sms inbox`, the replies in `/sms audit`): smsops admins
 * see all; others what was posted in a channel they are a member of, the people who could read it there anyway.
 * Slack not saying who is in a channel hides it. The admin check failing is not a refusal: the reader is then judged
 * as a member or not, like anyone. Each channel is asked once per reader, its members read at most 5 s before.
 */
export async function channelReader(
  services: Pick<SetupServices, 'adminUsers' | 'directory'>,
  actor: Actor,
): Promise<ChannelReader> {
  const adminCheck = await isSmsopsAdmin(services, actor);
  const admin = adminCheck.ok && adminCheck.value;
  const membership = new Map<string, Promise<TextHidden | null>>();
  const hiddenIn = (channel: string | null): Promise<TextHidden | null> => {
    if (admin) return Promise.resolve(null);
    const key = channel ?? '';
    let known = membership.get(key);
    if (!known) {
      known =
        channel === null
          ? Promise.resolve({ channel: '', reason: 'not-member' as const })
          : // Asked (nearly) fresh, as before a reply goes out: someone removed from the channel stops reading its SMS
            // within seconds, not a minute later.
            services.directory.isChannelMember(channel, actor.userId, 'fresh').then(
              (member): TextHidden | null =>
                !member.ok
                  ? { channel, reason: 'check-failed', why: member.error.userMessage }
                  : member.value
                    ? null
                    : { channel, reason: 'not-member' },
              (error: unknown): TextHidden => ({ channel, reason: 'check-failed', why: String(error) }),
            );
      membership.set(key, known);
    }
    return known;
  };
  return { admin, hiddenIn };
}
