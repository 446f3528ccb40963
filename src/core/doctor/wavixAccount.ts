import type { SenderIdRecord } from '../model/senderId.js';
import type { NumberState, NumbersOverview } from '../numbers.js';
import { WavixCallFailure } from '../ports/wavixFailure.js';
import { syncSenderIds } from '../senderIds.js';
import { inlineText, oneLine } from '../text.js';
import { type CheckGroup, formatDate, reasonOf, shown, wavixRateLimitedWording, wavixUnreadable } from './context.js';
import type { DoctorCheck, DoctorFix } from './types.js';
import { afterProfile, SlowListing } from './wavixReads.js';

// ── 1. Wavix API key ─────────────────────────────────────────────────────────────────────────────────────────────

export const wavixKey: CheckGroup = {
  id: 'wavix-key',
  title: 'Wavix API key',
  readsWavix: true,
  run: async ({ deps }) => {
    try {
      const profile = await deps.services.wavix.profile.get();
      return [
        { id: 'wavix-key', title: 'Wavix API key', status: 'ok', reason: `Wavix accepts the key (account ${profile.id}).` },
      ];
    } catch (error) {
      if (error instanceof WavixCallFailure && error.kind === 'unauthorized') {
        return [
          {
            id: 'wavix-key',
            title: 'Wavix API key',
            status: 'failure',
            reason:
              'Wavix refused the API key (401 Unauthorized): nothing can be read or changed on Wavix. Check WAVIX_API_KEY (a key deleted or regenerated in the Wavix portal stops working at once) and that the key is not restricted to other IP addresses.',
          },
        ];
      }
      if (error instanceof WavixCallFailure && error.kind === 'rate_limited') {
        const reason = `${wavixRateLimitedWording(error)}, so the key was not checked: run \`/sms doctor\` again after that.`;
        return [{ id: 'wavix-key', title: 'Wavix API key', status: 'warning', reason }];
      }
      // The other Wavix checks are skipped pointing here (wavixUnreadable): this line says it for all of them.
      const reason =
        error instanceof WavixCallFailure && error.kind === 'forbidden'
          ? `${reasonOf(error)} Nothing else could be read from Wavix.`
          : `Wavix could not be read, so the key was not checked: ${reasonOf(error)}`;
      return [{ id: 'wavix-key', title: 'Wavix API key', status: 'failure', reason }];
    }
  },
};

// ── 2. Numbers: SMS, inbound on US/CA ────────────────────────────────────────────────────────────────────────────

// What Wavix holds (a label, a country, even the number) is outside text: one inline run, never a line of its own.
function numberTitle(n: NumberState): string {
  return inlineText(`Number ${n.display} (${n.country})${n.label ? ` · ${n.label}` : ''}`);
}

/**
 * A number without SMS is a voice DID unless smsops is told to relay SMS for it (a route of its own): on a PBX most
 * DIDs are voice-only, and flagging each buried the few real problems.
 */
function numberCheck(n: NumberState, routed: boolean): DoctorCheck {
  const base = { id: `number:${n.e164}`, title: numberTitle(n), number: n.e164 };
  if (n.inboundPossible) {
    if (n.inboundActive) {
      return { ...base, status: 'ok', finding: 'sms-inbound-active', reason: 'SMS enabled; inbound SMS active.' };
    }
    const fix: DoctorFix = { actionId: 'enable_inbound', value: n.e164, label: 'Enable inbound SMS' };
    if (!routed) {
      return {
        ...base,
        status: 'ok',
        finding: 'voice-only',
        reason: 'Voice only: inbound SMS is not active. Expected for a voice DID; enable it if this number should receive SMS.',
        fix,
      };
    }
    return {
      ...base,
      status: 'failure',
      finding: 'inbound-inactive',
      reason: `Inbound SMS is not active: SMS sent to this number never reach smsops, PortSIP or Slack, although smsops has a route for it. \`/sms number enable-inbound ${n.e164}\` activates it; if it should not receive SMS, \`/sms route remove ${n.e164}\` removes its route.`,
      fix,
    };
  }
  if (n.smsEnabled) {
    return {
      ...base,
      status: 'ok',
      finding: 'sms-send-only',
      reason: `SMS enabled (sending). Wavix activates inbound SMS through its API on US and Canadian numbers only; for this ${inlineText(n.country)} number ask Wavix support if it should receive SMS.`,
    };
  }
  if (!routed) {
    return {
      ...base,
      status: 'ok',
      finding: 'voice-only',
      reason:
        'Voice only (no SMS). Expected for a voice DID; outside the US and Canada Wavix enables SMS on request (Wavix support).',
    };
  }
  return {
    ...base,
    status: 'warning',
    finding: 'sms-not-enabled',
    reason: `SMS is not enabled, although smsops has a route for it: the number can neither send nor receive SMS, so no SMS for the route will come. Outside the US and Canada Wavix enables SMS on request (Wavix support); if it should not receive SMS, \`/sms route remove ${n.e164}\` removes its route.`,
  };
}

export const numbersGroup: CheckGroup = {
  id: 'numbers',
  title: 'Numbers',
  readsWavix: true,
  run: async ({ deps, numbers }) => {
    const overview = await numbers();
    if (!overview.ok && overview.error instanceof SlowListing) {
      return [{ id: 'numbers', title: 'Numbers', status: 'warning', reason: overview.error.userMessage }];
    }
    if (!overview.ok) return [wavixUnreadable(numbersGroup, overview.error)];
    if (overview.value.numbers.length === 0) {
      return [{ id: 'numbers', title: 'Numbers', status: 'warning', reason: 'There are no numbers on this Wavix account.' }];
    }
    const routed = new Set(deps.services.routes.list().map((route) => route.number));
    const checks = overview.value.numbers.map((n) => numberCheck(n, routed.has(n.e164)));
    if (!overview.value.numbers.some((n) => n.smsEnabled)) {
      checks.unshift({
        id: 'numbers',
        title: 'Numbers',
        status: 'warning',
        reason: 'No number on the account has SMS enabled: smsops can neither send nor receive SMS.',
      });
    }
    return checks;
  },
};

// ── 3. Sender IDs ────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * How long a country may stay pending before a Sender ID approved nowhere is a failure, not a wait. Wavix documents
 * no review time (countries needing paperwork are "highlighted" in its portal, notes §2.4), so two weeks is smsops'
 * own line, not a documented figure: room for a manual review, short enough that a request stuck on paperwork is seen.
 */
export const SENDER_ID_PENDING_TOO_LONG_MS = 14 * 86_400_000;

/**
 * What `/sms senderid create` takes for it (its text, or a numeric sender's number with its `+`), in inline code so it
 * can be copied: Wavix's value kept on one line, a backtick in it shown as `'` (it could not end the code early).
 */
const codeSafe = (text: string) => oneLine(text).replaceAll('`', "'");
const createCommand = (record: SenderIdRecord) =>
  `\`/sms senderid create ${codeSafe(record.type === 'alphanumeric' ? record.value : `+${record.value.replace(/^\+/, '')}`)} <countries>\``;

/** A country's best state over the records that name it: one approval is enough to send. */
const STATUS_RANK: Record<string, number> = { approved: 3, pending: 2, rejected: 1, removed: 0 };

/**
 * One finding per Sender ID (value and type), whatever the number of Wavix records it is split over (a second
 * request for other countries is a second record): each record's Wavix id and countries are named in the one row.
 */
function senderIdCheck(records: readonly SenderIdRecord[], now: number): DoctorCheck {
  const first = records[0] as SenderIdRecord;
  const base = {
    id: `senderid:${first.wavixId}`,
    title: inlineText(`Sender ID ${first.value} (${first.type})`),
    // A numeric sender is a number: `/sms doctor ignore` takes it. An alphanumeric one has no number to ignore by.
    ...(first.type === 'alphanumeric' ? {} : { number: `+${first.value.replace(/^\+/, '')}` }),
  };
  const best = new Map<string, SenderIdRecord['countries'][number]>();
  const named = new Map<string, number>();
  for (const record of records) {
    for (const c of record.countries) {
      named.set(c.country, (named.get(c.country) ?? 0) + 1);
      const known = best.get(c.country);
      if (!known || (STATUS_RANK[c.status] ?? 0) > (STATUS_RANK[known.status] ?? 0)) best.set(c.country, c);
    }
  }
  const countries = [...best.values()].sort((a, b) => a.country.localeCompare(b.country));
  const having = (status: string) => countries.filter((c) => c.status === status).map((c) => c.country);
  const approved = having('approved');
  const pending = having('pending');
  const rejected = countries
    .filter((c) => c.status === 'rejected')
    .map((c) => (c.reason ? `${c.country} (${c.reason})` : c.country));
  const approvedPart = approved.length > 0 ? `Approved for ${approved.join(', ')}.` : 'Approved for no country yet.';
  const rejectedPart = rejected.length > 0 ? ` Rejected for ${rejected.join(', ')}.` : '';
  const twice = [...named].filter(([, n]) => n > 1).map(([country]) => country);
  const recordsPart =
    records.length > 1
      ? ` On ${records.length} Wavix records: ${records
          .map((r) => `${r.wavixId} (${r.countries.map((c) => c.country).join(', ') || 'no countries'})`)
          .join(
            '; ',
          )}.${twice.length > 0 ? ` ${twice.join(', ')} ${twice.length === 1 ? 'is' : 'are'} requested on more than one.` : ''}`
      : '';
  const fix = `${createCommand(first)} requests countries for it (\`/sms senderid status ${codeSafe(first.wavixId)}\` shows where it stands).`;
  // Its value, countries, ids and rejection reasons come from Wavix or a person: all of it one inline run.
  const removed = having('removed');
  if (approved.length === 0 && pending.length === 0 && rejected.length === 0) {
    const why =
      removed.length > 0
        ? `Every country it had was removed (${removed.join(', ')} no longer in Wavix's allowlist)`
        : 'No destination country: it was created without one';
    return {
      ...base,
      status: 'failure',
      reason: `${inlineText(`${why}, so it can send nowhere.${recordsPart}`)} ${fix}`,
    };
  }
  const stalledSince = (c: SenderIdRecord['countries'][number]) => now - c.statusChangedAt >= SENDER_ID_PENDING_TOO_LONG_MS;
  const pendingCountries = countries.filter((c) => c.status === 'pending');
  if (approved.length === 0 && pendingCountries.every(stalledSince)) {
    const oldest = Math.min(...pendingCountries.map((c) => c.statusChangedAt));
    const stalled =
      pending.length > 0
        ? ` Pending for ${pending.join(', ')} since ${formatDate(oldest)}, over ${SENDER_ID_PENDING_TOO_LONG_MS / 86_400_000} days: the Wavix portal shows whether a country waits for paperwork, else ask Wavix support.`
        : '';
    const rejectedAll = rejected.length > 0 ? ` Rejected for ${rejected.join(', ')}.` : '';
    return {
      ...base,
      status: 'failure',
      reason: `${inlineText(`Approved for no country, so it can send nowhere.${rejectedAll}${stalled}${recordsPart}`)} ${fix}`,
    };
  }
  if (pending.length > 0) {
    return {
      ...base,
      status: 'warning',
      reason: inlineText(
        `${approvedPart} Pending for ${pending.join(', ')}: SMS from it to ${pending.length === 1 ? 'that country' : 'those countries'} fail until the carriers approve it.${rejectedPart}${recordsPart}`,
      ),
    };
  }
  const reason = inlineText(`${approvedPart}${rejectedPart}${recordsPart}`);
  if (approved.length === 0) return { ...base, status: 'failure', reason };
  return { ...base, status: rejected.length > 0 ? 'warning' : 'ok', reason };
}

/** The records of each Sender ID (same type and value), in the order the first of each appears. */
function bySenderId(records: readonly SenderIdRecord[]): SenderIdRecord[][] {
  const groups = new Map<string, SenderIdRecord[]>();
  for (const record of records) {
    const key = `${record.type}:${record.type === 'alphanumeric' ? record.value : record.value.replace(/^\+/, '')}`;
    const group = groups.get(key);
    if (group) group.push(record);
    else groups.set(key, [record]);
  }
  return [...groups.values()];
}

export const senderIdsGroup: CheckGroup = {
  id: 'senderids',
  title: 'Sender IDs',
  readsWavix: true,
  run: async ({ deps }) => {
    const overview = await syncSenderIds(deps.services);
    if (overview.staleBecause) {
      return [wavixUnreadable(senderIdsGroup, await afterProfile(deps.services.wavix, overview.staleBecause))];
    }
    const live = overview.records.filter((r) => r.deletedAt === null);
    if (live.length === 0) {
      return [
        {
          id: 'senderids',
          title: 'Sender IDs',
          status: 'warning',
          reason:
            'No Sender ID on the account: SMS to countries that require a registered sender fail. `/sms senderid create` requests one.',
        },
      ];
    }
    const now = deps.relay.now();
    return bySenderId(live).map((records) => senderIdCheck(records, now));
  },
};

// ── 4. Webhooks: account default and each number ─────────────────────────────────────────────────────────────────

const NO_PUBLIC_URL_REASON =
  'PUBLIC_BASE_URL is not set: smsops has no address Wavix could deliver inbound SMS to, and cannot tell whether the webhooks point at it. Set PUBLIC_BASE_URL to the https address where smsops is reachable from the internet, restart smsops, then run `/sms webhook set`.';

const AT_PREVIOUS_SECRET =
  'smsops’ URL with its previous webhook secret: inbound SMS reach smsops only while WEBHOOK_SECRET_PREVIOUS holds that secret. Point it at smsops’ current URL before removing the old secret.';

function accountWebhookCheck(overview: NumbersOverview): DoctorCheck {
  const base = { id: 'webhook:default', title: 'Account default inbound webhook' };
  if (overview.accountPointsAtSmsops) return { ...base, status: 'ok', reason: 'Points at smsops.' };
  // A rotation left half done: smsops takes that URL for now, so not "elsewhere", but it stops when the setting goes.
  if (overview.accountPointsAtPreviousSmsops) {
    return {
      ...base,
      status: 'warning',
      reason: `It is ${AT_PREVIOUS_SECRET}`,
      fix: { actionId: 'point_webhook_at_smsops', value: 'default', label: 'Point default at smsops' },
    };
  }
  // Every active number without a webhook of its own relies on the default, whether or not one is set.
  const relying = overview.numbers.filter((n) => n.inboundActive && n.numberWebhook === null).length;
  const current = overview.accountWebhook ? `is ${shown(overview.accountWebhook)}, not smsops` : 'is not set';
  const effect =
    relying > 0
      ? `: inbound SMS to the ${relying} number${relying === 1 ? '' : 's'} without a webhook of their own go ${overview.accountWebhook ? 'elsewhere' : 'nowhere'}.`
      : ': no active number uses it today, but every number without its own webhook will.';
  return {
    ...base,
    status: relying > 0 ? 'failure' : 'warning',
    reason: `It ${current}${effect}`,
    fix: { actionId: 'point_webhook_at_smsops', value: 'default', label: 'Point default at smsops' },
  };
}

function numberWebhookCheck(n: NumberState): DoctorCheck {
  const base = { id: `webhook:${n.e164}`, title: inlineText(`Inbound webhook of ${n.display}`), number: n.e164 };
  if (n.pointsAtSmsops) {
    return {
      ...base,
      status: 'ok',
      finding: 'webhook-ok',
      reason:
        n.webhookSource === 'number'
          ? 'Its own webhook (a number-level override) points at smsops.'
          : 'Uses the account default, which points at smsops.',
    };
  }
  const fix: DoctorFix = { actionId: 'point_webhook_at_smsops', value: n.e164, label: 'Point webhook at smsops' };
  if (n.pointsAtPreviousSmsops) {
    const own = n.webhookSource === 'number';
    return {
      ...base,
      status: 'warning',
      finding: 'webhook-previous-secret',
      reason: own
        ? `Its own webhook (a number-level override) is ${AT_PREVIOUS_SECRET}`
        : 'It uses the account default, which is smsops’ URL with its previous webhook secret (see “Account default inbound webhook”).',
      ...(own && n.smsEnabled ? { fix } : {}),
    };
  }
  if (n.webhookSource === 'number' && n.numberWebhook) {
    return {
      ...base,
      status: 'failure',
      finding: 'webhook-elsewhere',
      reason: `It has its own webhook, a number-level override that wins over the account default: ${shown(n.numberWebhook)}, not smsops. Its inbound SMS bypass smsops.`,
      ...(n.smsEnabled ? { fix } : {}),
    };
  }
  if (n.webhookSource === 'account') {
    return {
      ...base,
      status: 'failure',
      finding: 'webhook-via-broken-default',
      reason: 'It uses the account default, which does not point at smsops (see “Account default inbound webhook”).',
    };
  }
  return {
    ...base,
    status: 'failure',
    finding: 'webhook-missing',
    reason: 'No webhook: neither its own nor an account default, so Wavix has nowhere to deliver its inbound SMS.',
    fix,
  };
}

export const webhooksGroup: CheckGroup = {
  id: 'webhooks',
  title: 'Inbound webhooks',
  readsWavix: true,
  run: async ({ deps, numbers }) => {
    if (!deps.services.smsopsWebhooks) {
      return [{ id: 'webhooks', title: 'Inbound webhooks', status: 'failure', reason: NO_PUBLIC_URL_REASON }];
    }
    const overview = await numbers();
    if (!overview.ok) return [wavixUnreadable(webhooksGroup, overview.error)];
    const relevant = overview.value.numbers.filter((n) => n.inboundActive || n.numberWebhook !== null);
    return [accountWebhookCheck(overview.value), ...relevant.map(numberWebhookCheck)];
  },
};
