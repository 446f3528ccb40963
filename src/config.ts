import cron from 'node-cron';
import { z } from 'zod';
import { ownEndpointProblem } from './core/destinationSelf.js';
import { checkDestinationUrl, RefusedDestinationError } from './core/destinationUrls.js';
import { portsipUrlProblem } from './core/portsipUrl.js';
import { isHttpUrl } from './core/urls.js';
import { flag, flagProblem } from './envBoolean.js';
import { readEnvFile } from './envFile.js';
import { hostUnsetWarning, listenHost } from './envHost.js';
import { positiveNumber, wholeNumber } from './envNumbers.js';
import { publicBaseUrl, publicBaseUrlWarning } from './envPublicUrl.js';
import { scheduleZoneWarnings } from './envScheduleZone.js';
import { misspeltVariableWarnings } from './envSpelling.js';
import { webhookSecretWarning } from './envWebhookSecret.js';
import { AppError, err, ok, type Result } from './errors.js';
import { type HttpLimits, httpLimitsFrom, httpLimitsProblems, httpLimitsShape } from './http/limitsConfig.js';
import { LOG_FORMAT_VARIABLE, type LogFormat, logFormatSetting } from './logFormat.js';

/**
 * The configuration contract of ../shared/design.md, parsed from the environment (plus `.env` when present).
 * Every bad variable is reported at once, so an operator fixes the file in one go.
 */

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
/** PRAGMA synchronous of the database's connections (src/store/database.ts says what each keeps through what). */
const DATABASE_SYNCHRONOUS_MODES = ['normal', 'full'] as const;

export const MIN_RETENTION_DAYS = 8;

const emptyToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const optionalString = z.preprocess(emptyToUndefined, z.string().optional());

/** Whether a URL carries a user or password (`https://user:password@host/`). */
const withCredentials = (value: string) => {
  try {
    const url = new URL(value);
    return url.username !== '' || url.password !== '';
  } catch {
    return false;
  }
};

const httpUrl = (what: string) => z.string().refine((value) => isHttpUrl(value), { message: `must be an http(s) URL (${what})` });

const channelId = z
  .string()
  .regex(/^[CGD][A-Z0-9]{6,}$/, 'must be a Slack channel ID like C0123456789 (not a #name: open the channel details to copy it)');

/** A comma-separated list of Slack user IDs (empty: none). */
const slackUserIds = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
    )
    .refine((ids) => ids.every((id) => /^[UW][A-Z0-9]{6,}$/.test(id)), {
      message: 'must be comma-separated Slack user IDs like U0123456789',
    }),
);

const cronExpression = (fallback: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default(fallback)
      .refine((value) => cron.validate(value), { message: 'is not a valid cron expression (e.g. "*/10 * * * *")' }),
  );

/** A required variable; empty counts as unset, as .env.example says, so `NAME=` is "required", not "too short". */
const required = <T extends z.ZodType>(whatItIs: string, schema: T) =>
  z.preprocess(
    emptyToUndefined,
    z
      .unknown()
      .superRefine((value, ctx) => {
        if (value === undefined)
          ctx.addIssue({ code: 'custom', message: `is required (${whatItIs}; an empty value counts as unset)` });
      })
      .pipe(schema),
  );

/**
 * A token, key or secret, with the spaces and line breaks around it cut (a secret file mounted by Kubernetes ends in a
 * newline, and Slack then refused every request as a signature mismatch). One inside cannot be part of it: refused,
 * naming the variable only.
 */
const secret = <T extends z.ZodType>(schema: T) =>
  z.preprocess(
    (value) => (typeof value === 'string' ? value.trim() || undefined : value),
    z
      .unknown()
      .superRefine((value, ctx) => {
        if (typeof value === 'string' && /\s/.test(value))
          ctx.addIssue({ code: 'custom', message: 'holds a space or line break inside: copy it again whole', abort: true });
      })
      .pipe(schema),
  );

/**
 * Slack's app pages show several tokens; the ones a newcomer pastes instead of the bot token are named, with where the
 * right one is (the prefix alone, never the token).
 */
function botTokenProblem(value: string, ctx: z.RefinementCtx): void {
  if (value.startsWith('xoxb-')) return;
  const where = 'copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions';
  const message = value.startsWith('xoxp-')
    ? `is a user token (xoxp-…), which acts as the person who installed the app: ${where}`
    : value.startsWith('xapp-')
      ? `is an app-level token (xapp-…), which belongs in SLACK_APP_TOKEN (Socket Mode): ${where}`
      : `must start with xoxb-: ${where}`;
  ctx.addIssue({ code: 'custom', message });
}

const webhookSecretValue = z
  .string()
  .regex(/^[A-Za-z0-9_-]{24,}$/, 'must be at least 24 characters of letters, digits, - or _ (it is a URL path segment)');

/**
 * Earlier webhook secrets still taken during a rotation, comma-separated, each read as WEBHOOK_SECRET is. A problem
 * names the entry by its place, never its value.
 */
const previousWebhookSecrets = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .default('')
    .transform((value, ctx) => {
      const entries = value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean);
      entries.forEach((entry, i) => {
        const problem = /\s/.test(entry)
          ? 'holds a space or line break inside: copy it again whole'
          : webhookSecretValue.safeParse(entry).error?.issues[0]?.message;
        if (problem) ctx.addIssue({ code: 'custom', message: `entry ${i + 1} ${problem}` });
      });
      return [...new Set(entries)];
    }),
);

const configSchema = z.object({
  SLACK_BOT_TOKEN: secret(required('the bot token, xoxb-…', z.string().superRefine(botTokenProblem))),
  SLACK_SIGNING_SECRET: secret(z.string().optional()),
  SLACK_APP_TOKEN: secret(z.string().startsWith('xapp-', 'must start with xapp-').optional()),
  SLACK_API_URL: z.preprocess(
    emptyToUndefined,
    httpUrl('the Slack Web API base')
      // Slack's Web API client cannot send them (every call fails), and it wrote the URL, password and all, in its lines.
      .refine((value) => !withCredentials(value), {
        message:
          'holds a user and password (user:password@): Slack’s Web API client cannot send them, so no call to Slack would work. Remove them; a proxy that asks for a password goes in HTTPS_PROXY (http://user:password@proxy:port)',
      })
      .default('https://slack.com/api/'),
  ),
  SLACK_ALERT_CHANNEL: required('channel ID for approvals and alerts', z.string().pipe(channelId)),
  SLACK_INBOX_CHANNEL: z.preprocess(emptyToUndefined, channelId.optional()),
  SLACK_ADMIN_USERS: slackUserIds,
  // Who may answer SMS from Slack threads; empty: every member of the thread's channel.
  SLACK_REPLY_USERS: slackUserIds,
  // Guests and other organisations' members who may acknowledge and snooze alerts (full members always may).
  SLACK_ALERT_USERS: slackUserIds,
  WAVIX_API_KEY: secret(
    required('create one in the Wavix portal: API keys', z.string().min(8, 'looks too short to be a Wavix API key')),
  ),
  WAVIX_API_URL: z.preprocess(emptyToUndefined, httpUrl('the Wavix API base').default('https://api.wavix.com')),
  PUBLIC_BASE_URL: publicBaseUrl,
  WEBHOOK_SECRET: secret(webhookSecretValue.optional()),
  WEBHOOK_SECRET_PREVIOUS: previousWebhookSecrets,
  WEBHOOK_SECRET_PREVIOUS_DLR: previousWebhookSecrets,
  PORTSIP_WEBHOOK_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .superRefine((value, ctx) => {
        // The same rule as `/sms route set`: the relay must not be pointed at a metadata or link-local address.
        const checked = checkDestinationUrl(value);
        if (!checked.ok) ctx.addIssue({ code: 'custom', message: `is refused: ${checked.error.userMessage}` });
        // And the same as a route's URL: `… #sms-inbox` or a trailing space pasted with it would post to `…/<id>%20`.
        const problem = checked.ok ? portsipUrlProblem(value, 'environment') : null;
        if (problem) ctx.addIssue({ code: 'custom', message: `cannot be right: ${problem}` });
      })
      .optional(),
  ),
  PORTSIP_API_URL: z.preprocess(
    emptyToUndefined,
    httpUrl("PortSIP's web portal / REST API base, e.g. https://pbx.example.com:8887").optional(),
  ),
  PORTSIP_API_USER: z.preprocess(emptyToUndefined, z.string().optional()),
  PORTSIP_API_PASSWORD: z.preprocess(emptyToUndefined, z.string().optional()),
  PORTSIP_API_DOMAIN: z.preprocess(emptyToUndefined, z.string().optional()),
  PORT: wholeNumber(1, 65535, 3000, { extra: ', or 0 for any free port', allowed: [0] }),
  HOST: listenHost('0.0.0.0'),
  DATABASE_PATH: z.preprocess(emptyToUndefined, z.string().default('./data/smsops.db')),
  DATABASE_SYNCHRONOUS: z.preprocess(
    (value) => (typeof value === 'string' ? value.trim().toLowerCase() || undefined : value),
    z.enum(DATABASE_SYNCHRONOUS_MODES, { error: `must be one of ${DATABASE_SYNCHRONOUS_MODES.join(', ')}` }).default('normal'),
  ),
  SENDER_ID_POLL_CRON: cronExpression('*/10 * * * *'),
  TRAFFIC_WATCH_CRON: cronExpression('*/5 * * * *'),
  DIGEST_CRON: cronExpression('0 8 * * *'),
  RETENTION_CRON: cronExpression('30 3 * * *'),
  // Wavix's opt-out list changes when people text STOP to Wavix or someone edits it in the portal: a quarter of an
  // hour behind is soon enough for replies, and costs one listing call per 100 opt-outs.
  OPT_OUT_SYNC_CRON: cronExpression('*/15 * * * *'),
  // The 7-day traffic reports and the watch's 7-day averages are computed from the stored messages: fewer days
  // would show them emptier than they were.
  RETENTION_DAYS: wholeNumber(MIN_RETENTION_DAYS, 36_500, 90, {
    says: `must be 0 (keep all) or a whole number of days from ${MIN_RETENTION_DAYS} (the 7-day reports read that far back) to 36500`,
    allowed: [0],
  }),
  AUDIT_RETENTION_DAYS: wholeNumber(0, 36_500, 365, { extra: ' days (0 keeps all)' }),
  SCHEDULE_TIMEZONE: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((zone) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: zone });
          return true;
        } catch {
          return false;
        }
      }, 'must be an IANA time zone, e.g. Europe/Berlin')
      .default('UTC'),
  ),
  RELAY_CONCURRENCY: wholeNumber(1, 256, 64),
  RELAY_DEAD_AFTER_HOURS: positiveNumber(0, 24 * 30, 24),
  RELAY_RETRY_BASE_MS: wholeNumber(10, 600_000, 1000),
  SLACK_RELAY_PACE_MS: wholeNumber(0, 60_000, 1000),
  SMS_MASK_CODES: flag(false),
  PORTSIP_DEADLINE_MS: wholeNumber(100, 600_000, 15_000),
  RELAY_LEASE_MS: wholeNumber(500, 3_600_000, 60_000),
  RELAY_STALL_ALERT_MS: wholeNumber(0, 3_600_000, 30_000),
  RELAY_INGEST_PACING_MS: wholeNumber(0, 3_600_000, 1_000, { extra: ' ms (0 never paces)' }),
  INSTANCE_LEASE_MS: wholeNumber(300, 600_000, 30_000),
  BACKUP_DIR: optionalString,
  BACKUP_CRON: cronExpression('30 3 * * *'),
  BACKUP_KEEP: wholeNumber(1, 1000, 7, { extra: ' (backups kept)' }),
  SKIP_PRE_UPGRADE_BACKUP: flag(false),
  LOG_LEVEL: z.preprocess(
    (value) => (typeof value === 'string' ? value.trim().toLowerCase() || undefined : value),
    z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  ),
  ...httpLimitsShape,
});

/**
 * Every variable smsops reads, from the schema itself: one of them set means a deployment meant to run smsops, so the
 * sandbox never starts by itself there (src/sandbox/mode.ts).
 */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(configSchema.shape);

/** Read elsewhere (the sandbox, the emulator, deploy/): known names too, so they are never taken for misspellings. */
const OTHER_VARIABLES = [
  'SMSOPS_SANDBOX',
  'SMSOPS_SANDBOX_HOST',
  'SMSOPS_SANDBOX_PORT',
  'SMSOPS_SANDBOX_REQUIRE_TOKEN',
  'SMSOPS_DOMAIN',
  'WAVIX_EMULATOR_KEY',
  'BACKUP_NAME',
  // How lines look, not what smsops does: setting it alone on a fresh clone still starts the sandbox.
  LOG_FORMAT_VARIABLE,
];

/** LOG_FORMAT, read by production and the sandbox alike; a bad value is a problem in the config error's words. */
export function parseLogFormat(
  env: Record<string, string | undefined>,
): { ok: true; value: LogFormat | undefined } | { ok: false; error: string } {
  const parsed = logFormatSetting.safeParse(env[LOG_FORMAT_VARIABLE]);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, error: `${LOG_FORMAT_VARIABLE} ${parsed.error.issues[0]?.message ?? 'is not valid'}` };
}

/**
 * Set variables that are not smsops' but one or two letters from one of its own (`SLACK_BOT_TOKN`): warnings, not
 * errors, since the environment may hold anything; but the real variable is then missing or at its default. And a
 * PUBLIC_BASE_URL Wavix cannot reach (loopback, private) or a plain http:// one, which works but sends SMS in clear.
 */
/** Warnings at start; the sandbox (which uses its own URL in place of PUBLIC_BASE_URL) gets only the misspellings. */
export const configWarnings = (env: Record<string, string | undefined>, options: { sandbox?: boolean } = {}): string[] => [
  ...misspeltVariableWarnings(env, [...CONFIG_VARIABLES, ...OTHER_VARIABLES]),
  ...(options.sandbox
    ? []
    : [publicBaseUrlWarning(env.PUBLIC_BASE_URL), hostUnsetWarning(env), webhookSecretWarning(env.WEBHOOK_SECRET)].filter(
        (warning) => warning !== undefined,
      )),
  // The sandbox keeps its schedules in UTC whatever the environment says.
  ...(options.sandbox ? [] : scheduleZoneWarnings(env)),
];

/** Rules across variables. Checked apart from the schema so they are reported together with per-variable problems. */
function crossVariableProblems(env: Record<string, string | undefined>): string[] {
  const set = (name: string) => (env[name] ?? '').trim() !== '';
  const problems: string[] = [];
  // Read before the configuration (src/sandbox/mode.ts): a value it cannot read must not pass silently here either.
  const sandbox = flagProblem('SMSOPS_SANDBOX', env.SMSOPS_SANDBOX);
  if (sandbox) problems.push(sandbox);
  if (!set('SLACK_APP_TOKEN') && !set('SLACK_SIGNING_SECRET')) {
    problems.push('SLACK_SIGNING_SECRET is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)');
  }
  const portsip = ['PORTSIP_API_URL', 'PORTSIP_API_USER', 'PORTSIP_API_PASSWORD'];
  if (portsip.some(set) && !portsip.every(set)) {
    problems.push(
      `${portsip.filter((name) => !set(name)).join(' and ')} missing: the PortSIP API needs its URL, user and password`,
    );
  }
  const deadline = Number(env.PORTSIP_DEADLINE_MS || 15_000);
  const lease = Number(env.RELAY_LEASE_MS || 60_000);
  if (Number.isFinite(deadline) && Number.isFinite(lease) && lease <= deadline) {
    problems.push(
      `RELAY_LEASE_MS (${lease}) must be longer than PORTSIP_DEADLINE_MS (${deadline}): a lease that runs out during an attempt sends the message twice`,
    );
  }
  const current = env.WEBHOOK_SECRET?.trim();
  for (const name of ['WEBHOOK_SECRET_PREVIOUS', 'WEBHOOK_SECRET_PREVIOUS_DLR'] as const) {
    if (current && (env[name] ?? '').split(',').some((entry) => entry.trim() === current)) {
      problems.push(
        `${name} holds WEBHOOK_SECRET itself: set WEBHOOK_SECRET to the new secret and keep only the old one in ${name}`,
      );
    }
  }
  // Moved to WEBHOOK_SECRET_PREVIOUS_DLR but left in WEBHOOK_SECRET_PREVIOUS, an old secret still posts SMS and STOPs
  // (the wider list wins), while the operator believes it posts delivery reports only (a probe).
  const previous = new Set((env.WEBHOOK_SECRET_PREVIOUS ?? '').split(',').map((entry) => entry.trim()));
  (env.WEBHOOK_SECRET_PREVIOUS_DLR ?? '').split(',').forEach((entry, i) => {
    if (entry.trim() !== '' && previous.has(entry.trim()))
      problems.push(
        `WEBHOOK_SECRET_PREVIOUS_DLR entry ${i + 1} is in WEBHOOK_SECRET_PREVIOUS too, where it still posts SMS: remove it from WEBHOOK_SECRET_PREVIOUS`,
      );
  });
  return problems;
}

export interface Config {
  slack: {
    botToken: string;
    signingSecret: string | undefined;
    appToken: string | undefined;
    apiUrl: string;
    alertChannel: string;
    inboxChannel: string;
    adminUsers: readonly string[];
    /** SLACK_REPLY_USERS: narrows who may reply to SMS from Slack threads; empty: every member of the channel. */
    replyUsers: readonly string[];
    /** SLACK_ALERT_USERS: guests and other organisations' members who may acknowledge and snooze alerts. */
    alertUsers: readonly string[];
  };
  wavix: { apiKey: string; apiUrl: string };
  publicBaseUrl: string | undefined;
  webhookSecret: string | undefined;
  /** WEBHOOK_SECRET_PREVIOUS: earlier secrets whose URLs are still taken while Wavix is moved to the current one. */
  previousWebhookSecrets: readonly string[];
  /**
   * WEBHOOK_SECRET_PREVIOUS_DLR: earlier secrets taken on the delivery report URL only, for the callback URLs of replies
   * sent before a rotation, once Wavix's inbound and 10DLC URLs were moved: the old secret no longer posts SMS.
   */
  previousDlrWebhookSecrets: readonly string[];
  portsipWebhookUrl: string | undefined;
  /** PortSIP's REST API (optional): route proposals and the inbound-rule check of `/sms doctor`. */
  portsipApi: { url: string; username: string; password: string; domain: string | undefined } | null;
  http: { port: number; host: string; limits: HttpLimits };
  databasePath: string;
  /** PRAGMA synchronous of every connection: `full` syncs the WAL at each commit (an acknowledged SMS survives a power loss). */
  databaseSynchronous: (typeof DATABASE_SYNCHRONOUS_MODES)[number];
  /** Cron expressions, read in `timezone` (the daily digest's hour is a local hour). */
  schedules: {
    senderIdPoll: string;
    trafficWatch: string;
    digest: string;
    retention: string;
    optOutSync: string;
    timezone: string;
  };
  /** Days kept (0 keeps all): messages and traffic records; the audit log apart. */
  retention: { days: number; auditDays: number };
  relay: {
    /** Conversations delivered to PortSIP in parallel. */
    concurrency: number;
    /** A delivery still failing this long after the message arrived is dead (alerted, replayable). */
    deadAfterMs: number;
    retryBaseMs: number;
    /** Pause between two posts of the Slack leg (Slack allows about one message a second per channel). */
    slackPaceMs: number;
    /** One-time codes in relayed SMS shown as dots in Slack (PortSIP still gets the exact bytes). */
    maskCodesInSlack: boolean;
    /** Overall deadline of one attempt to PortSIP: connect, headers and body. */
    portsipDeadlineMs: number;
    /** How long a claimed delivery is reserved; a lease left by a lost attempt is reclaimed once it runs out. */
    leaseMs: number;
    /** How long the relay must be failing (/healthz 503) before the relay_stalled alert is raised. */
    stallAlertAfterMs: number;
    /** Due PortSIP deliveries waiting this long for a slot (PortSIP answering) pace inbound webhooks; 0: never. */
    ingestPacingMs: number;
  };
  /** How long the instance lease on the database lasts without a heartbeat (one smsops per database). */
  instanceLeaseMs: number;
  /** Online backups of the database; off (dir undefined) unless BACKUP_DIR is set. Cron read in schedules.timezone. */
  backup: {
    dir: string | undefined;
    schedule: string;
    keep: number;
    /** SKIP_PRE_UPGRADE_BACKUP: an upgrade migrates without the backup into `dir` first (src/store/preUpgradeBackup.ts). */
    skipBeforeUpgrade?: boolean;
  };
  logLevel: (typeof LOG_LEVELS)[number];
  /** LOG_FORMAT as asked; undefined follows the terminal (src/logFormat.ts). */
  logFormat: LogFormat | undefined;
}

export class ConfigError extends AppError {
  readonly problems: readonly string[];

  constructor(problems: string[]) {
    const text = `smsops cannot start: ${problems.length} configuration problem${problems.length === 1 ? '' : 's'}:\n${problems
      .map((p) => `  - ${p}`)
      .join('\n')}\nSee .env.example for every variable.`;
    super(text, text);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Names of the variables that hold secrets: their values are never printed, not even in config errors. */
export const SECRET_VARIABLES = [
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'WAVIX_API_KEY',
  'WEBHOOK_SECRET',
  'WEBHOOK_SECRET_PREVIOUS',
  'WEBHOOK_SECRET_PREVIOUS_DLR',
  'PORTSIP_API_PASSWORD',
] as const;

/**
 * PORTSIP_WEBHOOK_URL naming smsops' own webhook or listener: the relay would post each SMS back to smsops, which
 * takes it as a duplicate, so every SMS would look delivered and PortSIP get none. A secret smsops generates (no
 * WEBHOOK_SECRET) or a port bound at start (PORT=0) is known only later: /sms doctor and the webhook itself catch those.
 */
function portsipWebhookUrlLoop(e: {
  PORTSIP_WEBHOOK_URL?: string | undefined;
  WEBHOOK_SECRET?: string | undefined;
  WEBHOOK_SECRET_PREVIOUS?: readonly string[] | undefined;
  PUBLIC_BASE_URL?: string | undefined;
  HOST: string;
  PORT: number;
}): string[] {
  if (!e.PORTSIP_WEBHOOK_URL) return [];
  const own = {
    webhookSecret: e.WEBHOOK_SECRET,
    previousWebhookSecrets: e.WEBHOOK_SECRET_PREVIOUS,
    publicBaseUrl: e.PUBLIC_BASE_URL,
    listener: { host: e.HOST, port: e.PORT },
  };
  const problem = ownEndpointProblem(e.PORTSIP_WEBHOOK_URL, own);
  return problem
    ? [`PORTSIP_WEBHOOK_URL is refused: ${new RefusedDestinationError(e.PORTSIP_WEBHOOK_URL, problem).userMessage}`]
    : [];
}

/**
 * WAVIX_API_URL without the API version: Wavix's documentation writes its calls as `https://api.wavix.com/v1/…`, and
 * a base pasted with that `/v1` made every call `/v1/v1/…`, which Wavix answers 404 ("Record not found": the start's
 * check said the balance "may have been deleted in the Wavix portal"). smsops puts `/v1` before each path itself.
 */
export const wavixApiBase = (url: string): string => url.replace(/\/+$/, '').replace(/\/v1$/i, '').replace(/\/+$/, '');

export function parseConfig(env: Record<string, string | undefined>): Result<Config, ConfigError> {
  const parsed = configSchema.safeParse(env);
  const logFormat = parseLogFormat(env);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((issue) => `${String(issue.path[0] ?? 'environment')} ${issue.message}`)),
    ...(logFormat.ok ? [] : [logFormat.error]),
    ...crossVariableProblems(env),
    ...(parsed.success ? httpLimitsProblems(parsed.data) : []),
    ...(parsed.success ? portsipWebhookUrlLoop(parsed.data) : []),
  ];
  if (!parsed.success || !logFormat.ok || problems.length > 0) return err(new ConfigError([...new Set(problems)]));
  const e = parsed.data;
  return ok({
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`,
      alertChannel: e.SLACK_ALERT_CHANNEL,
      inboxChannel: e.SLACK_INBOX_CHANNEL ?? e.SLACK_ALERT_CHANNEL,
      adminUsers: e.SLACK_ADMIN_USERS,
      replyUsers: e.SLACK_REPLY_USERS,
      alertUsers: e.SLACK_ALERT_USERS,
    },
    wavix: { apiKey: e.WAVIX_API_KEY, apiUrl: wavixApiBase(e.WAVIX_API_URL) },
    publicBaseUrl: e.PUBLIC_BASE_URL?.replace(/\/+$/, ''),
    webhookSecret: e.WEBHOOK_SECRET,
    previousWebhookSecrets: e.WEBHOOK_SECRET_PREVIOUS,
    previousDlrWebhookSecrets: e.WEBHOOK_SECRET_PREVIOUS_DLR,
    portsipWebhookUrl: e.PORTSIP_WEBHOOK_URL,
    portsipApi:
      e.PORTSIP_API_URL && e.PORTSIP_API_USER && e.PORTSIP_API_PASSWORD
        ? { url: e.PORTSIP_API_URL, username: e.PORTSIP_API_USER, password: e.PORTSIP_API_PASSWORD, domain: e.PORTSIP_API_DOMAIN }
        : null,
    http: { port: e.PORT, host: e.HOST, limits: httpLimitsFrom(e) },
    databasePath: e.DATABASE_PATH,
    databaseSynchronous: e.DATABASE_SYNCHRONOUS,
    schedules: {
      senderIdPoll: e.SENDER_ID_POLL_CRON,
      trafficWatch: e.TRAFFIC_WATCH_CRON,
      digest: e.DIGEST_CRON,
      retention: e.RETENTION_CRON,
      optOutSync: e.OPT_OUT_SYNC_CRON,
      timezone: e.SCHEDULE_TIMEZONE,
    },
    retention: { days: e.RETENTION_DAYS, auditDays: e.AUDIT_RETENTION_DAYS },
    relay: {
      concurrency: e.RELAY_CONCURRENCY,
      deadAfterMs: e.RELAY_DEAD_AFTER_HOURS * 3_600_000,
      retryBaseMs: e.RELAY_RETRY_BASE_MS,
      slackPaceMs: e.SLACK_RELAY_PACE_MS,
      maskCodesInSlack: e.SMS_MASK_CODES,
      portsipDeadlineMs: e.PORTSIP_DEADLINE_MS,
      leaseMs: e.RELAY_LEASE_MS,
      stallAlertAfterMs: e.RELAY_STALL_ALERT_MS,
      ingestPacingMs: e.RELAY_INGEST_PACING_MS,
    },
    instanceLeaseMs: e.INSTANCE_LEASE_MS,
    backup: {
      dir: e.BACKUP_DIR,
      schedule: e.BACKUP_CRON,
      keep: e.BACKUP_KEEP,
      skipBeforeUpgrade: e.SKIP_PRE_UPGRADE_BACKUP,
    },
    logLevel: e.LOG_LEVEL,
    logFormat: logFormat.value,
  });
}

/**
 * The process environment with `.env` (if present) underneath it: a variable set in the real environment wins, so an
 * operator can override one value without editing the file. `warnings` names lines read as likely not meant (a
 * `#channel` after `= `, a comment). `problems` names the file's lines that are not
 * `NAME=value`, or why it cannot be read: a start refuses them (exit 2) rather than run without those values.
 */
export function readEnvironment(
  env: Record<string, string | undefined> = process.env,
  envFile = '.env',
): {
  env: Record<string, string | undefined>;
  problems: readonly string[];
  warnings: readonly string[];
  fileValues: Readonly<Record<string, string>>;
} {
  const file = readEnvFile(envFile);
  // A variable the real environment sets does not read the file's line: nothing to say of it.
  const warnings = file.warnings.filter(({ name }) => env[name] === undefined).map(({ warning }) => warning);
  return { env: { ...file.values, ...env }, problems: file.problems, warnings, fileValues: file.values };
}

/** A parse's result with the `.env` file's problems put first, so one message names everything to fix. */
export function withEnvFileProblems<T>(parsed: Result<T, ConfigError>, fileProblems: readonly string[]): Result<T, ConfigError> {
  if (fileProblems.length === 0) return parsed;
  return err(new ConfigError([...fileProblems, ...(parsed.ok ? [] : parsed.error.problems)]));
}
