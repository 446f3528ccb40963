import { describeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { REPLY_AUDIT_ACTION } from '../model/audit.js';
import { parseConversationKey } from '../model/conversationKey.js';
import { countSmsSegments, estimatedCost } from '../model/smsSegments.js';
import type { AuditRepository } from '../ports/audit.js';
import type { ConversationRepliesRepository, ConversationReply, ReplyStatus } from '../ports/conversationReplies.js';
import type { WorkspaceDirectory } from '../ports/directory.js';
import type { OptOutsRepository } from '../ports/optOuts.js';
import type { ReplyNotifier } from '../ports/replyNotifier.js';
import type { ProcessedSlackEventsRepository } from '../ports/slackEvents.js';
import type { SlackThreadsRepository } from '../ports/slackThreads.js';
import { StoreUnavailableError } from '../ports/storeErrors.js';
import type { TenDlcStatusesReader } from '../ports/tenDlcStatuses.js';
import type { SentMessage, WavixGateway } from '../ports/wavix.js';
import { WavixCallFailure } from '../ports/wavixFailure.js';
import { assessReply, type ReplyAssessment } from '../replyAssessment.js';
import { DELETED_BEFORE_SENT, deletedReplyText, WITHDRAWN_TEXT } from './deletedReply.js';
import { replyAuditEntry } from './replyAudit.js';
import { replyTagOf } from './replyTag.js';
import { sendingNumberRefusal } from './sendingNumber.js';
import { STOPPING_REASON, sendFailureOf, unknownOutcomeReason } from './sendOutcome.js';
import type { SendsInFlight } from './sendsInFlight.js';
import { notRecordedReason, REPLY_WRITE_WAIT_MS, whenWritable } from './whenWritable.js';

/** A person's message in a Slack thread, as the listener hands it over. */
export interface ThreadMessage {
  /** Slack's event_id: the same for every delivery of one event (Slack's retries). */
  eventId: string;
  channel: string;
  threadTs: string;
  messageTs: string;
  userId: string;
  /** What the person typed, with Slack's escapes and link markup undone by the listener. */
  text: string;
  hasFiles: boolean;
  /** Whether it links to a file, message or canvas of the team's Slack, which only its members can open. */
  linksIntoSlack?: boolean;
  /**
   * It carries a Slack message shared into the thread (a forward): what was shared is not in its text, so the customer
   * would get only the words above it ("See below:").
   */
  sharesMessage?: boolean;
  /**
   * Whether it mentions people in Slack (a person, a user group, @here/@channel/@everyone): written to colleagues, so
   * never sent to the customer.
   */
  mentionsPeople?: boolean;
  /** Custom emoji in it (a party parrot, written `:name:`): a workspace's images, which the customer reads as their names. */
  customEmoji?: readonly string[];
  /** Whether the thread's parent is smsops' own post (Slack's parent_user_id is the bot's user). */
  underOwnPost?: boolean;
}

export interface ReplyFromThreadDeps {
  threads: Pick<SlackThreadsRepository, 'byThreadTs'>;
  processedEvents: ProcessedSlackEventsRepository;
  replies: ConversationRepliesRepository;
  optOuts: Pick<OptOutsRepository, 'blocking' | 'record'>;
  audit: AuditRepository;
  directory: WorkspaceDirectory;
  /** SLACK_REPLY_USERS: when not empty, only these people may reply (and only in channels they are members of). */
  replyUsers: readonly string[];
  tenDlc: TenDlcStatusesReader;
  wavix: { numbers: Pick<WavixGateway['numbers'], 'iterate'>; messages: Pick<WavixGateway['messages'], 'send'> };
  /**
   * Whether Wavix refused the send because the customer opted out (src/wavix/optOuts.ts reads Wavix's words); words
   * that are also in `sentText` (Wavix quoting the reply) do not count.
   */
  isOptedOutRefusal(error: unknown, sentText: string): boolean;
  /** smsops' own DLR webhook, so Wavix reports the reply's delivery; null without PUBLIC_BASE_URL. */
  dlrCallbackUrl: string | null;
  notifier: ReplyNotifier;
  logger: Logger;
  /** How long the reply's own writes wait for another process's write lock (REPLY_WRITE_WAIT_MS). */
  writeWaitMs?: number;
  /**
   * False once smsops is stopping and a send started now could outlast the stop's wait for replies (app.ts): the
   * reply is then "Not sent" rather than left "Sending…" by a process that exits mid-send.
   */
  mayStartSend?: () => boolean;
  /** Work posted without holding the thread (a refusal's notice), handed over so a stop still waits for it. */
  background?: (work: Promise<void>) => void;
  /** The sends under way, which a deletion in Slack stops before Wavix is called again (deletedReply.ts). */
  sends?: SendsInFlight;
}

export type ReplyOutcome =
  | 'not_a_relay_thread'
  | 'already_handled'
  | 'not_allowed'
  | 'files'
  /** It links into the team's Slack (a file's link for a photo): the customer could not open it. */
  | 'slack_link'
  /** A Slack message shared into the thread: not sent, said in the thread. */
  | 'shared_message'
  /** It mentions people in Slack: a message to colleagues, kept in the thread, said to its writer. */
  | 'mentions_people'
  | 'empty'
  | 'blocked'
  | 'sent'
  | 'failed'
  | 'unknown'
  /** Another process held the database's write lock past the wait: not sent, and said so. */
  | 'not_recorded'
  /** Under an smsops post older than RETENTION_DAYS, whose conversation retention deleted: said to the person. */
  | 'thread_not_kept'
  /** A stop gave up waiting for it before Wavix was called: not sent, and said so. */
  | 'abandoned'
  /** Its writer deleted it in Slack before it went out (the deletion delivered first): not sent, and said so. */
  | 'withdrawn';

// How a reply is audited; `/sms audit` shows whom it went to by the same rule as `/sms inbox` (core/auditReading.ts).
export { REPLY_AUDIT_ACTION };

const STATUS_LINE_WAIT_MS = 2_000;

async function waitAtMost(work: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/**
 * A refused reply's notice, not waited for: the thread's next reply waits behind this one (the reply queue), and a
 * notice Slack rate-limits waits out its Retry-After, so a guest posting 5 refused replies held a member's SMS in the
 * same thread for 30 s, minutes under a longer limit (a probe). The notifier logs its own failures.
 */
function noticeInBackground(deps: Pick<ReplyFromThreadDeps, 'logger' | 'background'>, work: Promise<void>): void {
  const logged = work.catch((error: unknown) => deps.logger.warn('a refusal notice failed', { error: describeError(error) }));
  // A stop waits for it with the replies: a notice rate-limited just before a deploy was otherwise never posted.
  deps.background?.(logged);
}

/**
 * First statuses that already say the SMS will not reach the customer: Wavix took the request (a 201) and refused or
 * dropped the SMS at once. Audited failed, not ok, with Wavix's error_message as the reason a delivery report gives.
 */
const FAILED_AT_ONCE: ReadonlySet<ReplyStatus> = new Set(['undelivered', 'expired', 'rejected']);

/** Wavix's first status for a send, as a reply status; an unknown word is taken as accepted (it was not refused). */
function submittedStatus(wavixStatus: string): ReplyStatus {
  const known: ReplyStatus[] = ['accepted', 'pending', 'sent', 'delivered', 'undelivered', 'expired', 'rejected'];
  const status = wavixStatus.toLowerCase() as ReplyStatus;
  return known.includes(status) ? status : 'accepted';
}

/** A reply taken in: its Slack event claimed and its row written (`queued`), so a stop from here on is said. */
export interface TakenReply {
  message: ThreadMessage;
  from: string;
  to: string;
  reply: ConversationReply;
}

/**
 * A message a person posted in the thread of a relayed SMS, sent to the customer as an SMS from the smsops number
 * that received the conversation: taken in (`takeReply`), then sent (`sendTakenReply`) once the thread's earlier
 * replies are done.
 */
export async function replyFromThread(deps: ReplyFromThreadDeps, message: ThreadMessage): Promise<ReplyOutcome> {
  const taken = takeReply(deps, message);
  return typeof taken === 'string' ? taken : sendTakenReply(deps, taken);
}

/**
 * Each Slack event is taken once: its id is claimed in SQLite before anything waits or is sent, so a Slack retry (or
 * a copy arriving after a restart) never sends a second SMS, and the reply row (unique per Slack message) is written
 * in the same breath, `queued`. Slack got its 200 already and never sends the event again, so from here a stop must
 * leave a trace: a reply still queued then becomes "Not sent" (markUnsentReplies), never silently lost.
 */
export function takeReply(
  deps: Pick<ReplyFromThreadDeps, 'threads' | 'processedEvents' | 'replies'>,
  message: ThreadMessage,
  claim: (eventId: string) => boolean = (eventId) => deps.processedEvents.claim(eventId),
): TakenReply | 'not_a_relay_thread' | 'already_handled' {
  const thread = deps.threads.byThreadTs(message.channel, message.threadTs);
  const parties = thread ? parseConversationKey(thread.conversationKey) : undefined;
  if (!parties) return 'not_a_relay_thread';
  if (!claim(message.eventId)) return 'already_handled';

  const from = parties.smsopsNumber;
  const to = parties.customerNumber;
  const segments = countSmsSegments(message.text);
  const { reply, created } = deps.replies.begin({
    slackChannel: message.channel,
    threadTs: message.threadTs,
    slackMessageTs: message.messageTs,
    slackUser: message.userId,
    fromNumber: from,
    toNumber: to,
    textLength: message.text.length,
    segments: segments.segments,
    encoding: segments.encoding,
  });
  if (!created) return 'already_handled';
  return { message, from, to, reply };
}

/**
 * takeReply, tried again while another process holds the write lock (busy_timeout is 100 ms; an operator's sqlite3
 * session holds it for seconds). The event claimed by an attempt whose reply row then met the lock stays claimed by
 * this one, so the next attempt writes the row instead of taking the event for handled. Still locked past the wait:
 * the person is told, to them only, since Slack got its 200 and never sends the event again.
 */
export async function takeReplyWhenWritable(
  deps: Pick<ReplyFromThreadDeps, 'threads' | 'processedEvents' | 'replies' | 'notifier' | 'logger' | 'writeWaitMs'>,
  message: ThreadMessage,
): Promise<TakenReply | 'not_a_relay_thread' | 'already_handled' | 'not_recorded'> {
  let claimed = false;
  const claimOnce = (eventId: string) => {
    claimed ||= deps.processedEvents.claim(eventId);
    return claimed;
  };
  try {
    return await whenWritable(() => takeReply(deps, message, claimOnce), deps.writeWaitMs ?? REPLY_WRITE_WAIT_MS);
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error;
    deps.logger.warn('a thread reply was not taken: the database stayed locked', { reason: error.reason });
    await deps.notifier.tellPerson(
      message.channel,
      message.threadTs,
      message.userId,
      `Your reply was not sent: ${notRecordedReason(error)}`,
    );
    return 'not_recorded';
  }
}

/**
 * Checks who wrote the reply and what it says, then sends it. A crash between the row turning `sending` and Wavix's
 * answer leaves the reply `sending`: it may or may not have gone out, and it is never sent again by smsops.
 */
export async function sendTakenReply(deps: ReplyFromThreadDeps, taken: TakenReply): Promise<ReplyOutcome> {
  const { message, from, to, reply: queued } = taken;
  const refused = (reason: string, detail: string) => {
    // Refused before it was a reply to send: not kept as one (its refusal is audited instead).
    try {
      deps.replies.discard(queued.id);
    } catch (error) {
      deps.logger.warn('a refused reply could not be forgotten', { replyId: queued.id, error: describeError(error) });
    }
    auditRefusal(deps, message, { from, to }, reason, detail);
  };
  // Its writer may delete it while Slack or Wavix is asked (deletedReply.ts withdraws it, and tells them): told then
  // "your reply goes out with a custom emoji as text", they read that it went after all (a probe).
  const stoppedMeanwhile = (): ReplyOutcome | undefined => {
    const now = deps.replies.bySlackMessage(queued.slackChannel, queued.slackMessageTs);
    if (now === undefined || now.status === 'queued') return undefined;
    return now.statusReason === DELETED_BEFORE_SENT ? 'withdrawn' : 'abandoned';
  };
  const refusal = await whyNotAllowed(deps, message);
  const withdrawnWhileChecked = stoppedMeanwhile();
  if (withdrawnWhileChecked) return withdrawnWhileChecked;
  if (refusal) {
    refused(refusal.reason, refusal.text);
    noticeInBackground(deps, deps.notifier.tellPerson(message.channel, message.threadTs, message.userId, refusal.text));
    return 'not_allowed';
  }
  if (message.mentionsPeople) {
    // Teams talk in the thread too ("@Bob can you take this one? they sound angry"): sent, that went to the customer.
    // Before files: a screenshot for a colleague is no reply, to be refused in front of the whole thread.
    refused('mentions_people', MENTIONS_PEOPLE_TEXT);
    noticeInBackground(deps, deps.notifier.tellPerson(message.channel, message.threadTs, message.userId, MENTIONS_PEOPLE_TEXT));
    return 'mentions_people';
  }
  if (message.hasFiles) {
    const text = 'Files cannot be sent by SMS, so nothing was sent. Post the reply again as text only.';
    refused('files', text);
    noticeInBackground(deps, deps.notifier.sayInThread(message.channel, message.threadTs, text));
    return 'files';
  }
  if (message.linksIntoSlack) {
    refused('slack_link', SLACK_LINK_TEXT);
    noticeInBackground(deps, deps.notifier.sayInThread(message.channel, message.threadTs, SLACK_LINK_TEXT));
    return 'slack_link';
  }
  if (message.sharesMessage) {
    const text =
      'A shared message cannot be sent by SMS (only the words typed above it would go), so nothing was sent. Post the reply again with the words to send typed in.';
    refused('shared_message', text);
    noticeInBackground(deps, deps.notifier.sayInThread(message.channel, message.threadTs, text));
    return 'shared_message';
  }

  const assessment = assessReply(deps.optOuts, { from, to, text: message.text });
  if (!assessment.ok && assessment.reason === 'empty') {
    refused('empty', assessment.summary);
    noticeInBackground(deps, deps.notifier.sayInThread(message.channel, message.threadTs, assessment.summary));
    return 'empty';
  }
  const cost = assessment.ok ? assessment.summary : undefined;

  const blocked = assessment.ok ? await sendingNumberRefusal(deps, from) : refusalOf(assessment);
  const withdrawnWhileNumberRead = stoppedMeanwhile();
  if (withdrawnWhileNumberRead) return withdrawnWhileNumberRead;
  if (blocked !== undefined)
    return blockedReply(deps, queued, blocked, assessment.ok ? 'sending_number' : assessment.reason, cost);

  if (deps.mayStartSend && !deps.mayStartSend()) return notStartedForStop(deps, queued, cost);
  if (message.customEmoji && message.customEmoji.length > 0) {
    // Said, not refused: the words still carry the reply; its writer learns what the customer reads in place of them.
    const names = message.customEmoji.slice(0, 3).join(' ');
    const text = `Your reply goes out with ${names} as text: a custom emoji of this Slack has no character an SMS can carry. Post a new reply if that reads wrong.`;
    noticeInBackground(deps, deps.notifier.tellPerson(message.channel, message.threadTs, message.userId, text));
  }
  // A stop that gave up waiting for this reply has said "Not sent" in the thread: it must stay true.
  let reply: ConversationReply | undefined;
  try {
    reply = await whenWritable(() => deps.replies.startSending(queued.id), deps.writeWaitMs ?? REPLY_WRITE_WAIT_MS);
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error;
    return notRecorded(deps, queued, error, cost);
  }
  if (!reply) return 'abandoned';
  deps.sends?.begin(reply.id);
  try {
    return await sendStarted(deps, taken, reply, cost);
  } finally {
    deps.sends?.end(reply.id);
  }
}

/** The reply marked `sending`: its status line, then Wavix, unless its writer deletes it before Wavix has it. */
async function sendStarted(
  deps: ReplyFromThreadDeps,
  taken: TakenReply,
  reply: ConversationReply,
  cost: string | undefined,
): Promise<ReplyOutcome> {
  const { message, from, to } = taken;
  const deleted = () => deps.sends?.isDeleted(reply.id) === true;
  // The status line goes up before Wavix is called, so it sits right under the reply and says "Sending…" meanwhile;
  // a slow or rate-limited Slack holds the SMS back for STATUS_LINE_WAIT_MS at most (the line then catches up).
  await waitAtMost(deps.notifier.showReplyStatus(reply, cost), STATUS_LINE_WAIT_MS);
  // The customer may have texted STOP since the check above: reading the number from Wavix and putting the status line
  // up take seconds on a slow Wavix or Slack, and a STOP that came meanwhile was texted over (a probe). Asked again
  // with nothing awaited between this and the call to Wavix.
  const late = assessReply(deps.optOuts, { from, to, text: message.text });
  if (!late.ok && late.reason === 'opted_out') return blockedReply(deps, reply, refusalOf(late), late.reason, cost);
  // Deleted in Slack while its status line went up: Wavix does not have it yet.
  if (deleted()) return withdrawnWhileSending(deps, message, reply, cost);
  let sent: SentMessage;
  // A retry (Wavix's 429 asks to wait seconds) is not made once the customer has texted STOP meanwhile.
  const optedOutSince = () => {
    const now = assessReply(deps.optOuts, { from, to, text: message.text });
    return !now.ok && now.reason === 'opted_out' ? now : undefined;
  };
  try {
    sent = await deps.wavix.messages.send(
      {
        from,
        to,
        message_body: { text: message.text, media: null },
        ...(deps.dlrCallbackUrl ? { callback_url: deps.dlrCallbackUrl } : {}),
        tag: replyTagOf(reply),
      },
      { mayRetry: () => optedOutSince() === undefined && !deleted() },
    );
  } catch (error) {
    if (sendFailureOf(error) === 'unknown') {
      const outcome = await sendOutcomeUnknown(deps, reply, error, cost);
      if (deleted()) await tellDeletedTooLate(deps, message, 'unknown');
      return outcome;
    }
    // Certainly not sent, and deleted meanwhile (a 429's wait): what its writer asked for.
    if (deleted()) return withdrawnWhileSending(deps, message, reply, cost);
    // Certainly not sent (a 429 not retried): said as the opt-out it was stopped for.
    const stoppedFor = optedOutSince();
    if (stoppedFor) return blockedReply(deps, reply, refusalOf(stoppedFor), stoppedFor.reason, cost);
    const optedOut = deps.isOptedOutRefusal(error, message.text);
    const reason = failureReason(deps, error, { from, to }, optedOut);
    const record = notSentRecord(deps, reply, 'failed', reason);
    audit(deps, record, 'failed', reason);
    // Wavix's words may quote the reply (a blocked word, the whole text): they go to the thread's own line, read by
    // those who read the reply above it, and are neither stored nor audited.
    const said = error instanceof WavixCallFailure && !optedOut ? error.said : undefined;
    await deps.notifier.showReplyStatus(record, cost, said);
    return 'failed';
  }
  const outcome = await recordSent(deps, reply, sent, cost);
  if (deleted()) await tellDeletedTooLate(deps, message, outcome === 'sent' ? 'accepted' : 'failed');
  return outcome;
}

/** A reply its writer deleted before Wavix had it: not sent, said on its status line and to them, and audited. */
async function withdrawnWhileSending(
  deps: ReplyFromThreadDeps,
  message: ThreadMessage,
  reply: ConversationReply,
  cost: string | undefined,
): Promise<ReplyOutcome> {
  const record = notSentRecord(deps, reply, 'blocked', DELETED_BEFORE_SENT);
  audit(deps, record, 'refused', DELETED_BEFORE_SENT, 'deleted_in_slack');
  await deps.notifier.showReplyStatus(record, cost);
  await deps.notifier.tellPerson(message.channel, message.threadTs, message.userId, WITHDRAWN_TEXT);
  return 'withdrawn';
}

/** A reply deleted while Wavix was being called: its writer learns, once the send is over, what the customer has. */
async function tellDeletedTooLate(deps: ReplyFromThreadDeps, message: ThreadMessage, status: ReplyStatus): Promise<void> {
  const text = deletedReplyText({ status, withdrawn: false });
  if (text !== undefined) await deps.notifier.tellPerson(message.channel, message.threadTs, message.userId, text);
}

/** A reply smsops will not send (opted out, a number that cannot send): recorded, audited and said on its status line. */
async function blockedReply(
  deps: ReplyFromThreadDeps,
  reply: ConversationReply,
  blocked: string,
  code: string,
  cost: string | undefined,
): Promise<ReplyOutcome> {
  const reason = blocked.replace(/^Not sent: /, '');
  const record = notSentRecord(deps, reply, 'blocked', reason);
  audit(deps, record, 'refused', reason, code);
  await deps.notifier.showReplyStatus(record, cost ?? describeCost(record));
  return 'blocked';
}

/** Said to the writer of a message that mentions people in Slack. */
export const MENTIONS_PEOPLE_TEXT =
  'Not sent to the customer: your message mentions someone in Slack (a person, a group, @here or @channel), so it is taken as written to colleagues and stays in this thread. To text the customer, post your reply without the mention.';

export const SLACK_LINK_TEXT =
  'Not sent: your reply links to a file, message or canvas in Slack, which the customer cannot open (only members of this workspace can), and a file cannot go by SMS. Post the reply again without the link; to share a file, give them a link anyone can open (Slack’s public file link, where the workspace allows it, or one from elsewhere).';

/** The reply recorded as not sent; when the store cannot record it, the record as it would have been (said all the same). */
function notSentRecord(
  deps: ReplyFromThreadDeps,
  reply: ConversationReply,
  status: 'blocked' | 'failed',
  reason: string,
): ConversationReply {
  try {
    return deps.replies.notSent(reply.id, status, reason) ?? reply;
  } catch (error) {
    deps.logger.error('a reply that was not sent could not be recorded as such', {
      replyId: reply.id,
      error: describeError(error),
    });
    return { ...reply, status, statusReason: reason, statusAt: Date.now() };
  }
}

/**
 * Wavix was not called: smsops is stopping and could not wait for its answer. Said in the thread, unless the stop
 * gave up on the reply already (marked, and said "smsops stopped before sending it") or the store is closed (the next
 * start says it).
 */
async function notStartedForStop(
  deps: ReplyFromThreadDeps,
  queued: ConversationReply,
  cost: string | undefined,
): Promise<ReplyOutcome> {
  deps.logger.warn('a reply was not sent: smsops is stopping and could not wait for Wavix to answer it', {
    replyId: queued.id,
  });
  let record: ConversationReply | undefined;
  try {
    record = deps.replies.notSent(queued.id, 'blocked', STOPPING_REASON);
  } catch (error) {
    deps.logger.warn('a reply not sent for the stop could not be marked so', { replyId: queued.id, error: describeError(error) });
    return 'abandoned';
  }
  if (record?.statusReason === STOPPING_REASON) await deps.notifier.showReplyStatus(record, cost);
  return 'abandoned';
}

/**
 * Wavix was not called: smsops could not mark the reply `sending` (another process held the write lock past the
 * wait), and a send it cannot record would be one a crash leaves unknown. Said in the thread at once; the row is
 * marked not sent once the lock passes, so the next start does not say smsops stopped before sending it.
 */
async function notRecorded(
  deps: ReplyFromThreadDeps,
  queued: ConversationReply,
  error: StoreUnavailableError,
  cost: string | undefined,
): Promise<ReplyOutcome> {
  const reason = notRecordedReason(error);
  deps.logger.warn('a reply was not sent: smsops could not record that it was sending it', {
    replyId: queued.id,
    reason: error.reason,
  });
  await deps.notifier.sayInThread(queued.slackChannel, queued.threadTs, `Not sent: ${reason} · ${cost ?? describeCost(queued)}`);
  void whenWritable(() => deps.replies.notSent(queued.id, 'blocked', reason), NOT_RECORDED_MARK_MS).then(
    (record) => audit(deps, record ?? queued, 'failed', reason),
    (markError: unknown) =>
      deps.logger.warn('a reply not sent for a locked database could not be marked so', {
        replyId: queued.id,
        error: describeError(markError),
      }),
  );
  return 'not_recorded';
}

/** How long a reply not sent for a locked database is tried to be marked so, in the background. */
const NOT_RECORDED_MARK_MS = 120_000;

/**
 * Wavix took the SMS: nothing after this may call it failed. When the store cannot record it (locked, closed), the
 * status line still says what happened, from the record as it would have been.
 */
async function recordSent(
  deps: ReplyFromThreadDeps,
  reply: ConversationReply,
  sent: SentMessage,
  cost: string | undefined,
): Promise<ReplyOutcome> {
  const status = submittedStatus(sent.status);
  const failedAtOnce = FAILED_AT_ONCE.has(status);
  // Only a failure's reason: an accepted answer's error_message (null, or a word of its own) explains nothing.
  const reason = failedAtOnce ? (sent.error_message ?? null) : null;
  // Wavix's count is what it charges: it is recorded beside smsops' estimate, and the status line says so when they differ.
  const counted = sent.segments;
  let record: ConversationReply;
  try {
    record = deps.replies.submitted(reply.id, sent.message_id, status, counted, reason) ?? reply;
  } catch (error) {
    deps.logger.error('a reply Wavix accepted could not be recorded as sent', {
      replyId: reply.id,
      wavixMessageId: sent.message_id,
      error: describeError(error),
    });
    record = {
      ...reply,
      wavixMessageId: sent.message_id,
      status,
      submittedAt: Date.now(),
      statusAt: Date.now(),
      statusReason: reason,
      ...(counted !== undefined ? { wavixSegments: counted } : {}),
    };
  }
  // Wavix's words stay out of the audit (read more widely than the thread), as for a refusal.
  if (failedAtOnce) audit(deps, record, 'failed', `Wavix's answer already said ${status}: it does not reach the customer.`);
  else audit(deps, record, 'ok', null);
  await deps.notifier.showReplyStatus(record, cost);
  // Counted (smsops_replies_total) and logged as what became of it: a reply Wavix answered "rejected" never went out,
  // and a suspended campaign answering every reply so showed on dashboards as replies sent.
  return failedAtOnce ? 'failed' : 'sent';
}

/**
 * Wavix may have sent it. smsops never received its message_id for this send, but the send carried the reply's tag,
 * which Wavix echoes in its delivery reports and lists its messages by: a later report links to this reply by it
 * (never by numbers and time, which would guess), and so do the reply-lookups job's looks at Wavix (replyLookup.ts),
 * and the status line moves on. Until then it is an honest "May have been sent", saying what went wrong, never an
 * invitation to send again.
 */
async function sendOutcomeUnknown(
  deps: ReplyFromThreadDeps,
  reply: ConversationReply,
  error: unknown,
  cost: string | undefined,
): Promise<ReplyOutcome> {
  deps.logger.warn('a reply may or may not have been sent', { replyId: reply.id, ...sendErrorForLog(error) });
  const reason = unknownOutcomeReason(error, deps.dlrCallbackUrl !== null);
  let record: ConversationReply;
  try {
    record = deps.replies.outcomeUnknown(reply.id, reason) ?? reply;
  } catch (recordError) {
    deps.logger.error('a reply of unknown outcome could not be recorded', {
      replyId: reply.id,
      error: describeError(recordError),
    });
    record = { ...reply, status: 'unknown', statusReason: reason };
  }
  // Wavix's delivery report, carrying the reply's tag, came while its answer to the send was on its way: the send went
  // out, as the status line says, and the audit must not say "check before sending again".
  if (record.status !== 'unknown' && record.wavixMessageId !== null) {
    audit(deps, record, 'ok', `Wavix reported it ${record.status}: the send whose answer was lost went out`);
  } else audit(deps, record, 'unknown', reason);
  await deps.notifier.showReplyStatus(record, cost);
  return 'unknown';
}

/** The assessment's refusal, with what can be done about it. */
function refusalOf(assessment: Exclude<ReplyAssessment, { ok: true } | { reason: 'empty' }>): string {
  if (assessment.reason === 'too_long') return `${assessment.summary} Shorten it, or send it in parts.`;
  if (assessment.reason === 'not_a_number') return `${assessment.summary} Reach the customer another way.`;
  const what =
    assessment.optOut.source === 'inbound_keyword'
      ? 'Only they can lift it, by texting START to this number.'
      : 'Only they can lift it (by texting START), or Wavix support if they asked you to.';
  return `${assessment.summary} ${what}`;
}

/** Why this person may not send the reply (a code for the audit log, words for them), or undefined when they may. */
async function whyNotAllowed(
  deps: ReplyFromThreadDeps,
  message: ThreadMessage,
): Promise<{ reason: string; text: string } | undefined> {
  if (deps.replyUsers.length > 0 && !deps.replyUsers.includes(message.userId)) {
    return {
      reason: 'not_in_reply_users',
      text: 'Your reply was not sent: only the people in SLACK_REPLY_USERS may answer SMS from Slack. Ask an smsops admin to add you.',
    };
  }
  // An SMS goes out on their behalf: membership is asked (nearly) fresh, and not knowing it is a refusal.
  const member = await deps.directory.isChannelMember(message.channel, message.userId, 'fresh');
  if (!member.ok) {
    return {
      reason: 'membership_unknown',
      text: `Your reply was not sent: smsops could not check that you are a member of this channel; try again (${member.error.userMessage}).`,
    };
  }
  if (!member.value) {
    return { reason: 'not_a_member', text: 'Your reply was not sent: only members of this channel may answer its SMS.' };
  }
  // After membership, which needs no auth.test: while Slack does not answer that, a non-member is still told at once.
  // A guest or a Slack Connect member of the inbox channel would send SMS from the company's numbers: only when an admin
  // listed them in SLACK_REPLY_USERS, the explicit choice (a contractor answering customers, say).
  if (!deps.replyUsers.includes(message.userId)) {
    const full = await deps.directory.isFullMember(message.userId);
    if (!full.ok) {
      return {
        reason: 'membership_unknown',
        text: `Your reply was not sent: smsops could not check who you are in this workspace; try again (${full.error.userMessage}).`,
      };
    }
    if (!full.value) {
      return {
        reason: 'guest_or_external',
        text: 'Your reply was not sent: guests and people from other organisations may answer SMS only when an smsops admin adds them to SLACK_REPLY_USERS.',
      };
    }
  }
  return undefined;
}

function failureReason(deps: ReplyFromThreadDeps, error: unknown, pair: { from: string; to: string }, optedOut: boolean): string {
  if (optedOut) {
    // Wavix's list had it before smsops' sync did: recorded now, so the next reply is refused before Wavix is called.
    try {
      deps.optOuts.record({ customerNumber: pair.to, sender: pair.from, source: 'wavix' });
    } catch (recordError) {
      deps.logger.warn('an opt-out Wavix reported could not be recorded', { error: describeError(recordError) });
    }
    // Stored and audited: the customer's number stays out, as whom a reply went to is not everyone's to read.
    return 'The customer opted out: Wavix refuses to text them from this number. They can text START to opt back in.';
  }
  // Without Wavix's words (they may quote the reply): see WavixCallFailure.said.
  if (error instanceof WavixCallFailure) return error.userMessage;
  deps.logger.error('sending a reply failed unexpectedly', { error: describeError(error) });
  return 'smsops could not send it because of an internal error (see its log). Try again, or text the customer another way.';
}

/**
 * A failed send as the log may hold it: Wavix's kind and status, never its words or the error's message, which for
 * a send may quote the SMS (a 500 that echoes the request). Any other error is smsops' own, described whole.
 */
function sendErrorForLog(error: unknown): Record<string, unknown> {
  if (!(error instanceof WavixCallFailure)) return { error: describeError(error) };
  // The cause is smsops' own summary (a connection error's code, why a run stopped), never Wavix's answer.
  return {
    failure: error.kind,
    ...(error.status !== undefined ? { status: error.status } : {}),
    ...(typeof error.cause === 'string' ? { cause: error.cause } : {}),
  };
}

const describeCost = (reply: ConversationReply) => estimatedCost(reply.segments, reply.encoding);

function audit(
  deps: ReplyFromThreadDeps,
  reply: ConversationReply,
  outcome: 'ok' | 'refused' | 'failed' | 'unknown',
  detail: string | null,
  reason: string | null = null,
) {
  try {
    deps.audit.record(replyAuditEntry(reply, outcome, detail, reason));
  } catch (error) {
    deps.logger.error('a reply could not be audited', { error: describeError(error) });
  }
}

/** A reply refused before it became a reply row (who may send, files, empty): audited all the same. */
function auditRefusal(
  deps: ReplyFromThreadDeps,
  message: ThreadMessage,
  pair: { from: string; to: string },
  reason: string,
  detail: string,
) {
  try {
    deps.audit.record({
      actor: message.userId,
      action: REPLY_AUDIT_ACTION,
      target: pair.to,
      params: {
        from: pair.from,
        to: pair.to,
        length: message.text.length,
        wavixMessageId: null,
        channel: message.channel,
        reason,
      },
      outcome: 'refused',
      detail,
    });
  } catch (error) {
    deps.logger.error('a reply could not be audited', { error: describeError(error) });
  }
}
