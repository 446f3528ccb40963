import type { FailingDeliveries, RetryCount } from '../../core/alertActions.js';
import {
  connectionFailureCode,
  NOT_RESOLVED_WITHIN,
  offersOnlyOldTls,
  ROUTE_HELD,
  SLACK_ANSWERED_HTTP,
  SLACK_NOT_REACHED,
  STOPPED_MID_ATTEMPT,
  speaksNoTls,
  TLS_HANDSHAKE_CUT,
} from '../../core/connectionFailure.js';
import { destinationAnswer } from '../../core/destinationAnswer.js';
import { type FailingDelivery, SLACK_QUEUE_DESTINATION } from '../../core/model/delivery.js';
import { formatPartyForPeople } from '../../core/phone.js';
import { encodeCopiedUrl, maskUrl } from '../../core/urls.js';
import type { DestinationStatus, RelayStatus } from '../../relay/operations.js';
import type { RejectedWebhookSummary } from '../../store/repositories/rejectedWebhooks.js';
import type { SchemaWarningSummary } from '../../store/repositories/schemaWarnings.js';
import { blockTextLength } from './inboundSms.js';
import { pageFooter, pageOf, paginate } from './pages.js';
import { backlogByLeg } from './relayBehind.js';
import {
  type Block,
  clip,
  clockAge,
  code,
  context,
  duration,
  escapeInline,
  SLACK_QUEUE_WORDS,
  type SlackMessage,
  section,
  slackTime,
} from './text.js';

const destination = (kind: 'portsip' | 'slack', value: string) =>
  kind === 'portsip'
    ? `PortSIP ${code(maskUrl(value))}`
    : value === SLACK_QUEUE_DESTINATION
      ? SLACK_QUEUE_WORDS
      : `Slack <#${value}>`;

const age = duration;

/** "3 webhooks in the last 24 h had unexpected fields (…), most often: `message_type null` ×2, …"; null if none. */
export function schemaWarningsLine(summary: SchemaWarningSummary): string | null {
  if (summary.webhooks === 0) return null;
  const count = `${summary.atLeast ? 'At least ' : ''}${summary.webhooks} webhook${summary.webhooks === 1 ? '' : 's'}`;
  const top = summary.top.map((t) => `${code(clip(t.problem, 80))} ×${t.count}`).join(', ');
  return `:warning: ${count} in the last 24 h had unexpected fields (stored and relayed unchanged), most often: ${top}`;
}

/**
 * "2 webhooks in the last 24 h were not stored (…): `inbound: message_id already stored with a different body` ×2";
 * null if none. The reasons never quote a body (SMS text), so everyone who may read the status may read them.
 */
export function rejectedWebhooksLine(summary: RejectedWebhookSummary): string | null {
  if (summary.webhooks === 0) return null;
  const count = `${summary.atLeast ? 'At least ' : ''}${summary.webhooks} webhook${summary.webhooks === 1 ? '' : 's'}`;
  const top = summary.top.map((t) => `${code(clip(`${t.route}: ${t.reason}`, 100))} ×${t.count}`).join(', ');
  return `:no_entry_sign: ${count} in the last 24 h ${summary.webhooks === 1 ? 'was' : 'were'} not stored (each kept with its body in the database's \`rejected_webhooks\`, the newest 1,000), most often: ${top}`;
}

const HTTP_WORDS: Record<number, string> = {
  400: 'it refused the request as malformed',
  401: 'it wants credentials smsops does not send',
  403: 'it refused smsops',
  404: 'nothing is at that URL there (a wrong path or PortSIP UUID?)',
  405: 'that URL does not take a POST',
  408: 'it gave up waiting for the request',
  413: 'the message was too large for it',
  429: 'it asked smsops to slow down',
};

/**
 * A gateway's own statuses: a reverse proxy or load balancer in front of PortSIP answers them with its HTML page when
 * PortSIP behind it does not, so "PortSIP failed on its side" sent people to PortSIP's logs, which show nothing.
 */
const PROXY_WORDS: Record<number, string> = {
  502: '(Bad Gateway): the proxy or load balancer in front of PortSIP could not reach it (PortSIP down, or the proxy points at a wrong address or port)',
  504: '(Gateway Timeout): the proxy or load balancer in front of PortSIP waited for it in vain (PortSIP down, or too slow behind it)',
};

/** A redirect: smsops posts to the route URL only, so the route must name the address the PBX sends it to. */
const REDIRECT_WORDS =
  'it redirects to another address, and smsops does not follow redirects: set the route to the address it names (`/sms relay status` shows it to admins)';

/** Whether a route URL has a user or password before its host (`https://user:pw@pbx/…`), as the relay reads it. */
function carriesUserinfo(destination: string): boolean {
  try {
    const url = new URL(encodeCopiedUrl(destination));
    return url.username !== '' || url.password !== '';
  } catch {
    return false;
  }
}

const SLACK_WORDS: Record<string, string> = {
  channel_not_found: 'the channel does not exist, or the bot cannot see it',
  not_in_channel: 'the bot is not in the channel (`/invite @smsops` there)',
  is_archived: 'the channel is archived',
  ratelimited: 'Slack asked smsops to slow down',
  invalid_auth: 'the Slack token is not valid',
  // The app reinstalled or removed: a new token is issued and the old one refused. Read at start only.
  token_revoked:
    'Slack revoked SLACK_BOT_TOKEN (the app was reinstalled or removed): set the new Bot User OAuth Token and restart smsops',
  token_expired: 'SLACK_BOT_TOKEN has expired: set a new Bot User OAuth Token and restart smsops',
  not_authed: 'Slack got no token: set SLACK_BOT_TOKEN and restart smsops',
  account_inactive: 'the Slack token belongs to a deactivated app or user',
  missing_scope:
    'the Slack app lacks a scope it needs (chat:write to post): add the scopes of manifest.yml and reinstall the app',
  // A workspace setting (who may post in the channel, a plan's limits after a downgrade): no invite or token fixes it.
  restricted_action:
    'a workspace setting forbids the bot to post there (who may post in the channel, or the plan): a Slack admin can allow it',
  msg_too_long: 'the message was too long for Slack',
  invalid_blocks: 'Slack refused the message layout',
};

/** A PortSIP attempt's HTTP status or connection failure in words; null for neither (smsops' own refusals). */
function connectionWords(error: string, status: number | null, destination: string | undefined): string | null {
  if (error.startsWith(NOT_RESOLVED_WITHIN))
    return "the route's host name did not resolve in time, so PortSIP was never asked: DNS is slow or not answering (this host's resolver, or the name's DNS servers)";
  if (/no complete answer within|Headers Timeout Error|Body Timeout Error/.test(error))
    return 'PortSIP did not answer in time (slow, or unreachable)';
  if (status !== null && status > 0) {
    const words =
      status === 401 && destination !== undefined && carriesUserinfo(destination)
        ? 'it refused the user name and password in the route URL (smsops sends them as Basic authentication)'
        : (HTTP_WORDS[status] ??
          (status >= 300 && status < 400 ? REDIRECT_WORDS : status >= 500 ? 'PortSIP failed on its side' : 'PortSIP refused it'));
    const proxy = PROXY_WORDS[status];
    if (proxy) return `the route URL answered HTTP ${status} ${proxy}`;
    return `PortSIP answered HTTP ${status}: ${words}`;
  }
  if (/EMFILE|ENFILE/.test(error))
    return 'smsops ran out of open files, so it could not open a connection: raise its open-file limit (`ulimit -n`, LimitNOFILE, --ulimit nofile)';
  if (/ECONNREFUSED/.test(error))
    return 'connection refused: nothing listens at that address and port (PortSIP down, or a wrong port)';
  if (/ENOTFOUND|EAI_AGAIN/.test(error)) return 'the host name was not found (mistyped, or DNS)';
  if (/ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|connect EINVAL|Connect Timeout Error/.test(error))
    return 'the host could not be reached (network or firewall)';
  if (speaksNoTls(error)) return 'the server at this address does not speak HTTPS: use http:// or the HTTPS port';
  // Before the certificate: the handshake was cut before any certificate was read (a wrong port, a filtering device).
  if (TLS_HANDSHAKE_CUT.test(error))
    return 'the connection was closed during the TLS handshake, before any certificate was read: a wrong port, or a firewall or proxy that cuts TLS';
  if (/other side closed|ECONNRESET|socket hang up|EPIPE/.test(error)) {
    return destination?.toLowerCase().startsWith('http:')
      ? 'the connection was closed before PortSIP answered: the server may expect HTTPS (use https://)'
      : 'the connection was dropped before PortSIP answered';
  }
  if (offersOnlyOldTls(error))
    return 'PortSIP offers only an old TLS version or cipher (TLS 1.0/1.1; smsops needs TLS 1.2 or later): enable TLS 1.2 on PortSIP';
  if (/certificate|CERT_|SSL|TLS|self[- ]signed/i.test(error))
    return 'the TLS certificate was not accepted (`/sms doctor` says why and what to do)';
  return null;
}

/** An HTTP error status on the Slack leg: Slack answers its errors with 200 and a code, so a 502/504 is a proxy's page. */
function slackHttpWords(status: string): string {
  if (status === '502' || status === '504')
    return `HTTP ${status} from a proxy between smsops and Slack (HTTPS_PROXY, a firewall or TLS-inspecting box): it could not reach Slack or waited in vain; check it and the network to slack.com`;
  if (status === '503') return 'Slack is unavailable (HTTP 503): posts are retried; see https://slack-status.com';
  return `Slack (or a proxy in front of it) answered HTTP ${status}`;
}

/**
 * What a failing delivery's last error means, in words a person can act on. Only fixed phrases chosen by the kind of
 * failure, never the error's own text: so everyone may read it (an error's text can quote addresses or the
 * destination's answer, which `destinationAnswer` shows to admins only).
 */
export function deliveryErrorInWords(
  f: Pick<FailingDelivery, 'lastStatusCode' | 'lastError'>,
  kind: 'portsip' | 'slack',
  /** The route URL: one with a user and password had them sent, so a 401 is those refused. */
  destination?: string,
): string {
  const error = f.lastError ?? '';
  if (kind === 'slack') {
    if (error.startsWith(SLACK_NOT_REACHED))
      return `smsops could not reach Slack: ${error.slice(SLACK_NOT_REACHED.length)}; check the network, proxy (HTTPS_PROXY) and firewall between smsops and slack.com`;
    if (error.startsWith(SLACK_ANSWERED_HTTP)) return slackHttpWords(error.slice(SLACK_ANSWERED_HTTP.length));
    const known = Object.keys(SLACK_WORDS).find((k) => error.includes(k));
    return known ? (SLACK_WORDS[known] ?? 'Slack refused the post') : 'Slack refused the post';
  }
  const typed = /^HTTP (\d{3})\b/.exec(error);
  const status = f.lastStatusCode ?? (typed ? Number(typed[1]) : null);
  // Not posted: "the attempt failed before PortSIP answered" while PortSIP had answered (503, Retry-After).
  if (error.startsWith(ROUTE_HELD))
    return `${status ? `PortSIP answered HTTP ${status} and` : 'PortSIP'} asked to wait (Retry-After) on this route: this SMS waits unsent, one SMS tries the route every 5 s until it takes SMS again`;
  const words = connectionWords(error, status, destination);
  if (words !== null) {
    const searched = status !== null && status > 0 ? null : connectionFailureCode(error);
    return searched && !/no complete answer within/.test(error) ? `${words} (${searched})` : words;
  }
  return unansweredInWords(error);
}

/**
 * A PortSIP attempt with no HTTP answer that the connection-failure words do not name (Node's EADDRNOTAVAIL or EPERM
 * from a host firewall, smsops' own guard naming the address a host resolved to), as a fixed phrase and its code: the
 * error's text quotes addresses and everyone reads this (the failing list, the relayed SMS post in the channel).
 */
export function unansweredInWords(error: string, brackets: '()' | '[]' = '()'): string {
  if (/not a valid URL/.test(error)) return 'the route URL is not a valid URL (fix it with `/sms route set`)';
  if (/refus|not allowed|private|loopback|does not send there/i.test(error))
    return 'smsops refuses to send there (see the route)';
  if (error.startsWith(STOPPED_MID_ATTEMPT)) return STOPPED_MID_ATTEMPT;
  const searched = connectionFailureCode(error);
  return `the attempt failed before PortSIP answered${searched ? ` ${brackets[0]}${searched}${brackets[1]}` : ''}`;
}

/**
 * An error as recorded for a destination, fit for mrkdwn: in words first, then (as `destinationAnswer` allows: an
 * excerpt for admins, the HTTP status for everyone else) what was recorded, with the destination's own URL (its last
 * segment is PortSIP's credential) masked wherever the error quotes it, escaped.
 */
function errorText(
  f: FailingDelivery,
  d: Pick<DestinationStatus, 'destinationKind' | 'destination'>,
  showExcerpt: boolean,
): string {
  let text = f.lastError;
  if (d.destinationKind === 'portsip') {
    const masked = maskUrl(d.destination);
    for (const form of [d.destination, encodeURI(d.destination), d.destination.replaceAll(' ', '%20')]) {
      if (form) text = text.split(form).join(masked);
    }
  }
  const words = deliveryErrorInWords(f, d.destinationKind, d.destination);
  const answer = showExcerpt
    ? destinationAnswer({ destinationKind: d.destinationKind, lastStatusCode: f.lastStatusCode, lastError: text }, true)
    : null;
  // Words may hold a `command`: not escaped again; the recorded answer is. A connection failure's answer is those words
  // again with its code, which the words already end with: only the address it was tried at is added.
  if (answer?.startsWith('no HTTP answer: ')) {
    const at = /, tried at (\S+)$/.exec(answer)?.[1];
    return at ? `${words}, tried at ${code(at)}` : words;
  }
  return answer ? `${words} (${code(answer)})` : words;
}

// Clipped as in the posts: a sender of thousands of characters would fill its line and cut the states after it.
export const person = (stored: string) => escapeInline(clip(formatPartyForPeople(stored), 40));

function failingLine(
  f: FailingDelivery,
  d: Pick<DestinationStatus, 'destinationKind' | 'destination'>,
  now: number,
  showExcerpt: boolean,
): string {
  const when = f.lastAttemptAt !== null ? `${age(now - f.lastAttemptAt)} ago` : 'not tried yet';
  const state = f.status === 'dead' ? 'dead' : `${f.attempts} attempt${f.attempts === 1 ? '' : 's'}`;
  return `   ◦ ${code(f.wavixMessageId)} to ${person(f.toNumber)}: ${state}, last ${when}: ${errorText(f, d, showExcerpt)}`;
}

function destinationLines(d: DestinationStatus, now: number, showExcerpt: boolean): string {
  const head = `• ${destination(d.destinationKind, d.destination)}: ${d.pending} pending${
    d.oldestPendingCreatedAt !== null ? ` (oldest ${clockAge(now - d.oldestPendingCreatedAt)})` : ''
  }, ${d.dead} dead, last success ${d.lastDeliveredAt !== null ? slackTime(d.lastDeliveredAt) : 'never'}`;
  const latest = d.failing[0];
  const lastError = latest ? [`   *Last error:* ${deliveryErrorInWords(latest, d.destinationKind, d.destination)}`] : [];
  return [head, ...lastError, ...d.failing.map((f) => failingLine(f, d, now, showExcerpt))].join('\n');
}

/** Destinations a page of `/sms relay status` lists at most; the footer names the next page. */
export const DESTINATIONS_PER_PAGE = 40;

/** `showErrorExcerpt`: the person may change the setup (an admin): they see an excerpt of what destinations answered. */
export function relayStatusMessage(
  status: RelayStatus,
  now: number,
  warnings?: SchemaWarningSummary,
  options: { showErrorExcerpt?: boolean; page?: number; rejections?: RejectedWebhookSummary } = {},
): SlackMessage {
  const headline =
    status.pending === 0 && status.dead === 0
      ? ':white_check_mark: Nothing waiting: every inbound message was delivered.'
      : `${status.pending > 0 ? `:hourglass_flowing_sand: ${status.pending} waiting (oldest ${clockAge(status.oldestPendingAgeMs ?? 0)}). ${backlogByLeg(status, now)}` : 'Nothing waiting'}${
          status.dead > 0 ? ` · :rotating_light: ${status.dead} dead (\`/sms relay replay dead\`)` : ''
        }`;
  const blocks: Block[] = [section(`*Relay*\n${headline}`)];
  // One section per destination (each within Slack's 3,000 characters), a page of them within Slack's limits.
  const show = (d: DestinationStatus) => [section(destinationLines(d, now, options.showErrorExcerpt === true))];
  const pages = paginate(status.destinations, show, {
    reservedBlocks: 5,
    reservedText: blockTextLength(blocks) + 1_500,
    maxItems: DESTINATIONS_PER_PAGE,
  });
  const page = pageOf(pages, options.page ?? 1);
  for (const d of page.items) blocks.push(...show(d));
  blocks.push(...pageFooter(page, { one: 'destination' }, (n) => code(`/sms relay status${n > 1 ? ` page ${n}` : ''}`)));
  if (status.destinations.length === 0) blocks.push(context('No inbound message has been relayed yet.'));
  if (status.destinations.some((d) => d.failing.length > 0)) {
    blocks.push(
      context(
        'To fix a wrong destination: `/sms route set <number or default> <PortSIP URL> [#channel]` moves the pending and dead deliveries of those numbers to the new route and sends them now. Once the destination itself works again, `/sms relay replay dead` sends the dead ones again; `/sms relay replay <id>` one message.',
      ),
    );
  }
  const warned = warnings && schemaWarningsLine(warnings);
  if (warned) blocks.push(context(warned));
  const rejected = options.rejections && rejectedWebhooksLine(options.rejections);
  if (rejected) blocks.push(context(rejected));
  const where = page.count > 1 ? ` (destinations page ${page.number} of ${page.count})` : '';
  return { text: `Relay: ${status.pending} pending, ${status.dead} dead${where}`, blocks };
}

/** How many failing deliveries "Show failing deliveries" lists one by one (every one is counted by its error). */
export const FAILING_LISTED = 15;

/**
 * "Show failing deliveries" on an alert: to the person only. The failing deliveries of its destination counted by
 * what went wrong (in words), then the latest one by one; a cut list says how many it left out and where they are.
 */
export function failingDeliveriesMessage(result: FailingDeliveries, now: number, showExcerpt: boolean): SlackMessage {
  const where = destination(result.kind, result.destination);
  const d = { destinationKind: result.kind, destination: result.destination };
  const pending = result.backlog?.pending ?? 0;
  const dead = result.backlog?.dead ?? 0;
  if (result.failing.length === 0) {
    const text = `No failing delivery to ${where} now: ${pending} pending, ${dead} dead.`;
    return { text, blocks: [section(`:white_check_mark: ${text}`)] };
  }
  const byWords = new Map<string, number>();
  for (const f of result.failing) {
    const words = deliveryErrorInWords(f, result.kind, result.destination);
    byWords.set(words, (byWords.get(words) ?? 0) + 1);
  }
  const counted = [...byWords].map(([words, n]) => `• ${n} × ${words}`).join('\n');
  const listed = result.failing.slice(0, FAILING_LISTED).map((f) => failingLine(f, d, now, showExcerpt));
  const left = result.failing.length - listed.length;
  const cut =
    left > 0 || result.more
      ? `…and ${result.more ? `more than ${left}` : left} more, counted above. \`/sms relay status\` shows every destination's backlog; \`/sms inbox <number>\` shows one number's messages with where each went.`
      : null;
  const blocks: Block[] = [
    section(
      `*Failing deliveries to ${where}*: ${pending} pending, ${dead} dead.\n*What went wrong${result.more ? ` (the latest ${result.failing.length})` : ''}:*\n${counted}`,
    ),
    section(`*Latest, newest first:*\n${listed.join('\n')}`),
  ];
  if (cut) blocks.push(context(cut));
  blocks.push(
    context(
      '"Retry now" on the alert tries them again at once (admins). A wrong route: `/sms route set` moves them to the right one.',
    ),
  );
  return { text: `Failing deliveries: ${result.failing.length}${result.more ? '+' : ''}`, blocks };
}

/** The answer to "Retry now": how many were re-queued, in words. */
export function retryNowMessage(count: RetryCount): SlackMessage {
  const total = count.pending + count.dead;
  const where = destination(count.kind, count.destination);
  const text =
    total === 0
      ? `Nothing to retry for ${where}: no failing delivery there now.`
      : `${total} deliver${total === 1 ? 'y' : 'ies'} to ${where} queued for an immediate retry (${count.pending} waiting for their next attempt, ${count.dead} dead, with a fresh retry window).${
          count.more ? ' More are failing than one press takes: press again once these are through.' : ''
        }`;
  return {
    text,
    blocks: [
      section(`${total === 0 ? ':white_check_mark:' : ':repeat:'} ${text}`),
      context('`/sms relay status` shows how they fare; the alert resolves by itself once they are delivered.'),
    ],
  };
}
