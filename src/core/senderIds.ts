import { AppError, err, ok, type Result } from '../errors.js';
import { attempt, performChange } from './access.js';
import { InputError, type InputProblem } from './inputError.js';
import type { SenderIdRecord, SenderIdType } from './model/senderId.js';
import { type PhoneNumber, parsePhoneNumber, toWavixDigits } from './phone.js';
import type { CreateSenderIdRequest, WavixSenderId } from './ports/wavix.js';
import { type RequestableSenderIdType, type SenderIdProblem, validateSenderIdRequest } from './senderIdRules.js';
import type { Actor, SetupServices } from './services.js';

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

/** The account's SMS-enabled numbers: the only ones a numeric Sender ID may use. */
export async function listSmsEnabledNumbers(services: Pick<SetupServices, 'wavix'>): Promise<Result<PhoneNumber[]>> {
  return attempt('list the SMS-enabled numbers', async () => {
    const numbers: PhoneNumber[] = [];
    for await (const number of services.wavix.numbers.iterate()) {
      if (!number.sms_enabled) continue;
      const parsed = parsePhoneNumber(`+${number.number}`);
      if (parsed.ok) numbers.push(parsed.value);
    }
    return numbers;
  });
}

export interface RequestedSenderId {
  record: SenderIdRecord;
  /** Countries Wavix allowlisted at once (self-service). */
  approvedNow: string[];
  /** Countries waiting for carrier approval. */
  pending: string[];
}

/**
 * Creates a Sender ID on Wavix for someone, after Wavix's rules are checked here, and stores it with its requester and
 * the countries asked for. Countries Wavix allowlists at once are recorded approved and counted as announced, since
 * the confirmation that follows says so; the rest stay pending for the approval job.
 */
export async function requestSenderId(
  services: SetupServices,
  actor: Actor,
  draft: SenderIdDraft,
): Promise<Result<RequestedSenderId>> {
  const countries = [...new Set(draft.countries.map((c) => c.toUpperCase()))].sort();
  return performChange(
    services,
    actor,
    { action: 'senderid.create', target: draft.value, params: { type: draft.type, countries, usecase: draft.usecase } },
    async () => {
      let smsEnabledNumbers: string[] | undefined;
      if (draft.type === 'numeric') {
        const numbers = await listSmsEnabledNumbers(services);
        if (!numbers.ok) return numbers;
        smsEnabledNumbers = numbers.value.map((n) => n.e164);
      }
      const checked = validateSenderIdRequest({ ...draft, countries }, smsEnabledNumbers ? { smsEnabledNumbers } : undefined);
      if (checked.problems.length > 0) return err(new InputError<SenderIdField>(checked.problems));

      const request: CreateSenderIdRequest = {
        sender_id: checked.number ? toWavixDigits(checked.number.e164) : draft.value,
        type: draft.type,
        countries,
        usecase: draft.usecase,
        ...(draft.monthlyVolume ? { monthly_volume: draft.monthlyVolume } : {}),
        ...(draft.samples.length > 0 ? { samples: draft.samples } : {}),
      };
      const created = await services.wavix.senderIds.create(request);
      const stored = services.senderIds.upsert({
        wavixId: created.id,
        value: created.sender_id,
        type: draft.type,
        usecase: draft.usecase,
        origin: 'smsops',
        requestedBy: actor.userId,
      });
      services.senderIds.addRequestedCountries(stored.id, countries);
      const changes = services.senderIds.applyAllowlist(stored.id, created.allowlisted_in);
      const approvedNow = changes.filter((c) => c.to === 'approved').map((c) => c.country);
      for (const country of approvedNow) services.senderIds.markAnnounced(stored.id, country);
      const record = services.senderIds.get(stored.id) ?? stored;
      return ok({
        record,
        approvedNow,
        pending: record.countries.filter((c) => c.status === 'pending').map((c) => c.country),
      });
    },
  );
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
 * appeared in `allowlisted_in` become approved, Sender IDs gone from Wavix are marked deleted. The changes stay
 * unannounced for the approval job, which owns the announcements.
 */
export async function syncSenderIds(services: Pick<SetupServices, 'wavix' | 'senderIds'>): Promise<SenderIdOverview> {
  const listed = await attempt('list the Sender IDs', () => services.wavix.senderIds.list());
  if (!listed.ok) return { records: services.senderIds.list(), staleBecause: listed.error };
  const seen = new Set<string>();
  for (const sender of listed.value) {
    seen.add(sender.id);
    const stored = services.senderIds.upsert({
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
    if (!seen.has(record.wavixId)) services.senderIds.markDeleted(record.id);
  }
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
      const matches = services.senderIds.find(input.query);
      const record = matches[0];
      if (!record || matches.length > 1) {
        const why = record
          ? `"${input.query}" matches ${matches.length} Sender IDs: give its Wavix id.`
          : `No Sender ID "${input.query}" is known: \`/sms senderid list\` reads them from Wavix.`;
        return err(new SenderIdRejectionError(`senderid reject: ${why}`, why));
      }
      // A portal-made Sender ID's requested countries are not in Wavix's API, so any country not approved is accepted.
      if (record.countries.some((c) => c.country === input.country && c.status === 'approved')) {
        const why = `${record.value} is approved in ${input.country} on Wavix; a refusal there cannot be recorded.`;
        return err(new SenderIdRejectionError(`senderid reject: ${why}`, why));
      }
      services.senderIds.setCountryStatus(record.id, input.country, 'rejected', input.reason);
      return ok({ record, country: input.country });
    },
  );
}
