import type { Result } from '../../errors.js';
import type { AlertsRepository } from '../ports/alerts.js';
import type { DeliveriesRepository } from '../ports/deliveries.js';
import type { IgnoredNumber } from '../ports/doctorIgnores.js';
import type { InboundRepository } from '../ports/inbound.js';
import type { PortsipSmsConfiguration } from '../ports/portsip.js';
import type { SetupServices } from '../services.js';
import type { FindingKind } from './findings.js';

/** The `backup` job as the doctor reads it: what it does, and how its last run went. */
export interface BackupJobStatus {
  description: string;
  lastRun: { startedAt: number; outcome: 'running' | 'ok' | 'failed' | 'skipped'; error: string | null } | undefined;
}

/** What `/sms doctor` reports and what its checks are given: shared by the runner (core/doctor.ts) and the groups. */

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
  /** The number (E.164) a number-level finding is about: such a finding can be ignored. */
  number?: string;
  /** Its kind, so that a PBX's hundreds of alike findings are said once with a count. */
  finding?: FindingKind;
  /** Set when its number is ignored: shown on request, not counted. */
  ignored?: IgnoredNumber;
}

export interface DoctorReport {
  checks: DoctorCheck[];
  /** Checks by status, leaving out those of ignored numbers. */
  counts: Record<CheckStatus, number>;
  /** Every ignored number, whether or not it is still on the account. */
  ignored: IgnoredNumber[];
}

/** Wavix's 10DLC event subscriptions (where it posts status changes) against smsops' URLs, as the 10DLC watch reads them. */
export interface TenDlcSubscriptionsSeen {
  /** Set when the account has no 10DLC: nothing to subscribe to. */
  disabled?: string;
  /** brand, campaign and number: the URLs Wavix holds for each (none, or others when not smsops'). */
  categories: Array<{ category: string; urls: string[]; pointsAtSmsops: boolean }>;
  /** Why smsops' last attempt to set them failed, in words; null when none failed since the last success. */
  lastFailure: string | null;
}

/** What the PortSIP API use cases offer doctor (src/core/portsipSetup.ts `checkInboundRules`, `readSmsConfigurations`). */
export interface PortsipInboundRules {
  checkInboundRules(dids: string[]): Promise<Result<Array<{ did: string; rule: string | null }>>>;
  /** `GET /api/sms`: the SMS configurations and their webhook URLs, against which the route URLs are checked. */
  smsConfigurations?(): Promise<Result<PortsipSmsConfiguration[]>>;
}

/** What Slack says about one channel, as seen with the bot token (`users.conversations`, `conversations.info`). */
export type ChannelMembership =
  | {
      ok: true;
      isMember: boolean;
      name?: string | undefined;
      archived?: boolean;
      direct?: boolean;
      /** Shared with another organisation through Slack Connect (is_ext_shared): its people read what is posted. */
      sharedExternally?: boolean;
    }
  /** `error` is Slack's code; RATE_LIMITED when Slack refused to answer for now, with its Retry-After when given. */
  | { ok: false; error: string; retryAfterSeconds?: number };

/** The scopes Slack says the bot token has (its x-oauth-scopes header); undefined when Slack's answer did not say. */
export type BotScopes = { ok: true; scopes: readonly string[] | undefined } | { ok: false; error: string };

/** What a GET of PUBLIC_BASE_URL/healthz answered: its HTTP status and its body (the first 64 KB), as text. */
export interface HealthAnswer {
  status: number;
  text: string;
}

export interface HealthProbeOptions {
  signal: AbortSignal;
  /** DoctorDeps.trustedCa: certificates to trust instead of Node's store (tests only). */
  ca: string[] | undefined;
}

/** Asks smsops' own health report at a URL, as Wavix would reach it; rejects when nothing answers. */
export type HealthProbe = (url: string, options: HealthProbeOptions) => Promise<HealthAnswer>;

/**
 * A probe that reached its own time limit; `connected` when the TCP connection was made (the TLS handshake hung),
 * `resolving` when the host name was still being looked up (DNS hung: no packet was ever sent to the PBX).
 */
export class ProbeHung extends Error {
  constructor(
    readonly connected: boolean,
    readonly resolving = false,
  ) {
    super('no answer in time');
  }
}

/** The parts of a peer's certificate (node:tls PeerCertificate) the doctor words its verdict with. */
export interface TlsPeerCertificate {
  valid_from: string;
  valid_to: string;
  subjectaltname?: string | undefined;
  subject?: { CN?: unknown } | undefined;
}

/** What a TLS handshake with a PortSIP host showed. */
export interface TlsFacts {
  /** Node's verdict with full chain validation and the hostname check: null when trusted, else its code. */
  authorizationError: string | null;
  /** Node's checkServerIdentity found the certificate is not for the host (whatever the verdict above says). */
  hostnameMismatch: boolean;
  certificate: TlsPeerCertificate;
}

/**
 * The PortSIP routes check's connections (src/portsip/connectionProbes.ts), closed at once, nothing sent: a TCP
 * connect for http://, a TLS handshake for https://. Each rejects with ProbeHung when `signal` aborts first, or with
 * the connection's error (its `code`: ECONNREFUSED, ENOTFOUND…).
 */
export interface PortsipProbes {
  tcp(host: string, port: number, signal: AbortSignal): Promise<void>;
  tls(host: string, port: number, options: { signal: AbortSignal; ca: string[] | undefined }): Promise<TlsFacts>;
}

/** The error of a channel look-up Slack rate-limited (Slack's own code for a 429). */
export const RATE_LIMITED = 'ratelimited';

export interface DoctorDeps {
  services: Pick<
    SetupServices,
    'wavix' | 'senderIds' | 'routes' | 'smsopsWebhooks' | 'defaultPortsipUrl' | 'wavixOnThisHost' | 'ownAddress'
  >;
  relay: { deliveries: DeliveriesRepository; inbound: InboundRepository; now: () => number };
  /** The alert settings: a destination's backlog is judged on /healthz's threshold (backlog_minutes; default without). */
  alerts?: Pick<AlertsRepository, 'setting'>;
  /** PUBLIC_BASE_URL; null when unset. */
  publicBaseUrl: string | null;
  /** The alert channel and, when known, the inbox channel (SLACK_INBOX_CHANNEL). */
  channels: { alert: string; inbox: string | null };
  channelMembership: (channel: string) => Promise<ChannelMembership>;
  /** The bot token's scopes, from auth.test (absent in tests of the other checks: no scope check then). */
  botScopes?: () => Promise<BotScopes>;
  /** The PUBLIC_BASE_URL check's GET (src/http/healthProbe.ts): the doctor itself speaks no HTTP. */
  healthProbe: HealthProbe;
  /** The PortSIP routes check's TCP connect and TLS handshake: the doctor itself opens no socket. */
  portsipProbes: PortsipProbes;
  /** Present when the PortSIP API is configured. */
  portsip?: PortsipInboundRules | undefined;
  /** The person running doctor is an smsops admin: the relay checks quote what PortSIP answered (~80 characters). */
  showDestinationAnswers?: boolean;
  /** The scheduler's `backup` job (BACKUP_DIR): whether backups are on and how the last one went. */
  backupJob?: () => BackupJobStatus | undefined | Promise<BackupJobStatus | undefined>;
  /** Why a backup into BACKUP_DIR would fail now (checked with a real file), or null; absent while backups are off. */
  backupDirProblem?: (() => Promise<string | null>) | undefined;
  /** Reads Wavix's 10DLC event subscriptions (absent without PUBLIC_BASE_URL, or in tests of the other checks). */
  tenDlcSubscriptions?: ((signal: AbortSignal) => Promise<Result<TenDlcSubscriptionsSeen>>) | undefined;
  /** Numbers whose findings are not counted (`/sms doctor ignore`). */
  ignoredNumbers?: readonly IgnoredNumber[];
  /** Per check group; one hung link cannot stall the others. Default 5 s. */
  timeoutMs?: number;
  /** Per check group that reads Wavix (the key, numbers, Sender IDs, webhooks, 10DLC). Default 20 s (WAVIX_GROUP_LIMIT_MS). */
  wavixTimeoutMs?: number;
  /**
   * Tests only: certificates to trust instead of Node's CA store (PortSIP's TLS, the PUBLIC_BASE_URL probe). In
   * production this stays unset so doctor trusts exactly what the relay's HTTPS requests trust (Node's store plus
   * NODE_EXTRA_CA_CERTS).
   */
  trustedCa?: string[];
}
