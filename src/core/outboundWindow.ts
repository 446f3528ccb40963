import type { ListedMessage, WavixGateway } from './ports/wavix.js';
import { WavixCallFailure } from './ports/wavixFailure.js';
import { duration } from './wording.js';

/**
 * How much of the export one read takes: an account sending 100,000 SMS in the window is about 45 MB of NDJSON,
 * read and stored in seconds. Past either limit the read stops and what it read is judged, with words saying so: a
 * watch run every 5 minutes must end well within its 10-minute time limit.
 */
export const EXPORT_LIMITS = { maxBytes: 256 * 1024 * 1024, maxMs: 4 * 60_000 } as const;

/** Statuses by which Wavix says the export is not there for this account or key: the paged list is read instead. */
const EXPORT_REFUSED = new Set([403, 404, 405]);

/**
 * Wavix's export takes `YYYY-MM-DDTHH:MM:SS` with no zone, and its description does not say whether that is UTC or
 * the account's time zone. smsops takes it as UTC, as it takes every Wavix time without a zone (parseIsoTime) and the
 * paged list's day. Were it the account's zone east of UTC, the export would start earlier (more read, cut here);
 * west of UTC, it would start later and miss that many hours' start of the window.
 */
export const exportTimestamp = (ms: number): string => new Date(ms).toISOString().slice(0, 19);

export interface WindowReadSummary {
  /** Where the window was read from: the export, or the paged list (the export refused, see `exportRefused`). */
  source: 'export' | 'list';
  /** Why the export was not read, in words (its HTTP status), when the paged list was. */
  exportRefused: string | null;
  /** Export lines that were no message, skipped: how many, and the first one's number and fault (never its text). */
  malformed: { count: number; first: { line: number; problem: string } | null };
  /** Why smsops stopped before the end of the window, in words for the operator; null when it read it whole. */
  cut: null | { by: 'size' | 'time' | 'pages'; words: string };
}

const sizeOf = (bytes: number) =>
  bytes < 1024 * 1024 ? `${Math.round(bytes / 1024)} KB` : `${Math.round(bytes / 1024 / 1024)} MB`;

function refusalOf(error: unknown): number | null {
  return error instanceof WavixCallFailure && error.status !== undefined && EXPORT_REFUSED.has(error.status)
    ? error.status
    : null;
}

/**
 * Reads Wavix's outbound messages sent since `since`, passing each to `take` (which returns whether it was within the
 * window and kept). The export (`GET /v3/messages/all`) is asked for exactly the window; where Wavix does not offer it
 * (404, 405) or not to this key (403), the paged list is read from the window's UTC midnight, as before: a large
 * sender's day then costs a page per 100 messages, up to the page cap. Wavix trouble other than that throws.
 * Wavix documents neither list's order: a read cut short has read some part of the window, which one is not known.
 */
export async function readOutboundWindow(
  wavix: Pick<WavixGateway, 'messages'>,
  window: { since: number; lookbackMs: number; limits?: { maxBytes: number; maxMs: number } },
  take: (message: ListedMessage) => boolean,
): Promise<WindowReadSummary> {
  const summary: WindowReadSummary = { source: 'export', exportRefused: null, malformed: { count: 0, first: null }, cut: null };
  const limits = window.limits ?? EXPORT_LIMITS;
  const span = duration(window.lookbackMs);
  let kept = 0;
  let seen = false;
  let refusedStatus = 0;
  try {
    const events = wavix.messages.export({ type: 'outbound', sent_after: exportTimestamp(window.since) }, limits);
    for await (const event of events) {
      seen = true;
      if (event.kind === 'message') {
        if (take(event.message)) kept += 1;
      } else if (event.kind === 'malformed') {
        summary.malformed.count += 1;
        summary.malformed.first ??= { line: event.line, problem: event.problem };
      } else {
        const why =
          event.by === 'size'
            ? `at its limit of ${sizeOf(limits.maxBytes)} a run (${kept} messages of the window read): the account sends more than one run reads`
            : `at its limit of ${duration(limits.maxMs)} a run (${kept} messages of the window read, ${sizeOf(event.bytes)}): Wavix sent the window slower than one run waits for`;
        summary.cut = {
          by: event.by,
          words: `smsops stopped reading Wavix's export of the last ${span} of outbound messages ${why}. The failure rate was judged from the messages read and the delivery reports received; Wavix does not document the export's order, so which part of the window was read is not known`,
        };
      }
    }
    return summary;
  } catch (error) {
    const status = refusalOf(error);
    if (status === null || seen) throw error;
    summary.source = 'list';
    refusedStatus = status;
    summary.exportRefused = `Wavix's message export (GET /v3/messages/all) answered HTTP ${status}: the traffic watch reads the paged list from UTC midnight instead, a page per 100 messages`;
  }
  // The list takes a day, not a time: it starts at that UTC midnight and `take` cuts the window.
  const day = exportTimestamp(window.since).slice(0, 10);
  try {
    for await (const message of wavix.messages.iterate({ type: 'outbound', sent_after: day })) {
      if (take(message)) kept += 1;
    }
  } catch (error) {
    if (!(error instanceof WavixCallFailure && error.kind === 'listing_too_long')) throw error;
    summary.cut = {
      by: 'pages',
      words: `${error.userMessage} That list starts at ${day} 00:00 UTC, and Wavix's export, which reads only the last ${span}, is not available to smsops (HTTP ${refusedStatus}): the failure rate was judged from the ${kept} messages of the window read and the delivery reports received`,
    };
  }
  return summary;
}
