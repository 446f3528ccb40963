import { createHash } from 'node:crypto';
import { AppError, err, ok, type Result } from '../errors.js';
import { attempt, checkMayChange, performChange } from './access.js';
import { checkDestinationUrl } from './destinationUrls.js';
import { InputError } from './inputError.js';
import { createKeyedSerial } from './keyedSerial.js';
import { accountWebhooksOf } from './model/accountWebhooks.js';
import { findAccountNumber } from './numbers.js';
import { formatPhoneForPeople, INBOUND_SMS_COUNTRIES, parsePhoneNumber } from './phone.js';
import { publicBaseUnreachable } from './publicBaseReach.js';
import type { Actor, SetupServices, SmsopsWebhookUrls } from './services.js';
import { encodeCopiedUrl, maskUrl } from './urls.js';

/** smsops' own webhook URLs: where Wavix must post inbound messages and delivery reports. */
export function smsopsWebhookUrls(
  publicBaseUrl: string | undefined,
  secret: string,
  previousSecrets: readonly string[] = [],
  /** WEBHOOK_SECRET_PREVIOUS_DLR: only their delivery report URL is still smsops'. */
  dlrOnlySecrets: readonly string[] = [],
): SmsopsWebhookUrls | null {
  if (!publicBaseUrl) return null;
  const base = publicBaseUrl.replace(/\/+$/, '');
  const urls = (s: string) => ({ inbound: `${base}/webhooks/wavix/inbound/${s}`, dlr: `${base}/webhooks/wavix/dlr/${s}` });
  return {
    ...urls(secret),
    previous: [...previousSecrets.flatMap((s) => Object.values(urls(s))), ...dlrOnlySecrets.map((s) => urls(s).dlr)],
  };
}

/** Whether the URL is smsops' own under a secret of WEBHOOK_SECRET_PREVIOUS (taken for now, to be moved to the current one). */
export function isPreviousSmsopsUrl(webhooks: SmsopsWebhookUrls | null | undefined, url: string | null): boolean {
  return url !== null && (webhooks?.previous ?? []).includes(url);
}

export interface WebhookChangeRequest {
  /** `default` (the account default) or a number as typed. */
  target: string;
  /** Omitted: smsops' own inbound URL. */
  url?: string | undefined;
}

export interface WebhookSlot {
  kind: 'inbound' | 'dlr';
  current: string | null;
  next: string;
  /** `current` is smsops' own URL with a previous webhook secret: replacing it moves Wavix to the current secret. */
  currentIsPreviousSmsops: boolean;
}

/** What `webhook set` would do, read from Wavix before anything changes. */
export interface WebhookPlan {
  target: 'default' | { e164: string; wavixId: number };
  /** For people: "the account default" or the number. */
  targetLabel: string;
  slots: WebhookSlot[];
  /** Slots whose current URL is set and differs: replacing them needs the user's confirmation. */
  replaces: WebhookSlot[];
  unchanged: boolean;
  /** Why Wavix is unlikely to reach the URL (loopback, private), explicit or PUBLIC_BASE_URL's: said in the reply; else null. */
  destinationNote: string | null;
}

/**
 * Wavix holds another URL than the one the person saw: their confirmation is outdated, or (never asked, since the URL
 * was unset or already smsops' when the command read it) another change wrote a different URL meanwhile. The second
 * was once told "since you were asked to confirm" too, when slow Wavix let two changes of one webhook overlap: words
 * about a question the person never saw.
 */
export class ConfirmationOutdatedError extends AppError {
  constructor(targetLabel: string, confirmed = true) {
    super(
      confirmed
        ? `webhook of ${targetLabel} changed since the confirmation was shown`
        : `webhook of ${targetLabel} changed to another URL while it was being set`,
      confirmed
        ? `The webhook of ${targetLabel} changed since you were asked to confirm; nothing was changed. Run the command again to see the current one.`
        : `The webhook of ${targetLabel} was set to another URL (another change, made meanwhile) while smsops was setting yours; nothing was changed. Run the command again to see the current one and replace it if you mean to.`,
    );
    this.name = 'ConfirmationOutdatedError';
  }
}

const NO_PUBLIC_URL = new InputError([
  {
    field: 'url',
    message:
      'smsops does not know its public URL (PUBLIC_BASE_URL is not set), so it cannot point Wavix at itself. Set PUBLIC_BASE_URL, or give the URL explicitly.',
  },
]);

/**
 * Reads the current webhook(s) of the target and says what would change. The account default gets smsops' delivery
 * report URL too when it is pointed at smsops, so delivery reports reach the traffic watch.
 */
export async function planWebhookChange(
  services: SetupServices,
  actor: Actor,
  request: WebhookChangeRequest,
): Promise<Result<WebhookPlan>> {
  const allowed = await checkMayChange(services, actor, { action: 'webhook.set', target: request.target });
  if (!allowed.ok) return allowed;
  const url = request.url?.trim() || undefined;
  let destinationNote: string | null = null;
  if (url !== undefined) {
    const destination = checkDestinationUrl(url, 'wavix');
    if (!destination.ok) return destination;
    destinationNote = destination.value.note;
  }
  if (url === undefined && !services.smsopsWebhooks) return err(NO_PUBLIC_URL);
  // Said, not refused: the emulator, a Wavix stand-in on this host, reaches it; the real Wavix writes it and never calls.
  if (url === undefined && services.smsopsWebhooks && !services.wavixOnThisHost) {
    // Judged on PUBLIC_BASE_URL itself, as the start judges it: the path smsops put after it is its own.
    destinationNote = publicBaseUnreachable(services.smsopsWebhooks.inbound.replace(/\/webhooks\/wavix\/inbound\/[^/]*$/, ''));
  }
  // Wavix gets the URL with its spaces encoded, so that is also the form compared with what Wavix holds.
  const inboundNext = encodeCopiedUrl(url ?? services.smsopsWebhooks?.inbound ?? '');
  const target = request.target.trim().toLowerCase() === 'default' ? 'default' : request.target;

  if (target === 'default') {
    const profile = await attempt('read the account webhooks', () => services.wavix.profile.get());
    if (!profile.ok) return profile;
    const current = accountWebhooksOf(profile.value);
    const slots: WebhookSlot[] = [slotOf(services, 'inbound', current.smsRelayUrl || null, inboundNext)];
    if (url === undefined && services.smsopsWebhooks) {
      slots.push(slotOf(services, 'dlr', current.dlrRelayUrl || null, services.smsopsWebhooks.dlr));
    }
    return ok(planOf('default', 'the account default', slots, destinationNote));
  }

  const number = await findAccountNumber(services, target);
  if (!number.ok) return number;
  if (!number.value.sms_enabled) {
    const display = formatPhoneForPeople(`+${number.value.number}`);
    // `enable-inbound` refuses other countries: their numbers are never sent to it.
    const enable = INBOUND_SMS_COUNTRIES.has(number.value.country_short_name.toUpperCase())
      ? `Run \`/sms number enable-inbound ${display}\` first.`
      : 'Wavix activates inbound SMS itself on US and Canadian numbers only: ask Wavix support whether this one can receive SMS.';
    return err(
      new InputError([
        {
          field: 'number',
          message: `${display} is not SMS-enabled, and Wavix keeps an SMS webhook only on SMS-enabled numbers. ${enable}`,
        },
      ]),
    );
  }
  const e164 = `+${number.value.number}`;
  return ok(
    planOf(
      { e164, wavixId: number.value.id },
      formatPhoneForPeople(e164),
      [slotOf(services, 'inbound', number.value.sms_relay_url || null, inboundNext)],
      destinationNote,
    ),
  );
}

function slotOf(services: SetupServices, kind: WebhookSlot['kind'], current: string | null, next: string): WebhookSlot {
  return { kind, current, next, currentIsPreviousSmsops: isPreviousSmsopsUrl(services.smsopsWebhooks, current) };
}

function planOf(
  target: WebhookPlan['target'],
  targetLabel: string,
  slots: WebhookSlot[],
  destinationNote: string | null,
): WebhookPlan {
  const replaces = slots.filter((s) => s.current !== null && s.current !== s.next);
  return { target, targetLabel, slots, replaces, unchanged: slots.every((s) => s.current === s.next), destinationNote };
}

/**
 * What a confirmation carries of the URL it replaces: a fingerprint, not the URL, since it travels in a Slack button
 * value and PortSIP's URL holds a credential (its per-configuration UUID).
 */
export function webhookFingerprint(url: string | null): string | null {
  return url === null ? null : createHash('sha256').update(url).digest('base64url').slice(0, 22);
}

/**
 * One webhook change at a time per target (the account default, or one number) in this process: a change reads what
 * Wavix holds, checks it against what its confirmation showed and writes, so a second change confirmed at the same
 * moment must read after the first wrote, or both pass the check and the first is silently overwritten.
 */
const oneChangePerTarget = createKeyedSerial();

function targetKey(target: string): string {
  if (target.trim().toLowerCase() === 'default') return 'default';
  const parsed = parsePhoneNumber(target);
  return parsed.ok ? parsed.value.e164 : target.trim();
}

/**
 * Applies a webhook change. When it replaces a different URL, `confirmedCurrent` must repeat the fingerprint of the
 * URL the user saw and confirmed; if Wavix's value changed meanwhile (another admin's change confirmed first
 * included) nothing is written: no silent overwrite of PortSIP's URL.
 */
export async function applyWebhookChange(
  services: SetupServices,
  actor: Actor,
  request: WebhookChangeRequest & { confirmedCurrent?: string | null | undefined },
): Promise<Result<WebhookPlan>> {
  // Filled in once Wavix's current URLs are read: what was replaced, and by what (masked: everyone reads the audit).
  const params: Record<string, unknown> = { explicitUrl: request.url !== undefined };
  return performChange(services, actor, { action: 'webhook.set', target: request.target, params }, async () => {
    const written = await oneChangePerTarget(targetKey(request.target), () => planCheckAndWrite(services, actor, request));
    if (written.ok) Object.assign(params, webhookAuditParams(written.value));
    return written;
  });
}

/**
 * What a webhook change records of each webhook, before and after (null: none), masked: without it `/sms audit` said
 * only "webhook.set default: ok", and whoever pointed Wavix away from smsops (or where it pointed before) could not be
 * told afterwards.
 */
export function webhookAuditParams(plan: WebhookPlan): Record<string, string | null> {
  const masked = (url: string | null) => (url ? maskUrl(url) : null);
  const params: Record<string, string | null> = {};
  for (const slot of plan.slots) {
    params[`${slot.kind}Before`] = masked(slot.current);
    params[`${slot.kind}After`] = masked(slot.next);
  }
  return params;
}

async function planCheckAndWrite(
  services: SetupServices,
  actor: Actor,
  request: WebhookChangeRequest & { confirmedCurrent?: string | null | undefined },
): Promise<Result<WebhookPlan>> {
  const planned = await planWebhookChange(services, actor, request);
  if (!planned.ok) return planned;
  const plan = planned.value;
  const inbound = plan.slots.find((s) => s.kind === 'inbound');
  if (
    plan.replaces.length > 0 &&
    (request.confirmedCurrent === undefined || request.confirmedCurrent !== webhookFingerprint(inbound?.current ?? null))
  ) {
    return err(new ConfirmationOutdatedError(plan.targetLabel, request.confirmedCurrent !== undefined));
  }
  // Pointed elsewhere on purpose, through smsops: the watch must not call that drift. Said before Wavix is asked, and
  // when Wavix holds it already: a change Wavix applied but smsops did not live to record (a crash, a stop) is asked
  // again, answered "nothing changed", and must still end the drift alert it raised.
  const subject = plan.target === 'default' ? 'account' : plan.target.e164.replace(/^\+/, '');
  const smsopsInbound = services.smsopsWebhooks?.inbound;
  if (inbound && inbound.next !== smsopsInbound) services.watchBaseline?.forgetPointing(subject);
  // What Wavix holds now, as it answered (the plan's read when nothing changed, else the write's answer).
  let held = inbound?.current ?? null;
  if (!plan.unchanged) {
    if (plan.target === 'default') {
      const body: { sms_relay_url?: string; dlr_relay_url?: string } = {};
      for (const slot of plan.slots) body[slot.kind === 'inbound' ? 'sms_relay_url' : 'dlr_relay_url'] = slot.next;
      held = accountWebhooksOf(await services.wavix.profile.setDefaultWebhooks(body)).smsRelayUrl || null;
    } else {
      held = (await services.wavix.numbers.update(plan.target.wavixId, { sms_relay_url: inbound?.next ?? null })).sms_relay_url;
    }
  }
  // Once Wavix holds smsops' URL, moving it away is drift even before a watch run has seen it (one is due in up to
  // 5 minutes; a portal change meanwhile was never alerted). Only as Wavix answered it, compared as the watch does.
  if (inbound && smsopsInbound !== undefined && held === smsopsInbound) {
    services.watchBaseline?.record(subject, { pointingAtSmsops: true, inboundActive: false });
  }
  services.setupChanged?.();
  return ok(plan);
}
