import { AppError, err, ok, type Result } from '../errors.js';
import { attempt, type ChangeDescription, checkMayChange, performChange } from './access.js';
import { sendFailureOf } from './conversations/sendOutcome.js';
import { InputError, type InputProblem } from './inputError.js';
import type { SenderIdRecord, SenderIdRequest, SenderIdType, SlackMessageRef } from './model/senderId.js';
import { type PhoneNumber, parsePhoneNumber, toWavixDigits } from './phone.js';
import type { CreateSenderIdRequest, WavixSenderId } from './ports/wavix.js';
import { type ExistingCountry, existingCountries, nothingNewProblem } from './senderIdDuplicates.js';
import { countryProblem, rejectionProblem } from './senderIdRejectionRules.js';
import { REQUEST_UNLISTED_FOR_MS, requestIsFor, takeRequestFor } from './senderIdRequests.js';
import { type RequestableSenderIdType, type SenderIdProblem, validateSenderIdRequest } from './senderIdRules.js';
import { SenderIdOutcomeUnknown, stillBeingMadeMessage } from './senderIdUnknownOutcome.js';
import type { Actor, SetupServices } from './services.js';
import { collectAll } from './wavixListing.js';
import { listInWords } from './wording.js';

export const SENDER_ID_USECASES = ['transactional', 'promo', 'authentication'] as const;
export type SenderIdUsecase = (typeof SENDER_ID_USECASES)[number];
export const MONTHLY_VOLUMES = ['1-1000', '1001-20000', '20001-50000', '50001-100000', 'More than 100000'] as const;
export type MonthlyVolume = (typeof MONTHLY_VOLUMES)[number];

/** What a person asks for, as the Sender ID form collects it. */
export interface SenderIdDraft {
  type: RequestableSenderIdType;
  value: string;
  countries: string[];
  usecase: SenderIdUsecase;
  monthlyVolume?: MonthlyVolume | undefined;
  samples: string[];
}

export type SenderIdField = SenderIdProblem['field'] | 'usecase' | 'samples';

/** The quick check, without Wavix: what can be shown on the form's fields at once. */
export function checkSenderIdDraft(draft: SenderIdDraft): InputError<SenderIdField> | null {
  const problems: InputProblem<SenderIdField>[] = validateSenderIdRequest(draft).problems;
  if (draft.samples.some((s) => s.length > 1000)) {
    problems.push({ field: 'samples', message: 'A sample message is longer than 1,000 characters.' });
  }
  return problems.length > 0 ? new InputError<SenderIdField>(problems) : null;
}

/**
 * The quick duplicate check, from smsops' store only (no Wavix call, so it fits in the form's 3-second answer): refuses
 * a request whose every country the same Sender ID already has pending or approved. The request itself checks again
 * against Wavix's own list before anything is created.
 */
export function checkSenderIdDuplicates(
  services: Pick<SetupServices, 'senderIds'>,
  draft: SenderIdDraft,
): InputError<SenderIdField> | null {
  const countries = [...new Set(draft.countries.map((c) => c.toUpperCase()))];
  const existing = existingCountries(services.senderIds.list(), { ...draft, countries });
  if (countries.length === 0 || existing.length < countries.length) return null;
  return new InputError<SenderIdField>([nothingNewProblem(draft.value, existing)]);
}

// Sender IDs being deleted from Slack (`/sms senderid delete`), per store: a read of Wavix meanwhile leaves them alone.
const deletions = new WeakMap<object, Set<string>>();
function deletionsUnderWay(store: object): Set<string> {
  let set = deletions.get(store);
  if (!set) {
    set = new Set();
    deletions.set(store, set);
  }
  return set;
}

/** Runs `remove` (the Wavix delete and its record) with the Sender ID left alone by reads of Wavix meanwhile. */
export async function whileDeleting<T>(store: object, wavixId: string, remove: () => Promise<T>): Promise<T> {
  const underWay = deletionsUnderWay(store);
  underWay.add(wavixId);
  try {
    return await remove();
  } finally {
    underWay.delete(wavixId);
  }
}

// Requests being sent to Wavix, per store: a second submit of the same Sender ID (a double click, two people) waits
// for nothing and would not see the first one's record yet, so it is refused while the first is under way.
const inFlight = new WeakMap<object, Set<string>>();

/** The account's SMS-enabled numbers: the only ones a numeric Sender ID may use. */
export async function listSmsEnabledNumbers(services: Pick<SetupServices, 'wavix'>): Promise<Result<PhoneNumber[]>> {
  return attempt('list the SMS-enabled numbers', async () => {
    const numbers: PhoneNumber[] = [];
    for (const number of await collectAll(services.wavix.numbers.iterate(), { operation: 'list numbers' })) {
      if (!number.sms_enabled) continue;
      const parsed = parsePhoneNumber(`+${number.number}`);
      if (parsed.ok) numbers.push(parsed.value);
    }
    return numbers;
  });
}

/** The account's SMS-enabled numbers that match what a person typed, at most `limit`, and how many more match. */
export interface NumberSearch {
  numbers: PhoneNumber[];
  more: number;
}

/**
 * Searches SMS-enabled numbers by what a person types into the number select: digits match anywhere in the number
 * ("7400" finds +44 7400 123456, spaces and "+" ignored); letters match the country code or the formatted number.
 */
export function searchNumbers(numbers: readonly PhoneNumber[], query: string, limit = 100): NumberSearch {
  const typed = query.trim();
  const digits = typed.replace(/\D/g, '');
  const words = typed.toUpperCase();
  const matches = numbers.filter((n) => {
    if (typed === '') return true;
    if (/[A-Za-z]/.test(typed)) return n.country === words || n.display.toUpperCase().includes(words);
    // Only the signs a number is written with (`+`, `(`) is the start of a number; anything else without a digit
    // (`%`, `.*`, an emoji) names no number.
    if (digits === '') return /^[+\s().\-/]*$/.test(typed);
    return n.e164.includes(digits);
  });
  return { numbers: matches.slice(0, limit), more: Math.max(0, matches.length - limit) };
}

export interface RequestedSenderId {
  record: SenderIdRecord;
  /** Countries Wavix allowlisted at once (self-service). */
  approvedNow: string[];
  /** Countries waiting for carrier approval. */
  pending: string[];
  /** Countries asked for that the same Sender ID already had pending or approved: not sent to Wavix again. */
  alreadyRequested: ExistingCountry[];
}

const requestedCountries = (draft: SenderIdDraft) => [...new Set(draft.countries.map((c) => c.toUpperCase()))].sort();

/** The change a Sender ID request is, as /sms audit lists it (its refusal included). */
function senderIdCreateChange(draft: SenderIdDraft, countries = requestedCountries(draft)): ChangeDescription {
  return { action: 'senderid.create', target: draft.value, params: { type: draft.type, countries, usecase: draft.usecase } };
}

/**
 * Whether the person may request this Sender ID; a refusal is recorded, as requestSenderId would record it. Asked
 * before anything is said to be sent: a non-admin read "Sending the request to Wavix…" before being refused.
 */
export function checkMayRequestSenderId(services: SetupServices, actor: Actor, draft: SenderIdDraft): Promise<Result<void>> {
  return checkMayChange(services, actor, senderIdCreateChange(draft));
}

/**
 * Creates a Sender ID on Wavix for someone, after Wavix's rules are checked here, and stores it with its requester and
 * the countries asked for. Countries Wavix allowlists at once are recorded approved, and counted as announced once
 * the request's announcement is posted (`senderIdRequestAnnounced`); the rest stay pending for the approval job.
 */
export async function requestSenderId(
  services: SetupServices,
  actor: Actor,
  draft: SenderIdDraft,
): Promise<Result<RequestedSenderId>> {
  const countries = requestedCountries(draft);
  return performChange(services, actor, senderIdCreateChange(draft, countries), async () => {
    let smsEnabledNumbers: string[] | undefined;
    if (draft.type === 'numeric') {
      const numbers = await listSmsEnabledNumbers(services);
      if (!numbers.ok) return numbers;
      smsEnabledNumbers = numbers.value.map((n) => n.e164);
    }
    const checked = validateSenderIdRequest({ ...draft, countries }, smsEnabledNumbers ? { smsEnabledNumbers } : undefined);
    if (checked.problems.length > 0) return err(new InputError<SenderIdField>(checked.problems));

    const key = `${draft.type}:${checked.number ? checked.number.e164 : draft.value}`;
    const sending = inFlight.get(services.senderIds) ?? new Set<string>();
    inFlight.set(services.senderIds, sending);
    if (sending.has(key)) {
      return err(
        new InputError<SenderIdField>([
          { field: 'value', message: `A request for ${draft.value} is being sent to Wavix right now; wait for its answer.` },
        ]),
      );
    }
    sending.add(key);
    try {
      return await createOnWavix(
        services,
        actor,
        draft,
        countries,
        checked.number ? toWavixDigits(checked.number.e164) : draft.value,
      );
    } finally {
      sending.delete(key);
    }
  });
}

/**
 * Reads Wavix's list first, so a Sender ID made in the portal or by another smsops counts too, then sends only the
 * countries no record of the same Sender ID has pending or approved. The request is kept before it is sent: when
 * Wavix creates it but its answer is lost (a crash, a stop, a broken connection), the next sync stores Wavix's record
 * as this request (syncSenderIds), so its countries are not asked for twice nor announced as made in the portal. While
 * such a request is kept and unlisted, Wavix may still be making it (a slow create lands after smsops gave up), so the
 * same Sender ID is not sent again until Wavix lists it or REQUEST_UNLISTED_FOR_MS has passed.
 */
async function createOnWavix(
  services: SetupServices,
  actor: Actor,
  draft: SenderIdDraft,
  requested: string[],
  senderId: string,
): Promise<Result<RequestedSenderId>> {
  // A failed read leaves the store's last known state to compare with; the create below then says what is wrong.
  await syncSenderIds(services);
  const earlier = unlistedRequestFor(services, { value: senderId, type: draft.type });
  if (earlier) {
    return err(
      new InputError<SenderIdField>([{ field: 'value', message: stillBeingMadeMessage(draft.value, earlier, actor.userId) }]),
    );
  }
  const alreadyRequested = existingCountries(services.senderIds.list(), { ...draft, countries: requested });
  const taken = new Set(alreadyRequested.map((e) => e.country));
  const countries = requested.filter((c) => !taken.has(c));
  if (countries.length === 0) return err(new InputError<SenderIdField>([nothingNewProblem(draft.value, alreadyRequested)]));

  const request: CreateSenderIdRequest = {
    sender_id: senderId,
    type: draft.type,
    countries,
    usecase: draft.usecase,
    ...(draft.monthlyVolume ? { monthly_volume: draft.monthlyVolume } : {}),
    ...(draft.samples.length > 0 ? { samples: draft.samples } : {}),
  };
  const kept = services.senderIds.keepRequest({
    value: senderId,
    type: draft.type,
    usecase: draft.usecase,
    countries,
    requestedBy: actor.userId,
  });
  let created: WavixSenderId;
  try {
    created = await services.wavix.senderIds.create(request);
  } catch (error) {
    // Kept unless Wavix certainly made nothing: a lost answer may hide a Sender ID it did create, or one it is making.
    if (sendFailureOf(error) !== 'refused') return err(new SenderIdOutcomeUnknown(error, draft.value, kept));
    services.senderIds.forgetRequest(kept.id);
    throw error;
  }
  const stored = services.senderIds.storeRequested(kept, { wavixId: created.id, value: created.sender_id, type: draft.type });
  const changes = services.senderIds.applyAllowlist(stored.id, created.allowlisted_in);
  // Not marked announced here: the request's announcement says them, and until Slack accepted it they are the job's.
  const approvedNow = changes.filter((c) => c.to === 'approved').map((c) => c.country);
  const record = services.senderIds.get(stored.id) ?? stored;
  return ok({
    record,
    approvedNow,
    pending: record.countries.filter((c) => c.status === 'pending').map((c) => c.country),
    alreadyRequested,
  });
}

/**
 * An earlier request for this Sender ID that Wavix has not listed (the sync just stored those it lists) and that is
 * younger than REQUEST_UNLISTED_FOR_MS: its create ended without a clear answer, so Wavix may still be making it. Older
 * ones are forgotten here too, for when the sync could not read Wavix's list.
 */
function unlistedRequestFor(
  services: Pick<SetupServices, 'senderIds'>,
  sender: { value: string; type: SenderIdType },
): SenderIdRequest | undefined {
  services.senderIds.forgetRequestsOlderThan(REQUEST_UNLISTED_FOR_MS);
  return services.senderIds.openRequests().find((request) => requestIsFor(request, sender));
}

/**
 * Slack accepted the request's announcement: the countries it said were approved at once are announced (the approval
 * job would say them again otherwise, and does when this is never called), and where it is kept when Slack said
 * (`at`): the approval job answers there, in the thread.
 */
export function senderIdRequestAnnounced(
  services: Pick<SetupServices, 'senderIds'>,
  requested: Pick<RequestedSenderId, 'record' | 'approvedNow'>,
  at: SlackMessageRef | undefined,
): void {
  const { record } = requested;
  for (const country of requested.approvedNow) {
    const stored = record.countries.find((c) => c.country === country && c.status === 'approved');
    if (stored) {
      services.senderIds.markAnnouncedIfUnchanged({
        senderId: record.id,
        country,
        status: 'approved',
        statusChangedAt: stored.statusChangedAt,
      });
    }
  }
  if (at) services.senderIds.setAnnouncement(record.id, at);
}

function storedType(sender: WavixSenderId): SenderIdType {
  if (sender.type === 'numeric' || sender.type === 'alphanumeric' || sender.type === 'shortcode') return sender.type;
  // An unknown type is kept by what the value looks like rather than dropped from view.
  return /^\+?\d+$/.test(sender.sender_id) ? 'numeric' : 'alphanumeric';
}

export interface SenderIdOverview {
  records: SenderIdRecord[];
  /** Set when Wavix could not be read: the records are then the last known state. */
  staleBecause?: AppError;
}

/**
 * Reads every Sender ID from Wavix (also those created in the Wavix portal) and reconciles the store: countries that
 * appeared in `allowlisted_in` become approved, Sender IDs gone from Wavix are marked deleted, and a new record that
 * answers a request smsops kept (createOnWavix) is stored as that request. The changes stay
 * unannounced for the approval job, which owns the announcements.
 */
export async function syncSenderIds(services: Pick<SetupServices, 'wavix' | 'senderIds'>): Promise<SenderIdOverview> {
  const deletedBefore = new Set(services.senderIds.list().flatMap((r) => (r.deletedAt === null ? [] : [r.wavixId])));
  const listed = await attempt('list the Sender IDs', () => services.wavix.senderIds.list());
  if (!listed.ok) return { records: services.senderIds.list(), staleBecause: listed.error };
  const open = services.senderIds.openRequests();
  const seen = new Set<string>();
  const underWay = deletionsUnderWay(services.senderIds);
  for (const sender of listed.value) {
    seen.add(sender.id);
    // Deleted from Slack while Wavix was read (or being deleted now): the list may be from before the delete. Taken as
    // it came, it brought the Sender ID back to life, to be found gone and announced deleted a second time (a probe).
    const known = services.senderIds.getByWavixId(sender.id);
    if (underWay.has(sender.id) || (known?.deletedAt != null && !deletedBefore.has(sender.id))) continue;
    const request = known ? undefined : takeRequestFor(open, sender);
    const stored = request
      ? // Wavix made it for a request whose answer smsops never stored: its requester and countries are known.
        services.senderIds.storeRequested(request, { wavixId: sender.id, value: sender.sender_id, type: storedType(sender) })
      : services.senderIds.upsert({
          wavixId: sender.id,
          value: sender.sender_id,
          type: storedType(sender),
          usecase: sender.usecase ?? null,
          origin: 'wavix_portal',
        });
    services.senderIds.applyAllowlist(stored.id, sender.allowlisted_in);
    services.senderIds.markPolled(stored.id);
  }
  for (const record of services.senderIds.list()) {
    // One being deleted from Slack is that person's deletion, recorded by them once Wavix answers: found gone here
    // first, it was said deleted "in the Wavix portal" and they were told it was deleted already (a probe).
    if (!seen.has(record.wavixId) && !underWay.has(record.wavixId)) services.senderIds.markDeleted(record.id);
  }
  services.senderIds.forgetRequestsOlderThan(REQUEST_UNLISTED_FOR_MS);
  return { records: services.senderIds.list() };
}

/** The Sender IDs matching a value (case-insensitive) or a Wavix id, after a sync. */
export async function findSenderIds(
  services: Pick<SetupServices, 'wavix' | 'senderIds'>,
  query: string,
): Promise<SenderIdOverview> {
  const overview = await syncSenderIds(services);
  const digits = query.replace(/[\s+()-]/g, '');
  const matches = services.senderIds
    .find(query)
    .concat(/^\d+$/.test(digits) && digits !== query ? services.senderIds.find(digits) : []);
  const unique = [...new Map(matches.map((r) => [r.id, r])).values()];
  return overview.staleBecause ? { records: unique, staleBecause: overview.staleBecause } : { records: unique };
}

class SenderIdRejectionError extends AppError {}

/**
 * Records a country Wavix refused. Wavix's API has no rejected state (a refused country just never joins
 * `allowlisted_in`; the reason comes by e-mail or in the portal), so a person records it; the approval job then
 * announces it and raises the `sender_id_rejected` alert like any change it sees.
 */
export async function recordSenderIdRejection(
  services: Pick<SetupServices, 'senderIds' | 'adminUsers' | 'directory' | 'audit'>,
  actor: Actor,
  input: { query: string; country: string; reason: string },
): Promise<Result<{ record: SenderIdRecord; country: string }>> {
  return performChange(
    services,
    actor,
    { action: 'senderid.reject', target: input.query, params: { country: input.country, reason: input.reason } },
    async () => {
      const notCountry = countryProblem(input.country);
      if (notCountry) return err(new SenderIdRejectionError(`senderid reject: ${notCountry}`, notCountry));
      const matches = services.senderIds.find(input.query).filter((r) => r.deletedAt === null);
      const record = pickForRejection(matches, input.country);
      if (!record) {
        const why =
          matches.length > 0
            ? ambiguousRejection(input.query, input.country, matches)
            : `No Sender ID "${input.query}" is known: \`/sms senderid list\` reads them from Wavix.`;
        return err(new SenderIdRejectionError(`senderid reject: ${why}`, why));
      }
      const why = rejectionProblem(record, input.country);
      if (why) return err(new SenderIdRejectionError(`senderid reject: ${why}`, why));
      services.senderIds.setCountryStatus(record.id, input.country, 'rejected', input.reason);
      return ok({ record, country: input.country });
    },
  );
}

/**
 * The one record a refusal is about. Several Wavix records can carry one Sender ID (a later request for more
 * countries, or duplicates made before smsops refused them): the one that asked for the country and is not approved
 * there is meant, when there is exactly one.
 */
function pickForRejection(matches: readonly SenderIdRecord[], country: string): SenderIdRecord | undefined {
  if (matches.length <= 1) return matches[0];
  const asked = matches.filter((r) => r.countries.some((c) => c.country === country && c.status === 'pending'));
  return asked.length === 1 ? asked[0] : undefined;
}

/** "Acme" matches 2 Sender IDs: each with its Wavix id and its countries, and how to name one. */
function ambiguousRejection(query: string, country: string, matches: readonly SenderIdRecord[]): string {
  const shown = matches.slice(0, 10).map((r) => {
    const countries = r.countries.map((c) => `${c.country} ${c.status}`).join(', ') || 'no countries';
    const who = r.origin === 'wavix_portal' ? 'made in the Wavix portal' : 'requested through smsops';
    return `Wavix id ${r.wavixId} (${r.type}, ${who}; ${countries})`;
  });
  const more = matches.length > shown.length ? ` and ${matches.length - shown.length} more` : '';
  const example = matches[0]?.wavixId ?? '<Wavix id>';
  return `"${query}" matches ${matches.length} Sender IDs: ${listInWords(shown)}${more}. Give the Wavix id of the one refused in ${country}, e.g. \`/sms senderid reject ${example} ${country} <reason>\`.`;
}
