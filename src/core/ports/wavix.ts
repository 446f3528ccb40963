/**
 * The parts of Wavix's REST API the use cases call, with the fields smsops relies on (src/wavix/ implements it and
 * parses every answer; fields Wavix adds are kept there but not promised here). Names follow Wavix's own JSON.
 * A failed call throws a WavixCallFailure (./wavixFailure.ts).
 */

export interface WavixSenderId {
  id: string;
  sender_id: string;
  /** numeric | alphanumeric (GET one also documents shortcode); kept as Wavix wrote it. */
  type: string;
  allowlisted_in: string[];
  usecase?: string | undefined;
  samples?: string[] | undefined;
}

export interface WavixNumber {
  id: number;
  /** Wavix's digits form, without '+'. */
  number: string;
  city?: string | null | undefined;
  country?: string | undefined;
  country_short_name: string;
  label?: string | null | undefined;
  status: string;
  sms_enabled: boolean;
  /** The number's own inbound SMS webhook; null when it uses the account default. */
  sms_relay_url: string | null;
}

export interface WavixProfile {
  id: number;
  email: string;
  default_destinations: Array<{ transport: string; value: string | null }>;
}

export interface WavixMessage {
  message_id: string;
  message_type?: string | undefined;
  from: string;
  to: string;
  direction?: string | undefined;
  message_body: { text: string; media: string[] | null };
  tag?: string | null | undefined;
  status: string;
  segments?: number | undefined;
  charge?: string | undefined;
  submitted_at?: string | null | undefined;
  sent_at?: string | null | undefined;
  delivered_at?: string | null | undefined;
  error_message?: string | null | undefined;
}

/** A message as the export gives it: its text, never read by smsops, may be absent. */
export type ListedMessage = Omit<WavixMessage, 'message_body'>;

/**
 * What reading the message export gives, line by line: a message, a line that is none (skipped, counted: its number
 * in the stream and what was wrong, never its content), or where smsops stopped reading at its own limits.
 */
export type ExportEvent =
  | { kind: 'message'; message: ListedMessage }
  | { kind: 'malformed'; line: number; problem: string }
  | { kind: 'cut'; by: 'size' | 'time'; bytes: number; ms: number };

export interface ExportMessagesQuery {
  type: 'inbound' | 'outbound';
  /** `YYYY-MM-DDTHH:MM:SS`, as Wavix documents it (no zone: see the caller for which one it means). */
  sent_after: string;
  sent_before?: string;
}

/** Wavix's answer to a send: the rest of the message may be missing (none of its fields is required). */
export interface SentMessage {
  message_id: string;
  /** Wavix's first status; `accepted` when it gave none. */
  status: string;
  /** The segments Wavix counted (and charges), when its answer said. */
  segments?: number | undefined;
  /** Wavix's reason, when its first status is already a failure (`rejected`). */
  error_message?: string | undefined;
}

export interface CreateSenderIdRequest {
  sender_id: string;
  type: 'alphanumeric' | 'numeric';
  countries: string[];
  usecase: 'transactional' | 'promo' | 'authentication';
  monthly_volume?: '1-1000' | '1001-20000' | '20001-50000' | '50001-100000' | 'More than 100000';
  samples?: string[];
}

export interface WavixNumberUpdate {
  sms_enabled?: boolean;
  /** null removes the number's own webhook, so Wavix falls back to the account default. */
  sms_relay_url?: string | null;
}

/** `POST /v3/messages`: `from` is an account number (Wavix digits) or a Sender ID; `to` the recipient's digits. */
export interface SendSmsRequest {
  from: string;
  to: string;
  message_body: { text: string; media: null };
  /** Where Wavix posts this message's delivery reports (smsops' own DLR webhook). */
  callback_url?: string;
  /** Echoed in the message's delivery reports and listing: a reply's names it (../conversations/replyTag.ts). */
  tag?: string;
}

export interface WavixGateway {
  senderIds: {
    create(body: CreateSenderIdRequest): Promise<WavixSenderId>;
    /** Every Sender ID, also those made in the Wavix portal. */
    list(): Promise<WavixSenderId[]>;
    /** Deletes it for good, pending countries included (a 404: no such Sender ID, deleted already). */
    delete(id: string): Promise<void>;
  };
  numbers: {
    /** Every number of the account, page by page; `search` narrows by digits. */
    iterate(query?: { search?: string }): AsyncIterable<WavixNumber>;
    update(id: number, update: WavixNumberUpdate): Promise<WavixNumber>;
    /** Activates inbound SMS. Wavix allows it on US and Canadian numbers only. */
    enableInboundSms(id: number): Promise<WavixNumber>;
  };
  profile: {
    get(): Promise<WavixProfile>;
    /** Sets the account's default webhooks; a field left undefined is not changed, null clears it. */
    setDefaultWebhooks(webhooks: { sms_relay_url?: string | null; dlr_relay_url?: string | null }): Promise<WavixProfile>;
  };
  messages: {
    /** Every message of one direction sent after a day (YYYY-MM-DD, taken as UTC), page by page. */
    iterate(query: { type: 'inbound' | 'outbound'; sent_after?: string }): AsyncIterable<WavixMessage>;
    /**
     * The messages of one direction sent within exact times, streamed (`GET /v3/messages/all`, NDJSON), read up to
     * `limits` (bytes, ms). A refusal before the first line throws (a 404/405 where the export is not offered, a 403
     * where the key may not use it).
     */
    export(query: ExportMessagesQuery, limits: { maxBytes: number; maxMs: number }): AsyncIterable<ExportEvent>;
    /**
     * Sends one SMS; Wavix answers with the message it accepted (its id and first status). `mayRetry`, asked before
     * each retry, false ends the send with the failure it had.
     */
    send(body: SendSmsRequest, options?: { mayRetry?: () => boolean }): Promise<SentMessage>;
  };
  /**
   * The same calls, ended when `cancellation` aborts, and none waiting past `deadline` (epoch ms): a Retry-After that
   * ends later is not waited out, the caller hears the 429 at once. For one who must answer a person by then (doctor);
   * absent on stand-ins in tests.
   */
  cancelledBy?(cancellation: AbortSignal, options?: { deadline?: number }): Omit<WavixGateway, 'cancelledBy'>;
}
