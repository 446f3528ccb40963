/**
 * The tag a reply is sent with (Wavix's `tag`, echoed in its delivery reports and message listing). It names the
 * Slack message the reply was typed as, which has one reply row at most, so a report carrying it belongs to that
 * reply alone, even when Wavix's answer to the send (its message id) never reached smsops.
 */
export const REPLY_TAG_PREFIX = 'smsops-reply:';
const PREFIX = REPLY_TAG_PREFIX;

export function replyTagOf(reply: { slackChannel: string; slackMessageTs: string }): string {
  return `${PREFIX}${reply.slackChannel}:${reply.slackMessageTs}`;
}

/** The Slack message a tag names, or undefined when it is not a reply's tag (another sender's, or none). */
export function parseReplyTag(tag: string | null | undefined): { slackChannel: string; slackMessageTs: string } | undefined {
  if (!tag?.startsWith(PREFIX)) return undefined;
  const match = /^([A-Z0-9]+):(\d+\.\d+)$/.exec(tag.slice(PREFIX.length));
  return match ? { slackChannel: match[1] as string, slackMessageTs: match[2] as string } : undefined;
}
