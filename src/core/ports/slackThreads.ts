/**
 * The Slack threads the relay starts: one per conversation (customer → smsops number), channel and UTC day. The
 * relay finds the thread of the day by conversation; a reply typed in Slack finds its conversation by the thread.
 */
export interface RelayThread {
  channel: string;
  threadTs: string;
  /** As the relay builds it: `<customer>→<smsops number>` (see ../model/conversationKey.ts). */
  conversationKey: string;
  /** YYYY-MM-DD, UTC. */
  day: string;
}

/** A conversation's thread of one day. */
export interface SlackThread {
  day: string;
  threadTs: string;
}

export interface SlackThreadsRepository {
  get(channel: string, conversationKey: string, day: string): string | undefined;
  set(channel: string, conversationKey: string, day: string, threadTs: string): void;
  /**
   * The day's thread `oldTs` is gone from Slack (its parent deleted): the conversation goes on in `newTs`. Kept as a
   * move, not a delete, so retention's record of expired threads does not take the lost one for one it deleted.
   */
  replace(channel: string, conversationKey: string, day: string, oldTs: string, newTs: string): void;
  /** The relay thread whose parent is `threadTs` in `channel`; undefined when smsops did not start that thread. */
  byThreadTs(channel: string, threadTs: string): RelayThread | undefined;
  /** Whether `threadTs` in `channel` started a relay thread that retention has since deleted (kept for a while). */
  expired(channel: string, threadTs: string): boolean;
  /**
   * When a relay thread since deleted (by retention or `/sms forget`, kept for a while) was started (ms); undefined when
   * `threadTs` started none.
   */
  expiredStartedAt(channel: string, threadTs: string): number | undefined;
  /** The conversation's latest thread before `day` in the channel (what a new day's thread links to). */
  previous(channel: string, conversationKey: string, day: string): SlackThread | undefined;
  /** For the thread started by the post `threadTs` (on `day`): its conversation's thread of an earlier day, if any. */
  previousOfThread(channel: string, threadTs: string): { day: string; previous: SlackThread } | undefined;
}
