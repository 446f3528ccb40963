/**
 * The opt-outs smsops knows of: from Wavix's own list, and from STOP-like keywords it received itself. An opt-out in
 * force blocks every reply to that person from that sender (or from every sender when `sender` is null).
 */
export type OptOutSource = 'wavix' | 'inbound_keyword';

export interface OptOut {
  id: number;
  /** Digits, no +. */
  customerNumber: string;
  /** The smsops number (digits) or Sender ID it applies to; null: every sender. */
  sender: string | null;
  source: OptOutSource;
  /** The keyword the person sent (STOP, QUIT…), for source inbound_keyword. */
  keyword: string | null;
  campaignId: string | null;
  optedOutAt: number;
  liftedAt: number | null;
  /** START, UNSTOP, or `wavix` when Wavix's list no longer had it. */
  liftedBy: string | null;
}

export interface NewOptOut {
  customerNumber: string;
  sender: string | null;
  source: OptOutSource;
  keyword?: string | null;
  campaignId?: string | null;
  /** When the person opted out; default now. */
  at?: number;
}

export interface OptOutsRepository {
  /**
   * Records an opt-out unless one is already in force for the same person and sender (then that one is returned and
   * `created` is false: a STOP sent twice, or Wavix listing one smsops already recorded, is one opt-out).
   */
  record(optOut: NewOptOut): { optOut: OptOut; created: boolean };
  /**
   * Lifts the opt-out in force for exactly this person and sender; a blanket one (sender null) stays. With `sentAt`
   * (when the person sent the START), an opt-out made after it stays too: a START Wavix posted late (a retry after
   * smsops was down, webhooks out of order) is not the person's last word.
   */
  lift(customerNumber: string, sender: string | null, liftedBy: string, sentAt?: number): OptOut | undefined;
  /** The opt-out that blocks texting this person from this sender: its own, or a blanket one. */
  blocking(customerNumber: string, sender: string): OptOut | undefined;
  /** Opt-outs in force, newest first; `source` narrows them (the Wavix sync compares its list with these). */
  inForce(source?: OptOutSource): OptOut[];
  /** Every opt-out of a person, lifted ones included, newest first: the consent history shown to on-call. */
  history(customerNumber: string): OptOut[];
}
