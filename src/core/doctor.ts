import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, connect as tcpConnect } from 'node:net';
import { checkServerIdentity, type PeerCertificate, connect as tlsConnect } from 'node:tls';
import { AppError, describeError, type Result } from '../errors.js';
import type { RelayOperationsDeps } from '../relay/operations.js';
import type { Route } from '../store/repositories/routes.js';
import type { SenderIdRecord } from '../store/repositories/senderIds.js';
import { WavixError } from '../wavix/errors.js';
import { listNumbers, type NumberState, type NumbersOverview } from './numbers.js';
import { syncSenderIds } from './senderIds.js';
import type { SetupServices } from './services.js';
import { encodeCopiedUrl, maskUrlToken } from './urls.js';

/**
 * `/sms doctor`: every link of the SMS chain checked at once (Wavix key → numbers → Sender IDs → webhooks → public
 * URL → PortSIP → relay → Slack channels → PortSIP inbound rules), each with a status, a reason in words and, where
 * one click fixes it, the fix. Read-only: nothing here changes Wavix, PortSIP or the store's configuration.
 */

export type CheckStatus = 'ok' | 'warning' | 'failure' | 'skipped';

/** Fixes the Slack surface offers as buttons; the UI maps each to the existing action of `/sms number list`. */
export type DoctorFixAction = 'enable_inbound' | 'point_webhook_at_smsops';

export interface DoctorFix {
  actionId: DoctorFixAction;
  /** A number in E.164, or `default` for the account default webhook. */
  value: string;
  label: string;
}

export interface DoctorCheck {
  id: string;
  title: string;
  status: CheckStatus;
  reason: string;
  fix?: DoctorFix;
}

export interface DoctorReport {
  checks: DoctorCheck[];
  counts: Record<CheckStatus, number>;
}

/** What the other engineer's PortSIP API use case offers (src/core/portsipSetup.ts `checkInboundRules`). */
export interface PortsipInboundRules {
  checkInboundRules(dids: string[]): Promise<Result<Array<{ did: string; rule: string | null }>>>;
}

/** What Slack says about one channel, as seen with the bot token (`conversations.info`). */
export type ChannelMembership =
  | { ok: true; isMember: boolean; name?: string | undefined; archived?: boolean; direct?: boolean }
  | { ok: false; error: string };

export interface DoctorDeps {
  services: Pick<SetupServices, 'wavix' | 'senderIds' | 'routes' | 'smsopsWebhooks' | 'defaultPortsipUrl'>;
  relay: Pick<RelayOperationsDeps, 'deliveries' | 'inbound' | 'now'>;
  /** PUBLIC_BASE_URL; null when unset. */
  publicBaseUrl: string | null;
  /** The alert channel and, when known, the inbox channel (SLACK_INBOX_CHANNEL). */
  channels: { alert: string; inbox: string | null };
  channelMembership: (channel: string) => Promise<ChannelMembership>;
  /** Present when the PortSIP API is configured. */
  portsip?: PortsipInboundRules | undefined;
  /** Per check group; one hung link cannot stall the others. Default 5 s. */
  timeoutMs?: number;
  /**
   * Tests only: certificates to trust instead of Node's CA store (PortSIP's TLS, the PUBLIC_BASE_URL probe). In
   * production this stays unset so doctor trusts exactly what the relay's HTTPS requests trust (Node's store plus
   * NODE_EXTRA_CA_CERTS).
   */
  trustedCa?: string[];
}

const DAY = 86_400_000;
const CERT_EXPIRY_WARNING_DAYS = 14;
const RECENT_MESSAGES_SCANNED = 500;

/** "7 ok, 2 warnings, 1 failure" (and ", 1 skipped" when something was not checked). */
export function summaryLine(counts: Record<CheckStatus, number>): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const parts = [`${counts.ok} ok`, plural(counts.warning, 'warning'), plural(counts.failure, 'failure')];
  if (counts.skipped > 0) parts.push(`${counts.skipped} skipped`);
  return parts.join(', ');
}

/** A URL as it may appear in a reason: its credential segment masked, in backticks so Slack neither links nor unfurls it. */
const shown = (url: string) => `\`${maskUrlToken(url).replaceAll('`', "'")}\``;

const formatDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const formatDateTime = (ms: number) => `${new Date(ms).toISOString().replace('T', ' ').slice(0, 16)} UTC`;
const ago = (ms: number) =>
  ms < 3_600_000 ? `${Math.max(1, Math.round(ms / 60_000))} min ago` : `${(ms / 3_600_000).toFixed(1)} h ago`;

const reasonOf = (error: unknown) =>
  error instanceof AppError ? error.userMessage : error instanceof Error ? error.message : String(error);

// ── Running the groups ───────────────────────────────────────────────────────────────────────────────────────────

interface DoctorContext {
  deps: DoctorDeps;
  /** One read of the numbers and the account default, shared by the checks that need it. */
  numbers: () => Promise<Result<NumbersOverview>>;
  signal: AbortSignal;
}

/** A group of checks about one link; it may report one check or one per number, route, channel… */
interface CheckGroup {
  id: string;
  title: string;
  run(ctx: DoctorContext): Promise<DoctorCheck[]>;
}

class CheckTimeout extends Error {}

async function runGroup(group: CheckGroup, ctx: Omit<DoctorContext, 'signal'>, timeoutMs: number): Promise<DoctorCheck[]> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new CheckTimeout());
    }, timeoutMs);
  });
  try {
    return await Promise.race([group.run({ ...ctx, signal: controller.signal }), timedOut]);
  } catch (error) {
    const reason =
      error instanceof CheckTimeout
        ? `No answer within ${timeoutMs / 1000} s: this link hangs (a firewall dropping packets, or a service that accepts connections and never answers).`
        : `The check itself failed: ${reasonOf(error)}`;
    return [{ id: group.id, title: group.title, status: 'failure', reason }];
  } finally {
    clearTimeout(timer);
    // Probes still in flight (a socket, a fetch) are cut, so a hung link leaves nothing open behind doctor.
    controller.abort();
  }
}

/** Runs every check concurrently, each group under its own time limit; a thrown or hung check is a failure, never a crash. */
export async function runDoctor(deps: DoctorDeps): Promise<DoctorReport> {
  let numbers: Promise<Result<NumbersOverview>> | undefined;
  const ctx = { deps, numbers: () => (numbers ??= listNumbers(deps.services)) };
  const results = await Promise.all(GROUPS.map((group) => runGroup(group, ctx, deps.timeoutMs ?? 5_000)));
  const checks = results.flat();
  const counts: Record<CheckStatus, number> = { ok: 0, warning: 0, failure: 0, skipped: 0 };
  for (const check of checks) counts[check.status] += 1;
  return { checks, counts };
}

/** When Wavix refused the key, the checks that read Wavix say so once instead of repeating the 401 each. */
function wavixUnreadable(group: Pick<CheckGroup, 'id' | 'title'>, error: AppError): DoctorCheck {
  if (error instanceof WavixError && error.kind === 'unauthorized') {
    return { ...group, status: 'skipped', reason: 'Not checked: Wavix refused the API key (see “Wavix API key”).' };
  }
  return { ...group, status: 'failure', reason: `Could not read it from Wavix: ${error.userMessage}` };
}

// ── 1. Wavix API key ─────────────────────────────────────────────────────────────────────────────────────────────

const wavixKey: CheckGroup = {
  id: 'wavix-key',
  title: 'Wavix API key',
  run: async ({ deps }) => {
    try {
      const profile = await deps.services.wavix.profile.get();
      return [
        { id: 'wavix-key', title: 'Wavix API key', status: 'ok', reason: `Wavix accepts the key (account ${profile.id}).` },
      ];
    } catch (error) {
      if (error instanceof WavixError && error.kind === 'unauthorized') {
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
      return [{ id: 'wavix-key', title: 'Wavix API key', status: 'failure', reason: reasonOf(error) }];
    }
  },
};

// ── 2. Numbers: SMS, inbound on US/CA ────────────────────────────────────────────────────────────────────────────

function numberTitle(n: NumberState): string {
  return `Number ${n.display} (${n.country})${n.label ? ` · ${n.label}` : ''}`;
}

function numberCheck(n: NumberState): DoctorCheck {
  const base = { id: `number:${n.e164}`, title: numberTitle(n) };
  if (n.inboundPossible) {
    if (n.inboundActive) return { ...base, status: 'ok', reason: 'SMS enabled; inbound SMS active.' };
    return {
      ...base,
      status: 'failure',
      reason: 'Inbound SMS is not active: SMS sent to this number never reach smsops, PortSIP or Slack.',
      fix: { actionId: 'enable_inbound', value: n.e164, label: 'Enable inbound SMS' },
    };
  }
  if (n.smsEnabled) {
    return {
      ...base,
      status: 'ok',
      reason: `SMS enabled (sending). Wavix activates inbound SMS through its API on US and Canadian numbers only; for this ${n.country} number ask Wavix support if it should receive SMS.`,
    };
  }
  return {
    ...base,
    status: 'warning',
    reason: `SMS is not enabled: the number can neither send nor receive SMS. Outside the US and Canada Wavix enables SMS on request (Wavix support).`,
  };
}

const numbersGroup: CheckGroup = {
  id: 'numbers',
  title: 'Numbers',
  run: async ({ numbers }) => {
    const overview = await numbers();
    if (!overview.ok) return [wavixUnreadable(numbersGroup, overview.error)];
    if (overview.value.numbers.length === 0) {
      return [{ id: 'numbers', title: 'Numbers', status: 'warning', reason: 'There are no numbers on this Wavix account.' }];
    }
    return overview.value.numbers.map(numberCheck);
  },
};

// ── 3. Sender IDs ────────────────────────────────────────────────────────────────────────────────────────────────

function senderIdCheck(record: SenderIdRecord): DoctorCheck {
  const base = { id: `senderid:${record.wavixId}`, title: `Sender ID ${record.value} (${record.type})` };
  const having = (status: string) => record.countries.filter((c) => c.status === status).map((c) => c.country);
  const approved = having('approved');
  const pending = having('pending');
  const rejected = record.countries
    .filter((c) => c.status === 'rejected')
    .map((c) => (c.reason ? `${c.country} (${c.reason})` : c.country));
  const approvedPart = approved.length > 0 ? `Approved for ${approved.join(', ')}.` : 'Approved for no country yet.';
  const rejectedPart = rejected.length > 0 ? ` Rejected for ${rejected.join(', ')}.` : '';
  if (pending.length > 0) {
    return {
      ...base,
      status: 'warning',
      reason: `${approvedPart} Pending for ${pending.join(', ')}: SMS from it to ${pending.length === 1 ? 'that country' : 'those countries'} fail until the carriers approve it.${rejectedPart}`,
    };
  }
  if (approved.length === 0) return { ...base, status: 'failure', reason: `${approvedPart}${rejectedPart}` };
  return { ...base, status: rejected.length > 0 ? 'warning' : 'ok', reason: `${approvedPart}${rejectedPart}` };
}

const senderIdsGroup: CheckGroup = {
  id: 'senderids',
  title: 'Sender IDs',
  run: async ({ deps }) => {
    const overview = await syncSenderIds(deps.services);
    if (overview.staleBecause) return [wavixUnreadable(senderIdsGroup, overview.staleBecause)];
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
    return live.map(senderIdCheck);
  },
};

// ── 4. Webhooks: account default and each number ─────────────────────────────────────────────────────────────────

const NO_PUBLIC_URL_REASON =
  'PUBLIC_BASE_URL is not set: smsops has no address Wavix could deliver inbound SMS to, and cannot tell whether the webhooks point at it. Set PUBLIC_BASE_URL to the https address where smsops is reachable from the internet, restart smsops, then run `/sms webhook set`.';

function accountWebhookCheck(overview: NumbersOverview): DoctorCheck {
  const base = { id: 'webhook:default', title: 'Account default inbound webhook' };
  if (overview.accountPointsAtSmsops) return { ...base, status: 'ok', reason: 'Points at smsops.' };
  const relying = overview.numbers.filter((n) => n.inboundActive && n.webhookSource === 'account').length;
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
  const base = { id: `webhook:${n.e164}`, title: `Inbound webhook of ${n.display}` };
  if (n.pointsAtSmsops) {
    return {
      ...base,
      status: 'ok',
      reason:
        n.webhookSource === 'number'
          ? 'Its own webhook (a number-level override) points at smsops.'
          : 'Uses the account default, which points at smsops.',
    };
  }
  const fix: DoctorFix = { actionId: 'point_webhook_at_smsops', value: n.e164, label: 'Point webhook at smsops' };
  if (n.webhookSource === 'number' && n.numberWebhook) {
    return {
      ...base,
      status: 'failure',
      reason: `It has its own webhook, a number-level override that wins over the account default: ${shown(n.numberWebhook)}, not smsops. Its inbound SMS bypass smsops.`,
      ...(n.smsEnabled ? { fix } : {}),
    };
  }
  if (n.webhookSource === 'account') {
    return {
      ...base,
      status: 'failure',
      reason: 'It uses the account default, which does not point at smsops (see “Account default inbound webhook”).',
    };
  }
  return {
    ...base,
    status: 'failure',
    reason: 'No webhook: neither its own nor an account default, so Wavix has nowhere to deliver its inbound SMS.',
    fix,
  };
}

const webhooksGroup: CheckGroup = {
  id: 'webhooks',
  title: 'Inbound webhooks',
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

// ── 5. PUBLIC_BASE_URL answers ───────────────────────────────────────────────────────────────────────────────────

const HAIRPIN_NOTE =
  'Checked from smsops’ own host: behind NAT the request may loop back inside (hairpin NAT), so this is strong evidence, not proof, that the internet reaches smsops.';
const HAIRPIN_FAILURE_NOTE =
  'If smsops sits behind NAT, a router without hairpin NAT makes this fail from inside even when the internet reaches smsops: check from outside with `curl <PUBLIC_BASE_URL>/healthz`.';

const healthSchema = (body: unknown): body is { status: string; db: unknown; backlog?: unknown } =>
  typeof body === 'object' && body !== null && 'status' in body && 'db' in body;

function probeFailure(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code} (${describeError(error)})` : describeError(error);
}

const HEALTH_BODY_MAX = 64 * 1024;

/**
 * GET through node:http(s), as Wavix would reach smsops: redirects are not followed (Wavix posts to the URL as set),
 * the certificate is checked against the same trust as every other probe here.
 */
function httpGet(url: string, signal: AbortSignal, ca: string[] | undefined): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const options = { signal, agent: false, headers: { 'user-agent': 'smsops-doctor' }, ...(ca ? { ca } : {}) };
    const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, options, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= HEALTH_BODY_MAX) chunks.push(chunk);
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

const publicUrlGroup: CheckGroup = {
  id: 'public-url',
  title: 'PUBLIC_BASE_URL reachable',
  run: async ({ deps, signal }) => {
    const base = { id: 'public-url', title: 'PUBLIC_BASE_URL reachable' };
    if (!deps.publicBaseUrl) {
      return [{ ...base, status: 'skipped', reason: 'Not checked: PUBLIC_BASE_URL is not set (see “Inbound webhooks”).' }];
    }
    const url = `${deps.publicBaseUrl.replace(/\/+$/, '')}/healthz`;
    let response: { status: number; text: string };
    try {
      response = await httpGet(url, signal, deps.trustedCa);
    } catch (error) {
      return [
        { ...base, status: 'failure', reason: `${shown(url)} does not answer: ${probeFailure(error)}. ${HAIRPIN_FAILURE_NOTE}` },
      ];
    }
    let body: unknown;
    try {
      body = JSON.parse(response.text);
    } catch {
      body = undefined;
    }
    if (!healthSchema(body)) {
      return [
        {
          ...base,
          status: 'failure',
          reason: `${shown(url)} answers HTTP ${response.status}, but not with smsops’ health report: something else (a proxy, another service) answers at that address, so Wavix’s webhooks would not reach smsops.`,
        },
      ];
    }
    if (response.status !== 200 || body.status !== 'ok') {
      return [
        {
          ...base,
          status: 'failure',
          reason: `${shown(url)} reaches smsops, but smsops reports itself failing (HTTP ${response.status}, database: ${String(body.db)}).`,
        },
      ];
    }
    if (new URL(url).protocol === 'http:') {
      return [
        {
          ...base,
          status: 'warning',
          reason: `${shown(url)} answers with smsops’ health report, but over plain HTTP: Wavix’s webhooks (SMS texts, smsops’ webhook secret) would cross the internet unencrypted. Put smsops behind HTTPS. ${HAIRPIN_NOTE}`,
        },
      ];
    }
    return [{ ...base, status: 'ok', reason: `${shown(url)} answers with smsops’ health report. ${HAIRPIN_NOTE}` }];
  },
};

// ── 6. PortSIP routes answer (TCP connect + TLS handshake, no request) ───────────────────────────────────────────

/** Each PortSIP URL smsops relays to, with the routes that name it. */
function portsipDestinations(routes: Route[], fallback: string | null): Map<string, string[]> {
  const destinations = new Map<string, string[]>();
  const add = (url: string, name: string) => destinations.set(url, [...(destinations.get(url) ?? []), name]);
  for (const route of routes) if (route.portsipUrl) add(route.portsipUrl, `route ${route.number}`);
  // PORTSIP_WEBHOOK_URL is used only for numbers without a route, and never when a `default` route exists.
  if (fallback && !routes.some((r) => r.number === 'default' && r.portsipUrl)) add(fallback, 'PORTSIP_WEBHOOK_URL');
  return destinations;
}

const routeId = (names: string[]) => (names[0] ?? 'route').replace(/^route /, '');

function connectFailure(error: unknown, host: string, port: number): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ECONNREFUSED':
      return `Nothing accepts connections on ${host}:${port} (connection refused): PortSIP is down, listens on another port, or a firewall rejects smsops.`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `The host name ${host} does not resolve (${code}).`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${host}:${port} cannot be reached (${code}): a firewall or routing problem between smsops and PortSIP.`;
    default:
      return `Could not connect to ${host}:${port}: ${describeError(error)}.`;
  }
}

function tcpProbe(host: string, port: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host, port });
    const abort = () => socket.destroy();
    signal.addEventListener('abort', abort, { once: true });
    socket.once('connect', () => {
      signal.removeEventListener('abort', abort);
      socket.destroy();
      resolve();
    });
    socket.once('error', (error) => {
      signal.removeEventListener('abort', abort);
      reject(error);
    });
  });
}

interface TlsFacts {
  /** Node's verdict with full chain validation and the hostname check: null when trusted, else its code. */
  authorizationError: string | null;
  certificate: PeerCertificate;
}

/**
 * A TLS handshake with the certificate verified as the relay's HTTPS requests verify it (Node's CA store, hostname),
 * but not refused on failure, so the reason can be told in words. The connection is closed at once.
 */
function tlsProbe(host: string, port: number, signal: AbortSignal, ca: string[] | undefined): Promise<TlsFacts> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host,
      port,
      ...(isIP(host) ? {} : { servername: host }),
      rejectUnauthorized: false,
      ...(ca ? { ca } : {}),
    });
    const abort = () => socket.destroy();
    signal.addEventListener('abort', abort, { once: true });
    socket.once('secureConnect', () => {
      signal.removeEventListener('abort', abort);
      const certificate = socket.getPeerCertificate(false);
      const error = socket.authorized ? null : String(socket.authorizationError ?? 'unknown');
      socket.destroy();
      resolve({ authorizationError: error, certificate });
    });
    socket.once('error', (error) => {
      signal.removeEventListener('abort', abort);
      reject(error);
    });
  });
}

function certificateNames(cert: PeerCertificate): string {
  const alt = cert.subjectaltname
    ?.split(',')
    .map((s) => s.trim().replace(/^(DNS|IP Address):/, ''))
    .filter(Boolean);
  const cn = typeof cert.subject?.CN === 'string' ? cert.subject.CN : undefined;
  return alt && alt.length > 0 ? alt.join(', ') : (cn ?? 'no name');
}

function tlsVerdict(facts: TlsFacts, host: string): { status: CheckStatus; reason: string } {
  const cert = facts.certificate;
  const expires = Date.parse(cert.valid_to);
  const expiry = Number.isNaN(expires) ? '' : ` It expires ${formatDate(expires)}.`;
  const names = certificateNames(cert);
  const relayRefuses = 'smsops’ relay refuses it too, so no SMS reaches PortSIP.';
  switch (facts.authorizationError) {
    case null:
      break;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return {
        status: 'failure',
        reason: `PortSIP presents a self-signed certificate (for ${names}): ${relayRefuses} Install a certificate from a public CA (e.g. Let’s Encrypt) on PortSIP.${expiry}`,
      };
    case 'CERT_HAS_EXPIRED':
      return {
        status: 'failure',
        reason: `PortSIP’s certificate (for ${names}) expired on ${Number.isNaN(expires) ? cert.valid_to : formatDate(expires)}: ${relayRefuses} Renew it.`,
      };
    case 'CERT_NOT_YET_VALID':
      return { status: 'failure', reason: `PortSIP’s certificate is not valid before ${cert.valid_from}: ${relayRefuses}` };
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return {
        status: 'failure',
        reason: `Hostname mismatch: PortSIP’s certificate is for ${names}, not ${host}: ${relayRefuses} Use the host name the certificate names in the route, or a certificate for ${host}.${expiry}`,
      };
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return {
        status: 'failure',
        reason: `PortSIP’s certificate chain cannot be verified (${facts.authorizationError}): the server does not send its intermediate certificate, or its issuer is not a public CA. ${relayRefuses} Configure the full chain on PortSIP.${expiry}`,
      };
    default:
      return {
        status: 'failure',
        reason: `PortSIP’s certificate is not trusted (${facts.authorizationError}): ${relayRefuses}${expiry}`,
      };
  }
  // Node's verdict includes the hostname; checked again here so a mismatch is always named, never passed as trusted.
  const identity = checkServerIdentity(host, cert);
  if (identity) return tlsVerdict({ ...facts, authorizationError: 'ERR_TLS_CERT_ALTNAME_INVALID' }, host);
  const daysLeft = Math.floor((expires - Date.now()) / DAY);
  if (!Number.isNaN(expires) && daysLeft < CERT_EXPIRY_WARNING_DAYS) {
    return {
      status: 'warning',
      reason: `TLS is valid for ${host}, but the certificate expires ${formatDate(expires)} (in ${daysLeft} day${daysLeft === 1 ? '' : 's'}): renew it before the relay starts refusing it.`,
    };
  }
  return { status: 'ok', reason: `Answers; TLS certificate valid for ${host} (full chain verified).${expiry}` };
}

/*
 * Why no HTTP request: PortSIP's inbound SMS webhook is an application URL, and PortSIP documents no method other
 * than POST on it; a POST is a message, and a HEAD or OPTIONS might be logged as a failed message or, on a version
 * that does not look at the method, processed as an empty one. What breaks in practice (the host, the port, a
 * firewall, the certificate) is all seen in the TCP connect and the TLS handshake, which never reach PortSIP's
 * application. The path and its token are not checked here; the relay's recent successes (next check) show them.
 */
async function portsipReachability(url: string, names: string[], ctx: DoctorContext): Promise<DoctorCheck> {
  const base = { id: `portsip:${routeId(names)}`, title: `PortSIP ${names.join(', ')} ${shown(url)}` };
  let parsed: URL;
  try {
    parsed = new URL(encodeCopiedUrl(url));
  } catch {
    return {
      ...base,
      status: 'failure',
      reason: 'The route URL is not a valid URL: `/sms route set` it again as copied from PortSIP.',
    };
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const https = parsed.protocol === 'https:';
  const port = Number(parsed.port) || (https ? 443 : 80);
  try {
    if (!https) {
      await tcpProbe(host, port, ctx.signal);
      return {
        ...base,
        status: 'warning',
        reason: `Answers on ${host}:${port}, but over plain HTTP: not encrypted, so SMS texts and PortSIP’s webhook token cross the network readable. Use PortSIP’s https webhook URL.`,
      };
    }
    const facts = await tlsProbe(host, port, ctx.signal, ctx.deps.trustedCa);
    return { ...base, ...tlsVerdict(facts, host) };
  } catch (error) {
    return { ...base, status: 'failure', reason: connectFailure(error, host, port) };
  }
}

const portsipGroup: CheckGroup = {
  id: 'portsip',
  title: 'PortSIP routes',
  run: async (ctx) => {
    const destinations = portsipDestinations(ctx.deps.services.routes.list(), ctx.deps.services.defaultPortsipUrl);
    if (destinations.size === 0) {
      return [
        {
          id: 'portsip',
          title: 'PortSIP routes',
          status: 'skipped',
          reason:
            'No PortSIP route: inbound SMS are not relayed to PortSIP. `/sms route set default <PortSIP webhook URL>` adds one (or set PORTSIP_WEBHOOK_URL).',
        },
      ];
    }
    return Promise.all([...destinations].map(([url, names]) => portsipReachability(url, names, ctx)));
  },
};

// ── 7. Recent relay successes ────────────────────────────────────────────────────────────────────────────────────

interface DestinationActivity {
  kind: 'portsip' | 'slack';
  destination: string;
  label: string;
  arrivedLast24h: number;
  lastError: string | null;
}

const relayGroup: CheckGroup = {
  id: 'relay',
  title: 'Relay deliveries',
  run: async ({ deps }) => {
    const now = deps.relay.now();
    const since = now - DAY;
    const activity = new Map<string, DestinationActivity>();
    const keyOf = (kind: string, destination: string) => `${kind}\u0000${destination}`;
    const note = (kind: 'portsip' | 'slack', destination: string, label: string) => {
      const key = keyOf(kind, destination);
      const existing = activity.get(key);
      if (existing) return existing;
      const entry = { kind, destination, label, arrivedLast24h: 0, lastError: null };
      activity.set(key, entry);
      return entry;
    };
    for (const [url, names] of portsipDestinations(deps.services.routes.list(), deps.services.defaultPortsipUrl)) {
      note('portsip', url, `PortSIP ${names.join(', ')}`);
    }
    for (const route of deps.services.routes.list()) {
      if (route.slackChannel) note('slack', route.slackChannel, `Slack channel of route ${route.number}`);
    }
    if (deps.channels.inbox) note('slack', deps.channels.inbox, 'Slack inbox channel');
    // Where the messages of the last 24 h were to go: the deliveries say exactly, whatever the routes are now.
    for (const message of deps.relay.inbound.recent(RECENT_MESSAGES_SCANNED)) {
      if (message.ingestedAt < since) break;
      for (const delivery of deps.relay.deliveries.forMessage(message.id)) {
        const entry = note(
          delivery.destinationKind,
          delivery.destination,
          delivery.destinationKind === 'portsip' ? 'PortSIP' : 'Slack channel',
        );
        entry.arrivedLast24h += 1;
        if (delivery.status !== 'delivered' && delivery.lastError && entry.lastError === null)
          entry.lastError = delivery.lastError;
      }
    }
    const backlog = new Map(deps.relay.deliveries.backlog().map((b) => [keyOf(b.destinationKind, b.destination), b]));
    if (activity.size === 0) {
      return [{ id: 'relay', title: 'Relay deliveries', status: 'skipped', reason: 'No destination to relay to is configured.' }];
    }
    return [...activity.values()].map((a, index): DoctorCheck => {
      const shownDestination = a.kind === 'portsip' ? shown(a.destination) : a.destination;
      const base = {
        id: `relay:${a.kind}:${a.kind === 'slack' ? a.destination : index}`,
        title: `Relay to ${a.label} ${shownDestination}`,
      };
      const b = backlog.get(keyOf(a.kind, a.destination));
      const last = b?.lastDeliveredAt ?? null;
      const lastPart = last === null ? 'never delivered to' : `last delivery ${formatDateTime(last)}`;
      const dead = b && b.dead > 0 ? ` ${b.dead} dead (\`/sms relay replay dead\` once fixed).` : '';
      const arrived = a.arrivedLast24h >= RECENT_MESSAGES_SCANNED ? `${RECENT_MESSAGES_SCANNED}+` : String(a.arrivedLast24h);
      if (last !== null && last >= since) {
        return {
          ...base,
          status: dead ? 'warning' : 'ok',
          reason: `Last delivery ${ago(now - last)} (${arrived} message${a.arrivedLast24h === 1 ? '' : 's'} in 24 h).${dead}`,
        };
      }
      if (a.arrivedLast24h > 0) {
        return {
          ...base,
          status: 'warning',
          reason: `${arrived} message${a.arrivedLast24h === 1 ? '' : 's'} arrived for it in the last 24 h and none was delivered (${lastPart}).${
            a.lastError ? ` Last error: ${a.lastError.slice(0, 200)}.` : ''
          }${dead}`,
        };
      }
      return { ...base, status: dead ? 'warning' : 'ok', reason: `No message for it in the last 24 h (${lastPart}).${dead}` };
    });
  },
};

// ── 8. The bot is in its channels ────────────────────────────────────────────────────────────────────────────────

function channelCheck(channel: string, roles: string[], seen: ChannelMembership): DoctorCheck {
  const named = seen.ok && seen.name ? `#${seen.name}` : channel;
  const base = { id: `channel:${channel}`, title: `Slack channel ${named} (${roles.join(', ')})` };
  const invite = 'Invite the bot: type `/invite @smsops` in the channel.';
  if (seen.ok) {
    if (seen.archived)
      return {
        ...base,
        status: 'failure',
        reason: 'The channel is archived: nothing can be posted there. Unarchive it or configure another channel.',
      };
    if (seen.direct || seen.isMember) return { ...base, status: 'ok', reason: 'The bot is a member.' };
    return { ...base, status: 'failure', reason: `The bot is not a member, so it cannot post there. ${invite}` };
  }
  switch (seen.error) {
    case 'not_in_channel':
    case 'channel_not_found':
      return {
        ...base,
        status: 'failure',
        reason: `Slack answers ${seen.error}: the channel does not exist, or it is private and the bot was never invited. ${invite} Otherwise check the channel ID.`,
      };
    case 'missing_scope':
      return {
        ...base,
        status: 'warning',
        reason:
          'Could not check: the Slack app lacks the channels:read and groups:read scopes that membership needs. Add them to the app (manifest.yml) and reinstall it.',
      };
    default:
      return { ...base, status: 'failure', reason: `Slack answers ${seen.error} for this channel.` };
  }
}

const channelsGroup: CheckGroup = {
  id: 'channels',
  title: 'Slack channels',
  run: async ({ deps }) => {
    const roles = new Map<string, string[]>();
    const add = (channel: string, role: string) => roles.set(channel, [...(roles.get(channel) ?? []), role]);
    add(deps.channels.alert, 'alert channel');
    if (deps.channels.inbox) add(deps.channels.inbox, 'inbox channel');
    for (const route of deps.services.routes.list()) if (route.slackChannel) add(route.slackChannel, `route ${route.number}`);
    return Promise.all(
      [...roles].map(async ([channel, list]) => {
        let seen: ChannelMembership;
        try {
          seen = await deps.channelMembership(channel);
        } catch (error) {
          seen = { ok: false, error: describeError(error) };
        }
        return channelCheck(channel, list, seen);
      }),
    );
  },
};

// ── 9. PortSIP inbound rules (PortSIP API, optional) ─────────────────────────────────────────────────────────────

const portsipRulesGroup: CheckGroup = {
  id: 'portsip-rules',
  title: 'PortSIP inbound rules',
  run: async ({ deps, numbers }) => {
    const base = { id: 'portsip-rules', title: 'PortSIP inbound rules' };
    if (!deps.portsip) {
      return [
        {
          ...base,
          status: 'skipped',
          reason:
            'Not checked: set PORTSIP_API_URL (and the PortSIP API credentials) to check that every number has an inbound rule in PortSIP.',
        },
      ];
    }
    const overview = await numbers();
    if (!overview.ok) return [wavixUnreadable(base, overview.error)];
    const dids = overview.value.numbers.filter((n) => n.smsEnabled).map((n) => n.e164);
    if (dids.length === 0) return [{ ...base, status: 'skipped', reason: 'No SMS-enabled number to look up in PortSIP.' }];
    const rules = await deps.portsip.checkInboundRules(dids);
    if (!rules.ok)
      return [{ ...base, status: 'failure', reason: `Could not read PortSIP’s inbound rules: ${rules.error.userMessage}` }];
    const byDid = new Map(rules.value.map((r) => [r.did, r.rule]));
    return dids.map((did): DoctorCheck => {
      const rule = byDid.get(did) ?? null;
      const check = {
        id: `portsip-rule:${did}`,
        title: `PortSIP inbound rule for ${overview.value.numbers.find((n) => n.e164 === did)?.display ?? did}`,
      };
      return rule === null
        ? {
            ...check,
            status: 'failure',
            reason:
              'No inbound rule in PortSIP for this number: PortSIP accepts the relayed SMS but has no extension or queue to deliver it to. Add an inbound rule for it in PortSIP.',
          }
        : { ...check, status: 'ok', reason: `Inbound rule: ${rule}.` };
    });
  },
};

/** In the order of the chain an inbound SMS travels, which the report keeps (the Slack message lists failures first). */
const GROUPS: CheckGroup[] = [
  wavixKey,
  numbersGroup,
  senderIdsGroup,
  webhooksGroup,
  publicUrlGroup,
  portsipGroup,
  relayGroup,
  channelsGroup,
  portsipRulesGroup,
];
