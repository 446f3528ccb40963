import type { SmsEncoding } from '../model/smsSegments.js';

/**
 * Where a reply stands. `queued`: taken in from Slack (its event claimed), Wavix not called yet while smsops checks who
 * wrote it and waits for the thread's earlier replies; a process that stops then leaves it not sent, and says so.
 * `sending`: Wavix called, not answered yet (after a crash, such a reply may or may not have gone out). `blocked`: smsops did not send it (the person opted out, the text is too long, the number cannot send). `failed`: Wavix refused the send. `unknown`: the send's
 * outcome is not known (Wavix did not answer, answered 5xx, or smsops stopped mid-send): it may have gone out, so
 * it is never offered for a resend. The rest are Wavix's own delivery statuses.
 */
export type ReplyStatus =
  | 'queued'
  | 'sending'
  | 'blocked'
  | 'failed'
  | 'unknown'
  | 'accepted'
  | 'pending'
  | 'sent'
  | 'delivered'
  | 'undelivered'
  | 'expired'
  | 'rejected'
  | 'dlr_expired';

/** Statuses after which nothing changes; a late interim report (`sent` after `delivered`) must not undo one. */
export const FINAL_REPLY_STATUSES: ReadonlySet<ReplyStatus> = new Set([
  'blocked',
  'failed',
  'delivered',
  'undelivered',
  'expired',
  'rejected',
  'dlr_expired',
]);

/** A reply sent from a Slack thread as an SMS. The text itself is never kept, only its size. */
export interface ConversationReply {
  id: number;
  slackChannel: string;
  threadTs: string;
  slackMessageTs: string;
  slackUser: string;
  fromNumber: string;
  toNumber: string;
  textLength: number;
  /** smsops' estimate, counted from the text before the send. */
  segments: number;
  encoding: SmsEncoding;
  /** Wavix's own count (what it charges), from its send answer or a delivery report; null until it gave one. */
  wavixSegments: number | null;
  wavixMessageId: string | null;
  status: ReplyStatus;
  statusReason: string | null;
  createdAt: number;
  submittedAt: number | null;
  statusAt: number;
  deliveredAt: number | null;
  /** The ts of smsops' status line under the reply in Slack; null until posted (or when Slack did not take it). */
  statusTs: string | null;
}

/** What is known of a reply before it is sent: where it was typed, by whom, between which numbers, its size. */
export type NewConversationReply = Pick<
  ConversationReply,
  | 'slackChannel'
  | 'threadTs'
  | 'slackMessageTs'
  | 'slackUser'
  | 'fromNumber'
  | 'toNumber'
  | 'textLength'
  | 'segments'
  | 'encoding'
>;

export interface ConversationRepliesRepository {
  /**
   * Records a reply as `queued` as soon as its Slack event is claimed. A Slack message already recorded is not
   * recorded again: `created` is false and the existing reply is returned, so the caller sends nothing.
   */
  begin(reply: NewConversationReply): { reply: ConversationReply; created: boolean };
  /**
   * A `queued` reply becomes `sending`, just before Wavix is called. Undefined when it is no longer queued (a stopping
   * smsops gave up on it): it must not be sent.
   */
  startSending(id: number): ConversationReply | undefined;
  /**
   * A `queued` reply becomes `blocked` with `reason`: its writer deleted it in Slack before its send began. Undefined
   * when it was no longer queued (its send began: it goes out, or went).
   */
  withdraw(id: number, reason: string): ConversationReply | undefined;
  /** Forgets a `queued` reply that turned out to be no reply to send (its writer may not send, files, empty text). */
  discard(id: number): void;
  /**
   * Every reply still `queued` becomes `blocked` with `reason`: at start (left by a stopped process) and when a stop
   * gives up waiting for replies. Returns the replies it changed.
   */
  markUnsent(reason: string): ConversationReply[];
  /**
   * Wavix accepted the send; `segments`, when Wavix said how many it counted, is recorded as its count; `reason`, Wavix's
   * words when its first status is already a failure (`rejected`), as a delivery report's error is.
   */
  submitted(
    id: number,
    wavixMessageId: string,
    status: ReplyStatus,
    segments?: number,
    reason?: string | null,
  ): ConversationReply | undefined;
  /** Not sent: smsops refused it (`blocked`) or Wavix did (`failed`), with the reason in words. */
  notSent(id: number, status: 'blocked' | 'failed', reason: string): ConversationReply | undefined;
  /** Wavix may or may not have sent it (no answer, a 5xx, a broken connection): said in `reason`. */
  outcomeUnknown(id: number, reason: string): ConversationReply | undefined;
  /**
   * Every reply still `sending` becomes `unknown` with `reason`: called at start, when no send of this process is in
   * flight, so such a row was left by a process that stopped mid-send. Returns the replies it changed.
   */
  markInterruptedSends(reason: string): ConversationReply[];
  /**
   * A delivery report for a reply's Wavix message. Returns the reply when it changed, undefined when the message is
   * not a reply or the report changes nothing (a duplicate, or an interim status after a final one). `segments`, the
   * report's count when it has one, is recorded as Wavix's count (what it charges).
   */
  applyDeliveryStatus(
    wavixMessageId: string,
    status: ReplyStatus,
    reason: string | null,
    at?: number,
    segments?: number | null,
  ): ConversationReply | undefined;
  /**
   * A delivery report tagged with this reply's Slack message (./conversations/replyTag.ts) gives the reply its Wavix
   * id, when it has none and its send is unanswered or of unknown outcome (Wavix sent it, but its answer was lost).
   * Returns whether the reply took the id.
   */
  linkTaggedSend(slackChannel: string, slackMessageTs: string, wavixMessageId: string): boolean;
  /**
   * Replies of unknown outcome whose look at Wavix (by their tag) is due at `at`, written at `writtenSince` or later,
   * oldest due first; `lookups` counts the looks Wavix answered without a record of it.
   */
  dueForLookup(at: number, writtenSince: number, limit: number): Array<{ reply: ConversationReply; lookups: number }>;
  /** The next look at the reply is due at `dueAt`; `noRecord`: this one was answered, without a record of it. */
  lookupAgainAt(id: number, dueAt: number, noRecord: boolean): void;
  /**
   * Wavix did not answer a look: every reply still to be looked up counts its looks anew, so none is said to have no
   * record at Wavix on the first answers after an outage, its list perhaps still catching up.
   */
  restartLookupCounts(): void;
  /** Still unknown after the last look, which found no record of it at Wavix: it becomes `failed` with `reason`. */
  noRecordAtWavix(id: number, reason: string): ConversationReply | undefined;
  /** At start: every reply still to be looked up is looked up now (its report may have come while smsops was down). */
  lookUpAtStart(): number;
  /** How many replies of unknown outcome, written at `writtenSince` or later, wait for a look at Wavix. */
  awaitingLookup(writtenSince: number): number;
  /** Remembers the status line posted under the reply, so later statuses edit it in place. */
  setStatusTs(id: number, statusTs: string): ConversationReply | undefined;
  get(id: number): ConversationReply | undefined;
  bySlackMessage(channel: string, messageTs: string): ConversationReply | undefined;
  byWavixMessageId(wavixMessageId: string): ConversationReply | undefined;
  /** A thread's replies, oldest first. */
  inThread(channel: string, threadTs: string): ConversationReply[];
  /**
   * The newest replies, newest first: sent from one smsops number (digits, as Wavix writes it; `side` 'smsops', the
   * default), sent to one customer (`side` 'customer'), or all.
   */
  recent(limit: number, number?: string, side?: 'smsops' | 'customer'): ConversationReply[];
  /** As `recent`, the ids and creation times only: `/sms inbox` pages through them and reads the page's replies. */
  recentKeys(limit: number, number?: string, side?: 'smsops' | 'customer'): Array<{ id: number; at: number }>;
}
