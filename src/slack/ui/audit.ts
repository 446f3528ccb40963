import type { ShownAuditEntry } from '../../core/auditReading.js';
import { REPLY_AUDIT_ACTION } from '../../core/conversations/replyFromThread.js';
import type { AuditEntry } from '../../core/model/audit.js';
import { formatPartyForPeople } from '../../core/phone.js';
import { maskUrl } from '../../core/urls.js';
import { AUDIT_DEFAULT } from '../listeners/commands/parseCommand.js';
import { linesIntoTexts } from './pages.js';
import { andMore, clip, code, context, escapeMrkdwn, mention, plural, type SlackMessage, section, slackTime } from './text.js';

const OUTCOME_ICON = { ok: ':white_check_mark:', refused: ':no_entry:', failed: ':x:', unknown: ':grey_question:' } as const;

/**
 * An entry's target or detail with any URL in it masked (`maskUrl`): entries written by earlier versions named an
 * alert's PortSIP route URL whole, its user and password included, and everyone reads `/sms audit`. A PortSIP URL has
 * spaces in its path, so everything from the scheme to the end of the text is taken as the URL.
 */
export function withUrlsMasked(text: string): string {
  const start = urlStart(text);
  return start === undefined ? text : text.slice(0, start) + maskUrl(text.slice(start));
}

const SCHEME_CHAR = /[A-Za-z0-9+.-]/;
const LETTER = /[A-Za-z]/;

/**
 * Where the first URL starts (a scheme: a letter, then letters, digits, `+`, `.` or `-`, then `://`), found in one pass.
 * A regular expression for it (`/[A-Za-z][A-Za-z0-9+.-]*:\/\/.*$/s`) tried every position against the rest of the
 * text: quadratic, and a member's forged button put a 200,000-character target in the audit (a refusal is recorded
 * as pressed), so each `/sms audit` then held smsops' only thread for minutes: no webhook, no relay, no answer.
 */
function urlStart(text: string): number | undefined {
  for (let at = text.indexOf('://'); at !== -1; at = text.indexOf('://', at + 1)) {
    let from = at;
    while (from > 0 && SCHEME_CHAR.test(text.charAt(from - 1))) from -= 1;
    while (from < at && !LETTER.test(text.charAt(from))) from += 1;
    if (from < at) return from;
  }
  return undefined;
}

/** A replay says how many deliveries it sent again: "relay.replay dead: ok" alone could be none or thousands. */
function replayedNote(e: AuditEntry): string {
  const replayed = e.params.replayed;
  return e.action === 'relay.replay' && typeof replayed === 'number'
    ? ` (${replayed} deliver${replayed === 1 ? 'y' : 'ies'} sent again)`
    : '';
}

/** A route change or replay that moved queued deliveries to another destination says how many. */
function movedNote(e: AuditEntry): string {
  const moved = e.params.movedDeliveries;
  return typeof moved === 'number' && moved > 0 ? ` (${moved} queued deliver${moved === 1 ? 'y' : 'ies'} moved)` : '';
}

const routeUrl = (value: unknown) => (typeof value === 'string' ? code(maskUrl(value)) : 'none');
const routeChannel = (value: unknown) => (typeof value === 'string' ? `<#${value}>` : 'none');
const change = (before: string, after: string) => (before === after ? after : `${before} → ${after}`);

/**
 * A route change says what the route's own URL and channel were and became ("none": the fallback decides), so that
 * where SMS went while a wrong route was in force can be told afterwards. Entries from before this was recorded have
 * no `portsipUrl`: they say nothing. The URL is masked again as it is shown, whatever wrote it.
 */
function routeNote(e: AuditEntry): string {
  if ((e.action !== 'route.set' && e.action !== 'route.remove') || !('portsipUrl' in e.params)) return '';
  const { portsipUrlBefore, portsipUrl, slackChannelBefore, slackChannel } = e.params;
  return ` — PortSIP ${change(routeUrl(portsipUrlBefore), routeUrl(portsipUrl))}; Slack ${change(
    routeChannel(slackChannelBefore),
    routeChannel(slackChannel),
  )}`;
}

/** A threshold change says what it was and became (entries from before this was recorded: nothing). */
function thresholdNote(e: AuditEntry): string {
  if (e.action !== 'alerts.set' || !('before' in e.params)) return '';
  const shown = (v: unknown) => (typeof v === 'number' || typeof v === 'string' ? code(String(v)) : 'none');
  return ` — ${change(shown(e.params.before), shown(e.params.value))}`;
}

/** A webhook change says what each webhook was and became (entries from before this was recorded say nothing). */
function webhookNote(e: AuditEntry): string {
  if (e.action !== 'webhook.set' || !('inboundAfter' in e.params)) return '';
  const dlr =
    'dlrAfter' in e.params ? `; delivery reports ${change(routeUrl(e.params.dlrBefore), routeUrl(e.params.dlrAfter))}` : '';
  return ` — inbound ${change(routeUrl(e.params.inboundBefore), routeUrl(e.params.inboundAfter))}${dlr}`;
}

/**
 * A reply sent from a thread: which smsops number it went from, its length and segments (what Wavix bills) and its
 * Wavix id (to find it at Wavix); never its text, which is not kept. A withheld entry has no params: nothing is said.
 */
function replyNote(e: AuditEntry): string {
  if (e.action !== REPLY_AUDIT_ACTION) return '';
  const { from, length, segments, segmentsCountedBy, wavixMessageId } = e.params;
  const parts = [
    typeof from === 'string' ? `from ${escapeMrkdwn(clip(formatPartyForPeople(from), 40))}` : null,
    typeof length === 'number' ? plural(length, 'character') : null,
    typeof segments === 'number'
      ? `${plural(segments, 'segment')}${segmentsCountedBy === 'wavix' ? ' by Wavix’s count' : ''}`
      : null,
    typeof wavixMessageId === 'string' ? `Wavix ${code(clip(wavixMessageId, 80))}` : null,
  ].filter((part) => part !== null);
  return parts.length > 0 ? ` — ${parts.join(', ')}` : '';
}

/** A reply's customer and outcome words, withheld from this reader (core/auditReading.ts): where they can be read. */
function withheldNote(e: ShownAuditEntry): string {
  if (!e.withheld) return '';
  const where = e.withheld.channel ? `<#${e.withheld.channel}>` : 'no channel';
  return e.withheld.reason === 'not-member'
    ? ` — _recipient and details hidden: you are not in ${where}, where it was written_`
    : ` — _recipient and details hidden: smsops could not check that you are in ${where} (${escapeMrkdwn(e.withheld.why)})_`;
}

/** Which changes `/sms audit` shows: `limit` a page, page `page` from the newest, of `total` recorded. */
export interface AuditWindow {
  limit: number;
  page: number;
  total: number;
}

/** Room for the changes' lines: Slack refuses a message with more than about 12,000 characters of block text. */
const AUDIT_LINES_BUDGET = 10_000;

const auditCommand = (limit: number, page: number) =>
  code(`/sms audit${limit === AUDIT_DEFAULT && page > 1 ? '' : ` ${limit}`}${page > 1 ? ` page ${page}` : ''}`);

/**
 * `/sms audit`: one page of changes, newest first, and how to see older ones; every change recorded is on some page.
 * A page of many changes shortens each line (its detail first) so that the page fits one message.
 */
export function auditMessage(
  entries: readonly ShownAuditEntry[],
  window: AuditWindow = { limit: entries.length, page: 1, total: entries.length },
): SlackMessage {
  if (window.total === 0) return { text: 'No changes recorded yet.', blocks: [section('No changes recorded yet.')] };
  const first = (window.page - 1) * window.limit;
  if (entries.length === 0) {
    const last = Math.ceil(window.total / window.limit);
    const text = `There is no page ${window.page}: ${window.total} changes make ${last} page${last === 1 ? '' : 's'} of ${window.limit}.`;
    return { text, blocks: [section(`${text} ${auditCommand(window.limit, last)} shows the oldest.`)] };
  }
  const perLine = Math.floor(AUDIT_LINES_BUDGET / Math.max(1, entries.length)) - 1;
  const lines = entries.map((e) =>
    clip(
      `${OUTCOME_ICON[e.outcome]} ${slackTime(e.at)} ${mention(e.actor)} ${code(e.action)}${e.target ? ` ${code(clip(withUrlsMasked(e.target), 80))}` : ''}: ${e.outcome}${replayedNote(e)}${movedNote(e)}${routeNote(e)}${webhookNote(e)}${thresholdNote(e)}${replyNote(e)}${
        e.detail ? ` — ${escapeMrkdwn(withUrlsMasked(e.detail))}` : ''
      }${withheldNote(e)}`,
      perLine,
    ),
  );
  const older = window.total - first - entries.length;
  const range = window.page > 1 ? ` (${first + 1}–${first + entries.length} of ${window.total}, page ${window.page})` : '';
  const heading =
    window.page > 1 ? `*Changes ${first + 1}–${first + entries.length}*` : `*Last ${plural(entries.length, 'change')}*`;
  return {
    text: `Last ${entries.length} changes${range}`,
    blocks: [
      section(heading),
      ...linesIntoTexts(lines).map((s) => section(s)),
      context(
        `Newest first. ${andMore(older, { one: 'change' }, `${auditCommand(window.limit, window.page + 1)} shows the next ${Math.min(window.limit, older)}, older ones.`)}`.trim(),
      ),
    ],
  };
}
