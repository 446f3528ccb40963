import { ok, type Result } from '../errors.js';
import { attempt } from './access.js';
import { InputError } from './inputError.js';
import { parseIsoTime } from './isoTime.js';
import { hourStartOf, normaliseTrafficNumber } from './model/traffic.js';
import { STATUS_PROGRESS, UNKNOWN_STATUS_PROGRESS } from './model/wavixDeliveryStatus.js';
import { readOutboundWindow, type WindowReadSummary } from './outboundWindow.js';
import { parsePhoneNumber, toWavixDigits } from './phone.js';
import type { DeliveryReportsRepository } from './ports/deliveryReports.js';
import type { TrafficRepository } from './ports/traffic.js';
import type { ListedMessage, WavixGateway } from './ports/wavix.js';
import { instantAt, wallAt } from './zoneClock.js';

export const TRAFFIC_PERIODS = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 } as const;
export type TrafficPeriod = keyof typeof TRAFFIC_PERIODS;
export const DEFAULT_TRAFFIC_PERIOD: TrafficPeriod = '24h';

// --- Pulling outbound records from Wavix ----------------------------------------------------------------------

const progressOf = (status: string) => STATUS_PROGRESS[status] ?? UNKNOWN_STATUS_PROGRESS;

/**
 * Which status to keep when a listing meets what smsops already stored. A listing is a snapshot taken when its page
 * was read, and a delivery report may have been stored since (they arrive by webhook at any moment), so the listing
 * cannot be trusted to be newer. Progress can: a listed status further along than the stored one is news (a report
 * smsops missed), anything else is an older view and the stored status stays. Two different outcomes never happen
 * to one message, so on a tie the stored one (from the report Wavix pushed) wins.
 */
export function statusToKeep(stored: string | undefined, listed: string): string {
  if (stored === undefined || stored === listed) return listed;
  return progressOf(listed) > progressOf(stored) ? listed : stored;
}

export interface SyncOutboundDeps {
  wavix: Pick<WavixGateway, 'messages'>;
  deliveryReports: Pick<DeliveryReportsRepository, 'upsertOutbound' | 'outboundStatus'>;
  traffic: Pick<TrafficRepository, 'refreshInSteps'>;
  now: () => number;
}

/**
 * Stores one listed message; true when smsops had not stored it before. `unreadAt` stands in for a submitted_at and
 * sent_at smsops could not read, on the first sighting only: later ones keep the hour it was first counted in.
 */
function storeListed(
  deps: SyncOutboundDeps,
  message: ListedMessage,
  submittedAt: number | null,
  unreadAt: number | null,
): boolean {
  // Read and write with no await between them: no delivery report can be stored in between (one event loop).
  const stored = deps.deliveryReports.outboundStatus(message.message_id);
  const status = statusToKeep(stored?.status, message.status);
  const kept = deps.deliveryReports.upsertOutbound({
    wavixMessageId: message.message_id,
    fromNumber: message.from,
    toNumber: message.to,
    status,
    errorMessage: status === message.status ? (message.error_message ?? null) : (stored?.errorMessage ?? null),
    segments: message.segments ?? null,
    charge: message.charge ?? null,
    tag: message.tag ?? null,
    submittedAt: submittedAt ?? (stored === undefined ? unreadAt : null),
    sentAt: parseIsoTime(message.sent_at),
    deliveredAt: parseIsoTime(message.delivered_at),
  });
  // Null: a text to a customer `/sms forget` removed, not stored again.
  return kept !== null && stored === undefined;
}

/** Listed messages whose times smsops could not read, for one log line per run (no SMS text: ids and times only). */
export interface UnreadableTimes {
  count: number;
  /** The first one's id and submitted_at as Wavix wrote it, clipped. */
  example: { messageId: string; submittedAt: string } | null;
}

/**
 * Pulls the outbound messages sent in the last `lookbackMs` from Wavix (its export, exactly that window; else its paged
 * list from that UTC midnight: see readOutboundWindow), stores them (keeping statuses learnt from delivery reports, see
 * `statusToKeep`), then brings the hourly traffic of that window up to date. Wavix trouble comes back as an error
 * value; what was stored before it stays stored, and its hours stay marked for the next refresh. A read smsops cut at
 * its own limits is no error: what it read is stored and judged, and `window.cut` says so in words.
 */
export async function syncOutboundTraffic(
  deps: SyncOutboundDeps,
  options: { lookbackMs: number; exportLimits?: { maxBytes: number; maxMs: number } },
): Promise<Result<{ pulled: number; unreadableTimes: UnreadableTimes; window: WindowReadSummary }>> {
  const now = deps.now();
  const since = now - options.lookbackMs;
  const unreadableTimes: UnreadableTimes = { count: 0, example: null };
  let count = 0;
  let latest = now;
  const take = (message: ListedMessage): boolean => {
    const submittedAt = parseIsoTime(message.submitted_at);
    const listedAt = submittedAt ?? parseIsoTime(message.sent_at);
    // Wavix listed it, so it was sent: left out, it would vanish from the counts the failure-rate alert reads.
    // Without a readable time it counts when smsops first saw it (its delivery time, else now).
    const unreadAt = listedAt === null ? (parseIsoTime(message.delivered_at) ?? now) : null;
    const at = listedAt ?? unreadAt ?? now;
    // The export is asked for the window, but its zone is Wavix's word (see exportTimestamp): the window is cut here.
    if (at < since) return false;
    const isNew = storeListed(deps, message, submittedAt, unreadAt);
    if (unreadAt !== null && isNew) {
      unreadableTimes.example ??= {
        messageId: String(message.message_id).slice(0, 80),
        submittedAt: String(message.submitted_at ?? message.sent_at).slice(0, 40),
      };
      unreadableTimes.count++;
    }
    latest = Math.max(latest, at);
    count++;
    return true;
  };
  const read = await attempt('read the outbound messages from Wavix', () =>
    readOutboundWindow(deps.wavix, { since, lookbackMs: options.lookbackMs, limits: options.exportLimits }, take),
  );
  if (!read.ok) return read;
  // Every message just stored marked its hour stale: refreshing the window recomputes exactly those hours (and any
  // the webhooks touched meanwhile), the same rows as rebuilding the whole window.
  await deps.traffic.refreshInSteps(since, latest + 1);
  return ok({ pulled: count, unreadableTimes, window: read.value });
}

// --- The report --------------------------------------------------------------------------------------------------

export interface TrafficReportDeps {
  traffic: Pick<TrafficRepository, 'refreshInSteps' | 'hourly' | 'totals' | 'failureReasons'>;
  now: () => number;
}

/**
 * The traffic of the last period, in whole UTC hours: from the start of the hour `period` ago up to now, so the
 * figures cover at least the period and `fromMs` says exactly where they start. Inbound messages, PortSIP
 * deliveries and delivery reports change the hours between two pulls from Wavix: those hours are recomputed first
 * (only the hours that changed, not the whole window, which would hold the event loop for a week's scan; and a page of
 * messages at a time: the current hour of a busy relay holds a million).
 */
export async function trafficReport(deps: TrafficReportDeps, period: TrafficPeriod, number?: string) {
  const toMs = deps.now();
  return reportBetween(deps, period, hourStartOf(toMs - TRAFFIC_PERIODS[period]), toMs, number);
}

/**
 * The daily digest's figures: since the same wall-clock time a day before in the team's zone (SCHEDULE_TIMEZONE), from
 * the start of its UTC hour. The digest runs at a wall-clock time, 23 or 25 real hours apart across a daylight-saving
 * change: read as the last 24 hours, the spring digest counted an hour the one before had counted, and the autumn one
 * left an hour in no digest (a probe: 72 inbound said for the 69 received since the last one).
 */
export async function dailyDigestReport(deps: TrafficReportDeps, timeZone = 'UTC', lastDigestTo: number | null = null) {
  const toMs = deps.now();
  const DAY_MS = 86_400_000;
  const dayBefore = timeZone === 'UTC' ? toMs - DAY_MS : instantAt(wallAt(toMs, timeZone) + (toMs % 1000) - DAY_MS, timeZone);
  // A digest not posted (smsops stopped at its time, Slack refusing it) is not made up: read back only a day, the next
  // one left that day in no digest. It goes back to where the last posted one ended, at most DIGEST_MAX_DAYS.
  const usual = hourStartOf(dayBefore);
  const fromMs =
    lastDigestTo !== null && lastDigestTo < usual
      ? Math.max(hourStartOf(lastDigestTo), hourStartOf(toMs - DIGEST_MAX_DAYS * DAY_MS))
      : usual;
  return reportBetween(deps, '24h', fromMs, toMs);
}

/** How far back a digest goes after digests that were not posted: a week, as `/sms traffic 7d`. */
export const DIGEST_MAX_DAYS = 7;

async function reportBetween(deps: TrafficReportDeps, period: TrafficPeriod, fromMs: number, toMs: number, number?: string) {
  await deps.traffic.refreshInSteps(fromMs, toMs);
  const totals = deps.traffic.totals(fromMs, toMs, number);
  const settled = totals.delivered + totals.failed;
  return {
    period,
    fromMs,
    toMs,
    number: number === undefined ? null : normaliseTrafficNumber(number),
    totals,
    /** Delivered among the messages whose outcome is known; null when none is. */
    deliveryRate: settled === 0 ? null : totals.delivered / settled,
    topFailures: deps.traffic.failureReasons(fromMs, toMs, number),
    hourly: deps.traffic.hourly(fromMs, toMs, number),
  };
}

export type TrafficReport = Awaited<ReturnType<typeof reportBetween>>;

// --- `/sms traffic [1h|24h|7d] [number]` ------------------------------------------------------------------------

const PERIOD_LIKE = /^\d+[a-z]+$/i;
const PERIOD_CHOICES = Object.keys(TRAFFIC_PERIODS).join(', ');

const isPeriod = (word: string): word is TrafficPeriod => Object.hasOwn(TRAFFIC_PERIODS, word);

/**
 * Reads the period (first or last word; 24h when absent) and the number (the other words, so that a number typed
 * with spaces, `+1 415 555 0100`, arrives whole). The number is given back in Wavix's digits form.
 */
export function parseTrafficArgs(args: readonly string[]): { period: TrafficPeriod; number?: string } | InputError {
  const words = args.map((w) => w.trim()).filter((w) => w !== '');
  let period: TrafficPeriod = DEFAULT_TRAFFIC_PERIOD;
  const first = words[0]?.toLowerCase();
  const last = words.at(-1)?.toLowerCase();
  if (first !== undefined && isPeriod(first)) {
    period = first;
    words.shift();
  } else if (last !== undefined && words.length > 1 && isPeriod(last)) {
    period = last;
    words.pop();
  } else if (first !== undefined && PERIOD_LIKE.test(first)) {
    return new InputError([
      {
        field: 'period',
        message: `"${words[0]}" is not a period smsops reports: use ${PERIOD_CHOICES}, e.g. \`/sms traffic 7d +1 415 555 0100\`.`,
      },
    ]);
  }
  if (words.length === 0) return { period };
  const parsed = parsePhoneNumber(words.join(' '));
  if (!parsed.ok) return new InputError([{ field: 'number', message: parsed.error.userMessage }]);
  return { period, number: toWavixDigits(parsed.value.e164) };
}
