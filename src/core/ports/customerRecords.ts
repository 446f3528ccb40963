/**
 * What smsops holds about one customer's number, kind by kind: the counts `/sms forget` shows before it removes them
 * (never what they hold), and what stands in its way.
 */
export interface CustomerRecords {
  /** SMS received from the number: text, media links, the webhook as Wavix posted it. */
  inboundMessages: number;
  /** Where each of them was relayed (PortSIP, Slack) and how it went. */
  deliveries: number;
  /** Of those SMS, the ones still owed somewhere: a delivery pending or in flight, or not yet taken by the Slack leg. */
  undelivered: number;
  /** smsops' own Slack posts showing only this customer's SMS, and the status lines under replies to them. */
  slackPosts: number;
  /** Grouped posts (a storm) showing other people's SMS too: edited to leave this customer's out. */
  sharedSlackPosts: number;
  /** Which Slack thread was their conversation of a day. */
  slackThreads: number;
  /** Replies sent to them from Slack threads (who, when, length, status; their text is never kept). */
  replies: number;
  /** Of those, the ones on their way: being checked before their send, or sent and Wavix not answered yet. */
  repliesSending: number;
  /** SMS sent to them through Wavix as its reports described them, and those reports. */
  outboundMessages: number;
  deliveryReports: number;
  /** Webhooks smsops refused, whose stored excerpt holds the number. */
  rejectedWebhooks: number;
  /** Audit entries naming the number: masked, the entries kept. */
  auditEntries: number;
  /** Opt-outs they lifted (START): consent history, removed. */
  liftedOptOuts: number;
  /** Opt-outs in force: kept, so their STOP goes on being honoured. */
  optOutsInForce: number;
}

/** One of smsops' Slack posts: where it is, and when it was posted. */
export interface SlackPostRef {
  channel: string;
  ts: string;
  postedAt: number;
}

/** What an erasure removed (the counts of what it found) and the Slack posts it leaves to delete. */
export interface ErasedRecords {
  records: CustomerRecords;
  /** Own posts and reply status lines whose rows went: to delete in Slack. */
  slackPosts: SlackPostRef[];
  /** Grouped posts that also show others' SMS, marked for the relay's updater to edit without theirs. */
  sharedPostIds: number[];
  /** The hours whose traffic rollups held their SMS, to count again without them (`recountTraffic`); null: none. */
  trafficHours: { from: number; to: number } | null;
  /** Their SMS received, replies sent and texts to them recorded after the erase's mark: left (not what the admin confirmed). */
  cameLater: number;
  /** Dead deliveries that went with their SMS, per destination: SMS that never reached it, now past any replay. */
  deadRemoved: DeadSmsRemoved[];
}

/** Dead deliveries of one destination removed with their messages (never delivered there). */
export interface DeadSmsRemoved {
  kind: string;
  destination: string;
  n: number;
}

/** The newest SMS, reply and outbound text stored at a moment: an erase bound by it leaves what came later. */
export interface RecordsMark {
  inbound: number;
  reply: number;
  outbound: number;
}

/** Where a grouped post's edit stands: `pending` still marked, else done, or refused with Slack's reason. */
export type SharedPostEdit = SlackPostRef & ({ state: 'pending' } | { state: 'edited' } | { state: 'refused'; reason: string });

export interface CustomerRecordsStore {
  /** What smsops holds about the number (Wavix digits, no `+`). */
  held(digits: string): CustomerRecords;
  /** Whether the number is one of smsops' own: a route's, or one SMS were received on or sent from. */
  isSmsopsNumber(digits: string): boolean;
  /** The newest records now: what Remove checked its question against, which `erase` is then bound by. */
  mark(): RecordsMark;
  /** The Slack posts `erase` would take: smsops' posts of the number's SMS alone, and its replies' status lines. */
  slackPostsOf(digits: string, through?: RecordsMark): SlackPostRef[];
  /**
   * In one transaction: removes every record of the number but its opt-outs in force, masks it (as `masked`) in the
   * audit log, marks the grouped posts that showed it for an edit without it, and drops the failure reasons quoting
   * the number from the traffic of the hours it touched (those hours are marked to be counted again). SMS still owed somewhere (and replies being sent) are left, counted in `records.undelivered` and
   * `records.repliesSending`. With `through`, only the SMS, replies and texts stored by then go (see `mark`); those
   * stored later are left, counted in `cameLater`.
   */
  erase(digits: string, masked: string, through?: RecordsMark): ErasedRecords;
  /**
   * Counts the hourly traffic of the hours `erase` named again without their SMS, a page of messages at a time (the
   * current hour of a busy relay holds 100,000s): resolves with how many hours it wrote, fewer when a refresh
   * started meanwhile took one over (that refresh writes them, from the messages as they are after the erase).
   */
  recountTraffic(hours: { from: number; to: number }): Promise<number>;
  /** How the edits of the grouped posts `erase` marked stand (rows since gone are left out). */
  sharedPostEdits(ids: readonly number[]): SharedPostEdit[];
  /**
   * Empties the database's -wal file (wal_checkpoint(TRUNCATE), no busy wait): the pages written before the erase
   * (their texts, their number) stay readable in it until traffic overwrites them. `busy`: a reader holds it.
   */
  cutWal(): WalCutOutcome;
}

export type WalCutOutcome = { outcome: 'cut' } | { outcome: 'busy' } | { outcome: 'failed'; error: string };

/** Deletes smsops' own Slack posts. */
export interface SlackPostRemover {
  /** A post already gone counts as deleted; otherwise Slack's reason, in words. */
  remove(post: SlackPostRef): Promise<{ ok: true } | { ok: false; reason: string }>;
}
