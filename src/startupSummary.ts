import { formatPhoneForPeople } from './core/phone.js';
import { maskUrl, maskUserinfo } from './core/urls.js';

/**
 * The few facts a person at the terminal needs after start, one log line each (human lines at a terminal, JSON in a
 * pipe, like every other line; they were plain text beside the JSON, which a log shipper could not parse): where
 * smsops listens, and what is missing and what that means for SMS. URLs that hold the webhook secret are masked;
 * nothing else said here is secret.
 */
export interface StartupLine {
  level: 'info' | 'warn';
  msg: string;
}

const info = (msg: string): StartupLine => ({ level: 'info', msg });
const warn = (msg: string): StartupLine => ({ level: 'warn', msg });

export interface StartupFacts {
  /** The listener actually bound, e.g. http://0.0.0.0:3000. */
  listeningUrl: string;
  publicBaseUrl: string | undefined;
  /** smsops' inbound webhook URL (holds the secret), when PUBLIC_BASE_URL is set. */
  inboundWebhookUrl: string | undefined;
  portsipWebhookUrl: string | undefined;
  /** Stored routes naming a PortSIP URL for a number (the `default` route apart). */
  portsipRouteCount: number;
  /** The PortSIP URL of the stored `default` route: used for numbers without a route, before PORTSIP_WEBHOOK_URL. */
  defaultRouteUrl?: string | undefined;
  /** Stored routes whose URL cannot be right (saved by an older smsops): the relay posts there as stored. */
  routeProblems?: ReadonlyArray<{ number: string; url: string; problem: string }>;
  slackMode: string;
}

/** Past this many, the rest are counted: `/sms route list` and `/sms doctor` name each. */
const ROUTE_PROBLEMS_SHOWN = 5;

/** 0.0.0.0 and :: are not addresses a browser can open: say so, with the local URL that works. */
function shownListener(url: string): string {
  const wildcard = /^http:\/\/(0\.0\.0\.0|\[::\]):(\d+)$/.exec(url);
  return wildcard ? `${url} (all addresses; here: http://localhost:${wildcard[2]})` : url;
}

/** Slack's Request URL is set in the Slack app, not here: without PUBLIC_BASE_URL only its path can be named. */
function slackHttpMode(publicBaseUrl: string | undefined): string {
  return publicBaseUrl === undefined
    ? 'HTTP mode: Slack must reach /slack/events on this server from the internet (its Request URL: the public address of smsops followed by /slack/events)'
    : `HTTP mode: Slack must reach ${maskUserinfo(publicBaseUrl)}/slack/events`;
}

/** Where numbers without a route go: the stored `default` route wins over PORTSIP_WEBHOOK_URL (as the relay decides). */
function defaultWords(facts: StartupFacts): string {
  if (facts.defaultRouteUrl !== undefined) {
    const unused = facts.portsipWebhookUrl === undefined ? '' : '; PORTSIP_WEBHOOK_URL is not used while it exists';
    return `default ${maskUrl(facts.defaultRouteUrl)} (the \`default\` route${unused})`;
  }
  return facts.portsipWebhookUrl === undefined
    ? 'no default'
    : `default ${maskUrl(facts.portsipWebhookUrl)} (PORTSIP_WEBHOOK_URL)`;
}

export function startupSummary(facts: StartupFacts): StartupLine[] {
  const listening = shownListener(facts.listeningUrl);
  const lines = [
    facts.publicBaseUrl === undefined
      ? `listening on ${listening}, health at /healthz; PUBLIC_BASE_URL is not set, so Wavix cannot reach smsops: no inbound SMS and no delivery reports`
      : `listening on ${listening}, health at /healthz; Wavix posts inbound SMS to ${maskUrl(facts.inboundWebhookUrl ?? facts.publicBaseUrl)}`,
    `Slack: ${facts.slackMode === 'socket' ? 'Socket Mode (SLACK_APP_TOKEN)' : slackHttpMode(facts.publicBaseUrl)}`,
  ].map(info);
  if (facts.portsipRouteCount === 0 && facts.portsipWebhookUrl === undefined && facts.defaultRouteUrl === undefined) {
    lines.push(
      info(
        'no PortSIP route and no PORTSIP_WEBHOOK_URL: inbound SMS are stored and shown in Slack but not relayed to PortSIP (/sms route set adds one)',
      ),
    );
  } else {
    const routes = `${facts.portsipRouteCount} PortSIP route${facts.portsipRouteCount === 1 ? '' : 's'}`;
    lines.push(info(`relaying inbound SMS to PortSIP: ${routes}, ${defaultWords(facts)}`));
  }
  const problems = facts.routeProblems ?? [];
  for (const { number, url, problem } of problems.slice(0, ROUTE_PROBLEMS_SHOWN)) {
    const route = number === 'default' ? 'default' : formatPhoneForPeople(number);
    lines.push(warn(`PortSIP route ${route} → ${maskUrl(url)} cannot be right: ${problem}`));
  }
  if (problems.length > ROUTE_PROBLEMS_SHOWN) {
    lines.push(
      warn(
        `${problems.length - ROUTE_PROBLEMS_SHOWN} more PortSIP routes cannot be right: /sms route list and /sms doctor name them`,
      ),
    );
  }
  return lines;
}

/** What the sandbox tells a person at the terminal once it runs. */
export interface SandboxStartupFacts {
  /** The console as a browser on this machine opens it, e.g. http://localhost:3000/sandbox (with ?token= when one is required). */
  consoleUrl: string;
  databasePath: string;
  /** Why the sandbox and not smsops for real: asked with SMSOPS_SANDBOX=1, or nothing of smsops is configured. */
  reason: 'asked' | 'unconfigured';
  /** The PortSIP stand-in's address, and whether it kept the port saved routes point at. */
  portsipSink: { url: string; port: 'kept' | 'first' | { busy: number } };
}

export function sandboxStartupSummary(facts: SandboxStartupFacts): StartupLine[] {
  const sink = facts.portsipSink;
  const sinkNote =
    sink.port === 'kept'
      ? 'same port as last run, so saved routes still reach it'
      : sink.port === 'first'
        ? 'this port is kept for the next runs'
        : `port ${sink.port.busy} of the last run was busy, so routes saved then point at nothing: set them again with /sms route set`;
  return [
    `sandbox running: open ${facts.consoleUrl} in a browser`,
    'runs smsops for real against stand-ins in this process: a Wavix emulator, a fake Slack and a PortSIP webhook; nothing reaches Slack, Wavix or PortSIP',
    `PortSIP stand-in at ${sink.url} (${sinkNote})`,
    `keeps what smsops records in ${facts.databasePath}; the emulator starts afresh each run`,
    facts.reason === 'asked'
      ? 'SMSOPS_SANDBOX=1 asked for the sandbox; unset it and fill in .env to run for real'
      : 'no .env and no smsops variable set, so no Slack, Wavix or PortSIP credentials: copy .env.example to .env and fill it in to run for real',
  ].map(info);
}
