import type {
  CountryChange,
  CountryStatus,
  SenderIdOrigin,
  SenderIdRecord,
  SenderIdRequest,
  SenderIdType,
  SlackMessageRef,
  UnannouncedChange,
} from '../model/senderId.js';

export interface SenderIdsRepository {
  /** Inserts a Sender ID seen on Wavix, or refreshes its value/type; origin and requester are kept from the first sight. */
  upsert(input: {
    wavixId: string;
    value: string;
    type: SenderIdType;
    usecase?: string | null;
    origin: SenderIdOrigin;
    requestedBy?: string | null;
    /** When it was asked for; now when absent. */
    requestedAt?: number;
  }): SenderIdRecord;
  get(id: number): SenderIdRecord | undefined;
  getByWavixId(wavixId: string): SenderIdRecord | undefined;
  /** Matches the Wavix id or the Sender ID text (case-insensitive). */
  find(valueOrId: string): SenderIdRecord[];
  list(): SenderIdRecord[];
  /** Sender IDs with a country still pending: the approval job polls these. */
  listNonFinal(): SenderIdRecord[];
  /** Keeps a request before it is sent to Wavix; returns it with its id. */
  keepRequest(request: Omit<SenderIdRequest, 'id' | 'requestedAt'>): SenderIdRequest;
  /** Requests kept and not yet matched to a Wavix record, oldest first. */
  openRequests(): SenderIdRequest[];
  /** Wavix certainly did not create it (it refused), or a fresh listing shows it never did. */
  forgetRequest(id: number): void;
  /** Forgets the requests kept longer than `ms` (by the repository's clock); answers how many. */
  forgetRequestsOlderThan(ms: number): number;
  /**
   * Stores Wavix's record of a kept request: requested through smsops by its requester, its countries pending, and
   * the request no longer kept. A record already stored keeps its origin and requester (see upsert).
   */
  storeRequested(request: SenderIdRequest, sender: { wavixId: string; value: string; type: SenderIdType }): SenderIdRecord;
  /** Records the countries asked for; new ones start pending. */
  addRequestedCountries(id: number, countries: readonly string[]): void;
  /**
   * Reconciles with Wavix's `allowlisted_in`: a requested country that appears there becomes approved; an approved
   * country that disappeared becomes removed; an allowlisted country nobody asked for (portal) is recorded approved.
   * Returns the changes, which stay unannounced until `markAnnounced`.
   */
  applyAllowlist(id: number, allowlistedIn: readonly string[]): CountryChange[];
  /** Records a decision Wavix does not expose as data, e.g. a rejection learnt from its support (with the reason). */
  setCountryStatus(id: number, country: string, status: CountryStatus, reason: string | null): CountryChange | null;
  /** Keeps where the request was announced, so its decisions are posted as replies there. */
  setAnnouncement(id: number, announcement: SlackMessageRef): void;
  markPolled(id: number): void;
  /**
   * Marks it deleted on Wavix (once: a later call keeps the first time and answers false); `by`, the Slack user who
   * deleted it through smsops (none: gone from Wavix's list, deleted in the portal).
   */
  markDeleted(id: number, by?: string | null): boolean;
  /** Sender IDs deleted on Wavix whose deletion was not announced in Slack yet. */
  unannouncedDeletions(): SenderIdRecord[];
  markDeletionAnnounced(id: number): void;
  /** Country changes not announced yet, of Sender IDs not deleted (a deletion is announced instead, as a whole). */
  unannouncedChanges(): UnannouncedChange[];
  markAnnounced(id: number, country: string): void;
  /**
   * Marks a change announced only if it is still the country's current state: a change that replaced it while the
   * announcement was being posted (a sync from a Slack command, say) stays unannounced for the next run.
   */
  markAnnouncedIfUnchanged(change: Pick<UnannouncedChange, 'senderId' | 'country' | 'status' | 'statusChangedAt'>): boolean;
}
