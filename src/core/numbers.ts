import { AppError, err, ok, type Result } from '../errors.js';
import { attempt, performChange } from './access.js';
import { InputError } from './inputError.js';
import { createKeyedSerial } from './keyedSerial.js';
import { accountWebhooksOf } from './model/accountWebhooks.js';
import { formatPhoneForPeople, INBOUND_SMS_COUNTRIES, parsePhoneNumber, toWavixDigits } from './phone.js';
import type { WavixNumber } from './ports/wavix.js';
import type { Actor, SetupServices } from './services.js';
import { collectAll } from './wavixListing.js';

export type WebhookSource = 'number' | 'account' | 'none';

/** A DID as operators need to see it: can it receive SMS, and where do its inbound messages go. */
export interface NumberState {
  wavixId: number;
  e164: string;
  display: string;
  country: string;
  label: string | null;
  /** Wavix's `sms_enabled`: SMS on the number (for US/CA numbers this is "inbound SMS activated"). */
  smsEnabled: boolean;
  /** Wavix activates inbound SMS through its API on US and Canadian numbers only. */
  inboundPossible: boolean;
  inboundActive: boolean;
  /** The number's own webhook: it wins over the account default. */
  numberWebhook: string | null;
  effectiveWebhook: string | null;
  webhookSource: WebhookSource;
  pointsAtSmsops: boolean;
  /** At smsops' own URL with a previous webhook secret (WEBHOOK_SECRET_PREVIOUS): reaching smsops for now. */
  pointsAtPreviousSmsops?: boolean;
}

export interface NumbersOverview {
  numbers: NumberState[];
  accountWebhook: string | null;
  accountPointsAtSmsops: boolean;
  accountPointsAtPreviousSmsops?: boolean;
  /** False when PUBLIC_BASE_URL is unset: smsops cannot tell its own URL. */
  smsopsUrlKnown: boolean;
}

export function toNumberState(
  number: WavixNumber,
  accountWebhook: string | null,
  smsopsInbound: string | null,
  smsopsPrevious: readonly string[] = [],
): NumberState {
  const e164 = `+${number.number}`;
  const country = number.country_short_name.toUpperCase();
  const inboundPossible = INBOUND_SMS_COUNTRIES.has(country);
  const numberWebhook = number.sms_relay_url ? number.sms_relay_url : null;
  const effectiveWebhook = numberWebhook ?? accountWebhook;
  return {
    wavixId: number.id,
    e164,
    display: formatPhoneForPeople(e164),
    country,
    label: number.label ?? null,
    smsEnabled: number.sms_enabled,
    inboundPossible,
    inboundActive: inboundPossible && number.sms_enabled,
    numberWebhook,
    effectiveWebhook,
    webhookSource: numberWebhook ? 'number' : accountWebhook ? 'account' : 'none',
    pointsAtSmsops: smsopsInbound !== null && effectiveWebhook === smsopsInbound,
    pointsAtPreviousSmsops: effectiveWebhook !== null && smsopsPrevious.includes(effectiveWebhook),
  };
}

/** Every DID on the account with its SMS state and effective inbound webhook. */
export async function listNumbers(services: Pick<SetupServices, 'wavix' | 'smsopsWebhooks'>): Promise<Result<NumbersOverview>> {
  return attempt('list the numbers', async () => {
    const [profile, numbers] = await Promise.all([
      services.wavix.profile.get(),
      collectAll(services.wavix.numbers.iterate(), { operation: 'list numbers' }),
    ]);
    const smsopsInbound = services.smsopsWebhooks?.inbound ?? null;
    const accountWebhook = accountWebhooksOf(profile).smsRelayUrl || null;
    const previous = services.smsopsWebhooks?.previous ?? [];
    return {
      numbers: numbers.map((n) => toNumberState(n, accountWebhook, smsopsInbound, previous)),
      accountWebhook,
      accountPointsAtSmsops: smsopsInbound !== null && accountWebhook === smsopsInbound,
      accountPointsAtPreviousSmsops: accountWebhook !== null && previous.includes(accountWebhook),
      smsopsUrlKnown: smsopsInbound !== null,
    };
  });
}

export class NumberNotOnAccountError extends AppError {
  constructor(display: string) {
    super(
      `number ${display} is not on the Wavix account`,
      `${display} is not a number of this Wavix account. \`/sms number list\` shows them.`,
    );
    this.name = 'NumberNotOnAccountError';
  }
}

/** Finds one of the account's numbers from what a person typed (E.164 or a national form). */
export async function findAccountNumber(services: Pick<SetupServices, 'wavix'>, input: string): Promise<Result<WavixNumber>> {
  const parsed = parsePhoneNumber(input);
  if (!parsed.ok) return err(new InputError([{ field: 'number', message: parsed.error.userMessage }]));
  const digits = toWavixDigits(parsed.value.e164);
  return attempt('find the number', async () => {
    for await (const number of services.wavix.numbers.iterate({ search: digits })) {
      if (number.number === digits) return number;
    }
    throw new NumberNotOnAccountError(parsed.value.display);
  });
}

export interface InboundActivation {
  number: NumberState;
  alreadyActive: boolean;
}

/**
 * One activation per number at a time: a second press of "Enable inbound SMS" (or the command and doctor's fix at once)
 * while Wavix took seconds to answer the first read the number before the first's change, so both asked Wavix to
 * activate it and both said "now active", audited twice. The second now waits, reads the number again, and says it
 * was already active.
 */
const oneActivationPerNumber = createKeyedSerial();

/** Activates inbound SMS on a US or Canadian number; other countries are refused with the reason before Wavix is called. */
export async function enableInboundSms(services: SetupServices, actor: Actor, input: string): Promise<Result<InboundActivation>> {
  const parsed = parsePhoneNumber(input);
  const target = parsed.ok ? parsed.value.e164 : input;
  return performChange<InboundActivation>(services, actor, { action: 'number.enable-inbound', target }, () =>
    oneActivationPerNumber(target, () => activateInbound(services, parsed)),
  );
}

async function activateInbound(
  services: SetupServices,
  parsed: ReturnType<typeof parsePhoneNumber>,
): Promise<Result<InboundActivation>> {
  if (!parsed.ok) return err(new InputError([{ field: 'number', message: parsed.error.userMessage }]));
  if (!INBOUND_SMS_COUNTRIES.has(parsed.value.country)) {
    return err(
      new InputError([
        {
          field: 'number',
          message: `${parsed.value.display} is a ${parsed.value.country} number: Wavix activates inbound SMS on US and Canadian numbers only. For other countries ask Wavix support whether the number can receive SMS.`,
        },
      ]),
    );
  }
  const found = await findAccountNumber(services, parsed.value.e164);
  if (!found.ok) return found;
  const profile = await services.wavix.profile.get();
  const accountWebhook = accountWebhooksOf(profile).smsRelayUrl || null;
  const smsopsInbound = services.smsopsWebhooks?.inbound ?? null;
  if (found.value.sms_enabled) {
    return ok({ number: toNumberState(found.value, accountWebhook, smsopsInbound), alreadyActive: true });
  }
  const updated = await services.wavix.numbers.enableInboundSms(found.value.id);
  services.setupChanged?.();
  return ok({ number: toNumberState(updated, accountWebhook, smsopsInbound), alreadyActive: false });
}
