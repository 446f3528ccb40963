import { channelReader, type TextHidden } from '../core/channelReading.js';
import { destinationAnswer } from '../core/destinationAnswer.js';
import type { Delivery, DeliveryStatus } from '../core/model/delivery.js';
import type { InboundMessage } from '../core/model/inboundMessage.js';
import type { SmsEncoding } from '../core/model/smsSegments.js';
import type { ReplyStatus } from '../core/ports/conversationReplies.js';
import type { Actor, SetupServices } from '../core/services.js';
import { ok, type Result } from '../errors.js';
import { slackChannelOf } from './ingest.js';
import { type InboxPage, type RelayOperationsDeps, recentInbox } from './operations.js';

export type { TextHidden };

/** One inbound message as a particular person may see it. */
export interface InboxLine {
  direction: 'inbound';
  wavixMessageId: string;
  toNumber: string;
  ingestedAt: number;
  /** Wavix's received_at, when it gave one that was read. */
  receivedAt: number | null;
  messageType: 'sms' | 'mms';
  mediaCount: number;
  /** The sender, the text and the media URLs (personal data too, as a photo is): null when hidden from this reader. */
  fromNumber: string | null;
  text: string | null;
  media: readonly string[] | null;
  hidden: TextHidden | null;
  /**
   * `destination`: the PortSIP URL (whole: shown masked) or the channel each went to, or will go to, as recorded (not
   * the route now): null when the text is hidden from this reader, or none is known yet.
   */
  deliveries: InboxDelivery[];
}

/** One delivery of an inbound message as `/sms inbox` shows it. */
export interface InboxDelivery {
  kind: 'portsip' | 'slack';
  status: DeliveryStatus;
  answer: string | null;
  destination?: string | null;
  /** Attempts whose outcome was recorded (0 for one still in the Slack leg's queue). */
  attempts?: number;
  deliveredAt?: number | null;
}

/** A reply sent from a Slack thread. Its text is never kept; the customer and the reason are hidden like an inbound sender. */
export interface InboxReplyLine {
  direction: 'reply';
  wavixMessageId: string | null;
  slackUser: string;
  fromNumber: string;
  toNumber: string | null;
  createdAt: number;
  textLength: number;
  segments: number;
  encoding: SmsEncoding;
  /** Wavix's count, when it gave one (its send answer or a delivery report). */
  wavixSegments: number | null;
  status: ReplyStatus;
  statusReason: string | null;
  hidden: TextHidden | null;
}

export interface InboxReading {
  /** Newest first, both directions. */
  lines: Array<InboxLine | InboxReplyLine>;
  /** Whether the reader is an smsops admin (sees every text and the destinations' answers). */
  admin: boolean;
  /**
   * Whether the number asked about is one of smsops' numbers or a customer's (undefined: none asked, no messages, or
   * none this reader may see, which a reader who is not an admin is not told apart from none).
   */
  numberIs: 'smsops' | 'customer' | undefined;
  /**
   * Messages with the customer asked about that are hidden from this reader: not listed at all, since the reader
   * typed the number and a hidden line would tell them whom the customer texted and when.
   */
  withheld: number;
  /** Where this page sits among the messages listed (the withheld ones counted too). */
  page: InboxPage;
}

/**
 * `/sms inbox` for one reader. SMS text is personal data (one-time codes, often): it is shown to smsops admins and to
 * members of the channel the message was posted in (its Slack delivery, else the inbox channel), the people who
 * could read it there anyway. Others get the counts and states, with the reason. The admin check failing is not a
 * refusal here: the reader is then judged as a member or not, like anyone.
 */
export async function readInbox(
  services: Pick<SetupServices, 'adminUsers' | 'directory'>,
  deps: RelayOperationsDeps,
  actor: Actor,
  number: string | undefined,
  inboxChannel: string | null,
  page = 1,
): Promise<Result<InboxReading>> {
  const recent = recentInbox(deps, number, page);
  if (!recent.ok) return recent;
  const { entries, numberIs } = recent.value;
  // A message with no channel at all (no Slack delivery, no inbox channel) is for admins only.
  const { admin, hiddenIn } = await channelReader(services, actor);
  const lines = await Promise.all(
    entries.map(async (entry): Promise<InboxLine | InboxReplyLine> => {
      if (entry.direction === 'reply') {
        const { reply } = entry;
        // The reply was written in the thread of the conversation: whoever may read that thread may see whom it went to.
        const hidden = await hiddenIn(reply.slackChannel);
        return {
          direction: 'reply',
          wavixMessageId: reply.wavixMessageId,
          slackUser: reply.slackUser,
          fromNumber: reply.fromNumber,
          toNumber: hidden ? null : reply.toNumber,
          createdAt: reply.createdAt,
          textLength: reply.textLength,
          segments: reply.segments,
          encoding: reply.encoding,
          wavixSegments: reply.wavixSegments,
          status: reply.status,
          // Replies recorded before smsops kept them out could hold the customer's number or Wavix's quote of the text.
          statusReason: hidden ? null : reply.statusReason,
          hidden,
        };
      }
      return inboundLine(entry, deps, inboxChannel, hiddenIn, admin);
    }),
  );
  const where = recent.value.page;
  if (numberIs === 'smsops' || number === undefined) return ok({ lines, admin, numberIs, withheld: 0, page: where });
  const shown = lines.filter((line) => !line.hidden);
  // Whether a number has texted the business is itself personal data: a reader who may see none of its messages is
  // answered the same whether there are some or none, so that asking about numbers tells them nothing.
  if (!admin && shown.length === 0) return ok({ lines: [], admin, numberIs: undefined, withheld: 0, page: NO_PAGE });
  return ok({ lines: shown, admin, numberIs, withheld: lines.length - shown.length, page: where });
}

const NO_PAGE: InboxPage = { number: 1, count: 1, first: 0, size: 0, total: 0, beyond: false };

type HiddenIn = Awaited<ReturnType<typeof channelReader>>['hiddenIn'];

/** One inbound message as this reader may see it: its text, sender and destinations hidden by the channel rule. */
async function inboundLine(
  entry: { message: InboundMessage; deliveries: Delivery[] },
  deps: RelayOperationsDeps,
  inboxChannel: string | null,
  hiddenIn: HiddenIn,
  admin: boolean,
): Promise<InboxLine> {
  const { message, deliveries } = entry;
  const slack = deliveries.find((d) => d.destinationKind === 'slack');
  // Still in the Slack leg's queue: the channel the route in force will post it in.
  const queued = !slack && deps.slackQueue.isQueued(message.id);
  const postedIn = slack?.destination ?? (queued ? slackChannelOf(deps.routing, message.toNumber) : inboxChannel);
  const hidden = await hiddenIn(postedIn);
  return {
    direction: 'inbound',
    wavixMessageId: message.wavixMessageId,
    toNumber: message.toNumber,
    ingestedAt: message.ingestedAt,
    receivedAt: message.receivedAt,
    messageType: message.messageType,
    mediaCount: message.media?.length ?? 0,
    fromNumber: hidden ? null : message.fromNumber,
    text: hidden ? null : message.text,
    media: hidden ? null : message.media,
    hidden,
    deliveries: [
      ...deliveries.map((d) => ({
        kind: d.destinationKind,
        status: d.status,
        answer: d.status === 'delivered' ? null : destinationAnswer(d, admin),
        // Where each went is read with the message: a wrong PBX that answered 2xx is found here after the fix.
        destination: hidden || !d.destination ? null : d.destination,
        attempts: d.attempts,
        deliveredAt: d.deliveredAt,
      })),
      ...(queued && postedIn !== null
        ? [{ kind: 'slack' as const, status: 'pending' as const, answer: null, destination: hidden ? null : postedIn }]
        : []),
    ],
  };
}

/** A delivery of the message `/sms inbox <Wavix id>` shows, with its history as far as smsops keeps it. */
export interface InboxMessageDelivery {
  lastAttemptAt: number | null;
  /** Pending: when it is tried next. */
  nextAttemptAt: number | null;
  deadAt: number | null;
  /** When an operator last sent it again (`/sms relay replay`). */
  replayedAt: number | null;
  /** When an attempt was last given back unfinished (smsops stopped during it): the destination may have it twice. */
  releasedAt: number | null;
  /**
   * What the last failure was, for its description in fixed words only (never shown as it is: it can quote the route
   * URL, whose last segment is PortSIP's credential); null when none is recorded.
   */
  failure: { lastStatusCode: number | null; lastError: string } | null;
}

/** `/sms inbox <Wavix id>`: one message, its line as the inbox shows it, and each delivery's history. */
export interface InboxMessageReading {
  line: InboxLine;
  /** In the order of `line.deliveries`; a delivery still in the Slack leg's queue has none. */
  history: InboxMessageDelivery[];
  admin: boolean;
}

/**
 * One inbound message by its Wavix id, for whoever holds that id (from a ticket, a log line, a Slack post): where each
 * delivery stands and what happened to it, its text and sender shown as `/sms inbox` shows them (the id alone tells no
 * one anything about the customer). undefined: no stored message has that id.
 */
export async function readInboxMessage(
  services: Pick<SetupServices, 'adminUsers' | 'directory'>,
  deps: RelayOperationsDeps,
  actor: Actor,
  wavixMessageId: string,
  inboxChannel: string | null,
): Promise<InboxMessageReading | undefined> {
  const message = deps.inbound.getByWavixId(wavixMessageId);
  if (!message) return undefined;
  const deliveries = deps.deliveries.forMessage(message.id);
  const { admin, hiddenIn } = await channelReader(services, actor);
  const line = await inboundLine({ message, deliveries }, deps, inboxChannel, hiddenIn, admin);
  const history = deliveries.map(
    (d): InboxMessageDelivery => ({
      lastAttemptAt: d.lastAttemptAt,
      nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt : null,
      deadAt: d.deadAt,
      replayedAt: d.replayedAt,
      releasedAt: d.releasedAt,
      failure:
        d.lastError !== null && d.status !== 'delivered' ? { lastStatusCode: d.lastStatusCode, lastError: d.lastError } : null,
    }),
  );
  return { line, history, admin };
}
