/** What a Sender ID is, as Wavix reports it (GET one also documents shortcode). */
export type SenderIdType = 'alphanumeric' | 'numeric' | 'shortcode';
export type CountryStatus = 'pending' | 'approved' | 'rejected' | 'removed';
/** Requested through smsops, or found on Wavix (made in its portal). */
export type SenderIdOrigin = 'smsops' | 'wavix_portal';

export interface SenderIdCountry {
  country: string;
  status: CountryStatus;
  reason: string | null;
  statusChangedAt: number;
  announcedAt: number | null;
}

export interface SenderIdRecord {
  id: number;
  wavixId: string;
  value: string;
  type: SenderIdType;
  usecase: string | null;
  origin: SenderIdOrigin;
  requestedBy: string | null;
  requestedAt: number | null;
  createdAt: number;
  /** When smsops found it gone from Wavix (deleted in the Wavix portal). */
  deletedAt: number | null;
  /** Who deleted it from Slack; null when it went from Wavix's list (the Wavix portal) or is not deleted. */
  deletedBy: string | null;
  lastPolledAt: number | null;
  final: boolean;
  countries: SenderIdCountry[];
  /** The request's announcement in Slack, which carrier decisions answer in its thread; null when unknown. */
  announcement: SlackMessageRef | null;
}

/**
 * A request smsops is sending, or sent without storing Wavix's answer (a crash, a stop, a lost answer): kept until
 * Wavix's record of it is stored, so a sync that finds that record knows who asked and for which countries.
 */
export interface SenderIdRequest {
  id: number;
  /** As sent to Wavix: the text, or a number's digits without "+". */
  value: string;
  type: 'alphanumeric' | 'numeric';
  usecase: string;
  countries: string[];
  requestedBy: string;
  requestedAt: number;
}

/** A Slack message by its place: the channel and its ts. */
export interface SlackMessageRef {
  channel: string;
  ts: string;
}

/** A country whose status changed and was not announced in Slack yet. */
export interface UnannouncedChange {
  senderId: number;
  wavixId: string;
  value: string;
  requestedBy: string | null;
  country: string;
  status: CountryStatus;
  reason: string | null;
  statusChangedAt: number;
}

export interface CountryChange {
  country: string;
  from: CountryStatus | null;
  to: CountryStatus;
}
